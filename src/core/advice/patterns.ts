// Docker's path patterns: COPY sources (moby's patternmatcher) and the .dockerignore (Docker's own rules).
import dockerignoreMatcher from '@balena/dockerignore'
import { posix } from 'node:path'

/** A pattern as a regular expression over a clean, slash-separated path: `*` and `?` stop at `/`, `**` crosses it. */
export function patternRegExp(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '*' && pattern[i + 1] === '*') {
      i++
      if (pattern[i + 1] === '/') i++
      // Trailing `**` takes everything; inside, it stands for any number of directories, none included.
      re += i + 1 >= pattern.length ? '.*' : '(.*/)?'
    } else if (ch === '*') re += '[^/]*'
    else if (ch === '?') re += '[^/]'
    else if (ch === '\\' && i + 1 < pattern.length) re += escape(pattern[++i])
    else if (ch === '[' || ch === ']') re += ch
    else re += escape(ch)
  }
  return new RegExp(`${re}$`)
}

const escape = (ch: string): string => ch.replace(/[.+^${}()|\\]/g, c => `\\${c}`)

export const hasWildcard = (pattern: string): boolean => /[*?[\\]/.test(pattern)

/** `path` or one of its parent directories matches: a pattern naming a directory takes what is inside it. */
export function matchesOrParent(re: RegExp, path: string): boolean {
  if (re.test(path)) return true
  for (let dir = posix.dirname(path); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) if (re.test(dir)) return true
  return false
}

// The package's types declare an ES default export; it is a CommonJS module whose export is the function.
const ignore = dockerignoreMatcher as unknown as typeof dockerignoreMatcher.default

/** A .dockerignore: what BuildKit leaves out of the context (a port of Docker's own matcher). */
export function dockerignore(text: string): (contextPath: string) => boolean {
  const rules = ignore().add(text.split(/\r?\n/))
  return path => rules.ignores(path)
}
