// Docker's path patterns, as BuildKit reads them in .dockerignore and in COPY sources (moby's patternmatcher).
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

interface IgnoreRule {
  re: RegExp
  exclusion: boolean
}

/**
 * A .dockerignore: what BuildKit leaves out of the context. Comments and blank lines are skipped, a
 * leading `/` means the context's top, `!` lets a path back in, and the last pattern that matches wins.
 */
export function dockerignore(text: string): (contextPath: string) => boolean {
  const rules: IgnoreRule[] = []
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const exclusion = line.startsWith('!')
    if (exclusion) line = line.slice(1).trim()
    const clean = posix.normalize(line.replace(/^\/+/, '')).replace(/\/+$/, '')
    if (!clean || clean === '.') continue
    rules.push({ re: patternRegExp(clean), exclusion })
  }
  return path => {
    let ignored = false
    for (const rule of rules) if (matchesOrParent(rule.re, path)) ignored = !rule.exclusion
    return ignored
  }
}
