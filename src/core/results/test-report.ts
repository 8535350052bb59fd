// Test results as plain facts for people: failure annotations and the text helpers every renderer shares.
import { posix } from 'node:path'
import { summarize, type TestCase, type TestSuite } from './junit.js'

export interface Annotation {
  title: string
  message: string
  /** Repository-relative. */
  file?: string
  startLine?: number
}

/** Longest text shown for one name or message: bounds every line a renderer cannot drop. */
export const NAME_CHARS = 300
export const MESSAGE_CHARS = 500

/** One annotation per failed case, the first `limit` of them. */
export function failureAnnotations(
  suites: TestSuite[],
  mapPath: (containerPath: string) => string | undefined,
  limit = Infinity
): Annotation[] {
  return summarize(suites)
    .failedCases.slice(0, Math.max(0, limit))
    .map(c => {
      const file = c.file === undefined ? undefined : mapPath(c.file)
      // The details usually repeat the message: say it once.
      const text = c.details && c.message && !c.details.includes(c.message) ? `${c.message}\n\n${c.details}` : c.details || c.message
      return {
        title: clip(`${c.platform ? `${c.platform}: ` : ''}${caseLabel(c)} failed`, NAME_CHARS),
        message: clip(text || 'failed', 4000),
        ...(file === undefined ? {} : { file, ...(c.line === undefined ? {} : { startLine: c.line }) })
      }
    })
}

/**
 * Maps a path the tests saw inside the container to a repository path. Relative paths are taken from the
 * container's working directory `workdir`, which holds the build context `contextPath`; anything outside it,
 * or (given `repoFiles`) not a file of the repository, maps to undefined.
 */
export function containerPathMapper(
  workdir: string,
  contextPath: string,
  repoFiles?: Set<string>
): (containerPath: string) => string | undefined {
  const root = posix.resolve('/', workdir)
  return containerPath => {
    const path = containerPath.replace(/^file:\/\//, '')
    const rel = posix.isAbsolute(path) ? posix.relative(root, posix.normalize(path)) : posix.normalize(path)
    if (rel === '' || rel === '.' || rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined
    const repoPath = posix.join(contextPath, rel)
    if (repoPath === '..' || repoPath.startsWith('../') || posix.isAbsolute(repoPath)) return undefined
    return !repoFiles || repoFiles.has(repoPath) ? repoPath : undefined
  }
}

/** What to call a case: jest-junit repeats the name as classname, pytest's suite is just "pytest". */
export function caseLabel(c: TestCase): string {
  return c.classname && c.classname !== c.name ? `${c.classname} › ${c.name}` : `${c.suite} › ${c.name}`
}

/** At most `chars` characters: the head and the tail, since tracebacks end with the error and stacks start with it. */
export function clip(text: string, chars: number): string {
  if (text.length <= chars) return text
  const half = Math.floor(chars / 2)
  const cut = `\n… ${text.length - 2 * half} characters left out …\n`
  return safeSlice(text, 0, half) + cut + safeSlice(text, text.length - half, text.length)
}

/** A slice that does not split a surrogate pair. */
function safeSlice(text: string, start: number, end: number): string {
  const isLow = (i: number): boolean => i > 0 && i < text.length && /[\uDC00-\uDFFF]/.test(text[i])
  return text.slice(isLow(start) ? start + 1 : start, isLow(end) ? end - 1 : end)
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 120) return `${seconds.toFixed(1)} s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)} min ${whole % 60} s`
}

