// Source locations (file and line) named in a failure's text: tracebacks, stacks, `path:line:` lines.
// The text is the tests' own output, so it is read in bounded parts by scans linear in its length.

export interface Location {
  file?: string
  line?: number
}

/** How much of a failure's start and of its end is searched: tracebacks name the test first, pytest last. */
export const SCANNED_CHARS = 64 * 1024

// Frames in installed packages and runtimes: a place the user cannot fix.
const LIBRARY = /(^|\/)(node_modules|site-packages|dist-packages|_pytest|pluggy)\/|^(node:|internal\/|<)|^\/usr\/(local\/)?(lib|go)\//

/** Each kind of mention, from the most telling: the first kind with a place outside libraries wins. */
const KINDS: ((line: string) => Location[])[] = [pythonFrames, javascriptFrames, pathLines]

/** Source locations mentioned in a failure's text, in order, from the most telling kind of mention. */
export function locations(text: string): Location[] {
  const lines = scannedLines(text)
  for (const kind of KINDS) {
    const found = lines.flatMap(kind).filter(l => !LIBRARY.test(l.file ?? ''))
    if (found.length > 0) return found
  }
  return []
}

/** The whole lines of the text's first and last SCANNED_CHARS; a line cut in two could name a wrong line number. */
function scannedLines(text: string): string[] {
  const split = (part: string): string[] => part.split(/\r\n|\r|\n/)
  if (text.length <= 2 * SCANNED_CHARS) return split(text)
  const head = text.slice(0, SCANNED_CHARS)
  const tail = text.slice(text.length - SCANNED_CHARS)
  return [...split(head).slice(0, -1), ...split(tail).slice(1)]
}

const PYTHON_LINE = /", line (\d+)/y

/** Python traceback: File "/srv/tests/test_app.py", line 13, in test_add */
function pythonFrames(line: string): Location[] {
  const found: Location[] = []
  for (let at = line.indexOf('File "'); at >= 0; at = line.indexOf('File "', at + 1)) {
    // The closing quote comes at the latest with the next `File "`: each part of the line is read once or twice.
    const close = line.indexOf('"', at + 6)
    if (close < 0) break
    PYTHON_LINE.lastIndex = close
    const number = PYTHON_LINE.exec(line)
    if (number && close > at + 6) found.push({ file: line.slice(at + 6, close), line: Number(number[1]) })
  }
  return found
}

/** JavaScript stack: at Object.toBe (/srv/src/sum.test.js:9:22), or at /srv/src/sum.js:3:9 */
function javascriptFrames(line: string): Location[] {
  const found: Location[] = []
  // The first `(` after a frame's `at `, and what was found there: frames on one line share it.
  let paren = -2
  let inParen: Place | undefined
  for (let at = line.indexOf('at '); at >= 0; ) {
    if (at > 0 && /\w/.test(line[at - 1])) {
      at = line.indexOf('at ', at + 1)
      continue
    }
    const from = at + 3
    if (paren !== -1 && paren < from) {
      paren = line.indexOf('(', from)
      inParen = paren < 0 ? undefined : placeAt(line, paren + 1)
    }
    const place = inParen ?? placeAt(line, from)
    if (place) found.push(place.location)
    at = line.indexOf('at ', place ? place.end : at + 1)
  }
  return found
}

interface Place {
  location: Location
  /** Where the mention ends in the line. */
  end: number
}

/** `path:line:column` at `start`, `file://` taken off: the last `:line:column` of the word there. */
function placeAt(line: string, start: number): Place | undefined {
  if (line.startsWith('file://', start)) start += 7
  let end = start
  while (end < line.length && !/[\s()]/.test(line[end])) end++
  for (let colon = end - 1; colon > start; colon--) {
    if (line[colon] !== ':') continue
    const digits = run(line, colon + 1, end)
    if (digits > colon + 1 && line[digits] === ':' && run(line, digits + 1, end) > digits + 1) {
      return { location: { file: line.slice(start, colon), line: Number(line.slice(colon + 1, digits)) }, end: run(line, digits + 1, end) }
    }
  }
  return undefined
}

/** Where the run of digits starting at `from` ends, before `end`. */
function run(line: string, from: number, end: number): number {
  let i = from
  while (i < end && line[i] >= '0' && line[i] <= '9') i++
  return i
}

const PATH_CHAR = /[^\s:"'()<>]/

/** A line starting with path:line: — pytest's "tests/test_app.py:14: AssertionError", go's "calc_test.go:21: …" */
function pathLines(line: string): Location[] {
  let start = 0
  while (line[start] === ' ' || line[start] === '\t') start++
  let end = start
  while (end < line.length && PATH_CHAR.test(line[end])) end++
  const dot = line.lastIndexOf('.', end - 1)
  if (line[end] !== ':' || dot <= start || !/^\w+$/.test(line.slice(dot + 1, end))) return []
  const digits = run(line, end + 1, line.length)
  if (digits === end + 1 || line[digits] !== ':') return []
  return [{ file: line.slice(start, end), line: Number(line.slice(end + 1, digits)) }]
}
