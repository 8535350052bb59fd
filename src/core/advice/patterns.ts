// Docker's path patterns: COPY sources (moby's patternmatcher) and the .dockerignore (Docker's own rules).
import dockerignoreMatcher from '@balena/dockerignore'
import { posix } from 'node:path'

/** A compiled pattern: tests a clean, slash-separated path. */
export interface PathPattern {
  test(path: string): boolean
}

/**
 * One step of a pattern: a character it takes (`char`), or a loop. `star` is `*`, any run without `/`;
 * `dirs` is a `**` followed by more, any number of whole directories (`(.*\/)?`); `all` is a trailing `**`.
 */
type Token = { kind: 'char'; takes: (c: string) => boolean } | { kind: 'star' | 'dirs' | 'all' }

/**
 * A pattern as moby's patternmatcher reads it: `*` and `?` stop at `/`, `**` crosses it, `[...]` is a
 * class, `\` escapes. Matched by walking all its states at once, so the time is the pattern's length times
 * the path's, whatever the pattern: a commit's `COPY *a*a*a*a*b` must not stall the advice.
 */
export function compilePattern(pattern: string): PathPattern {
  const tokens = tokenize(pattern)
  return { test: path => matches(tokens, path) }
}

function tokenize(pattern: string): Token[] {
  // By code points, as Go's regular expressions read runes: `?` takes one character, whatever its size.
  const chars = [...pattern]
  const tokens: Token[] = []
  const char = (takes: (c: string) => boolean): void => void tokens.push({ kind: 'char', takes })
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]
    if (ch === '*' && chars[i + 1] === '*') {
      i++
      if (chars[i + 1] === '/') i++
      // Trailing `**` takes everything; inside, it stands for any number of directories, none included.
      tokens.push({ kind: i + 1 >= chars.length ? 'all' : 'dirs' })
    } else if (ch === '*') tokens.push({ kind: 'star' })
    else if (ch === '?') char(c => c !== '/')
    else if (ch === '[' && characterClass(chars, i)) {
      const cls = characterClass(chars, i)!
      char(cls.takes)
      i = cls.end
    } else if (ch === '\\' && i + 1 < chars.length) {
      const escaped = chars[++i]
      char(c => c === escaped)
    } else char(c => c === ch)
  }
  return tokens
}

/** `[abc]`, `[a-z]`, `[^...]`, `\` escaping, from `start`; undefined when it never closes (then `[` is itself). */
function characterClass(chars: string[], start: number): { takes: (c: string) => boolean; end: number } | undefined {
  let i = start + 1
  const negated = chars[i] === '^'
  if (negated) i++
  const read = (): string => (chars[i] === '\\' && i + 1 < chars.length ? chars[(i += 2) - 1] : chars[i++])
  const ranges: [string, string][] = []
  // A `]` first in the class is one of its characters, as in Go's regular expressions.
  for (let first = true; i < chars.length && (first || chars[i] !== ']'); first = false) {
    const lo = read()
    const range = chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']'
    if (range) i++
    ranges.push([lo, range ? read() : lo])
  }
  if (i >= chars.length) return undefined
  const takes = (c: string): boolean => ranges.some(([lo, hi]) => cmp(c, lo) >= 0 && cmp(c, hi) <= 0) !== negated
  return { takes, end: i }
}

const cmp = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!

/**
 * Every token is a state; state `tokens.length` accepts. A `dirs` token at `i` has a second state, its
 * inside (`tokens.length + 1 + i`), reached by a character other than `/`, and left only by a `/`.
 */
function matches(tokens: Token[], path: string): boolean {
  const n = tokens.length
  let current = new Uint8Array(2 * n + 1)
  let next = new Uint8Array(2 * n + 1)
  // Adds state i and every state reachable from it without taking a character.
  const enter = (set: Uint8Array, i: number): void => {
    while (!set[i]) {
      set[i] = 1
      if (i === n || tokens[i].kind === 'char') return
      i++
    }
  }
  enter(current, 0)
  for (const c of path) {
    next.fill(0)
    for (let i = 0; i < n; i++) {
      const t = tokens[i]
      if (current[i]) {
        if (t.kind === 'char') {
          if (t.takes(c)) enter(next, i + 1)
        } else if (t.kind === 'all' || (t.kind === 'star' && c !== '/')) enter(next, i)
        else if (t.kind === 'dirs') {
          if (c === '/') enter(next, i)
          else next[n + 1 + i] = 1
        }
      }
      if (current[n + 1 + i]) {
        if (c === '/') enter(next, i)
        else next[n + 1 + i] = 1
      }
    }
    ;[current, next] = [next, current]
  }
  return current[n] === 1
}

export const hasWildcard = (pattern: string): boolean => /[*?[\\]/.test(pattern)

/** `path` or one of its parent directories matches: a pattern naming a directory takes what is inside it. */
export function matchesOrParent(pattern: PathPattern, path: string): boolean {
  if (pattern.test(path)) return true
  for (let dir = posix.dirname(path); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) if (pattern.test(dir)) return true
  return false
}

// The package's types declare an ES default export; it is a CommonJS module whose export is the function.
const ignore = dockerignoreMatcher as unknown as typeof dockerignoreMatcher.default

/** A .dockerignore: what BuildKit leaves out of the context (a port of Docker's own matcher). */
export function dockerignore(text: string): (contextPath: string) => boolean {
  const rules = ignore().add(text.split(/\r?\n/))
  return path => rules.ignores(path)
}
