// The test-results section of the job summary, in GitHub's markdown and HTML; all test output in it is untrusted text.
import { caseLabel as label, clip, formatDuration as duration, MESSAGE_CHARS, NAME_CHARS, summarize, type TestCase, type TestSuite } from '../core/index.js'

export interface ResultsOptions {
  title: string
  /** Upper bound of the rendered text in UTF-8 bytes; defaults to RESULTS_MAX_BYTES. */
  maxBytes?: number
}

/** GitHub rejects a step summary over 1 MiB; the margin leaves room for the rest of the summary. */
const RESULTS_MAX_BYTES = 1024 * 1024 - 64 * 1024

// Per-case details, tried longest first until the summary fits; 0 leaves them out.
const DETAIL_STEPS = [65536, 8192, 1024, 0]

/** Markdown and HTML for a job summary: totals per suite, every failed case with its output, the slowest cases. */
export function renderResultsMarkdown(suites: TestSuite[], options: ResultsOptions): string {
  const maxBytes = options.maxBytes ?? RESULTS_MAX_BYTES
  const totals = summarize(suites)
  const failed = totals.failedCases
  const verdict = totals.failed > 0 ? '❌' : '✅'
  const head = [
    `### ${verdict} ${inline(options.title, NAME_CHARS)}`,
    '',
    `**${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped** in ${duration(totals.durationSeconds)}`,
    '',
    '| Suite | Passed | Failed | Skipped | Duration |',
    '| --- | ---: | ---: | ---: | ---: |',
    ''
  ].join('\n')
  const suiteRow = (i: number): string => {
    const s = suites[i]
    return `| ${inline(s.name, NAME_CHARS)} | ${s.passed} | ${s.failed} | ${s.skipped} | ${duration(s.durationSeconds)} |\n`
  }
  const failedHeading = failed.length > 0 ? '\n#### Failed tests\n\n' : ''
  const slowest = totals.slowest.length > 0 ? slowestTable(totals.slowest) : ''
  const fixed = bytes(head) + bytes(failedHeading) + bytes(slowest)
  const assemble = (rows: string[], blocks: string[]): string => head + rows.join('') + failedHeading + blocks.join('') + slowest

  const allRows = within(suites.length, suiteRow, maxBytes - fixed)
  if (allRows) {
    for (const limit of DETAIL_STEPS) {
      const blocks = within(failed.length, i => failureBlock(failed[i], limit), maxBytes - fixed - total(allRows))
      if (blocks) return assemble(allRows, blocks)
    }
  }
  // Details are all gone and it still does not fit: drop failed cases, and suites only if even that is not enough.
  const rows = fitting(suites.length, suiteRow, maxBytes - fixed - bytes(moreFailures(failed.length)), moreSuites)
  return assemble(rows, fitting(failed.length, i => failureBlock(failed[i], 0), maxBytes - fixed - total(rows), moreFailures))
}

function failureBlock(c: TestCase, detailChars: number): string {
  const where = c.file ? ` <sub>${inline(c.line ? `${c.file}:${c.line}` : c.file, NAME_CHARS)}</sub>` : ''
  const message = c.message ? `: ${inline(c.message, MESSAGE_CHARS)}` : ''
  const summary = `<details><summary>❌ <code>${inline(label(c), NAME_CHARS)}</code>${message}${where}</summary>\n\n`
  if (!c.details) return `${summary}<p>No output.</p>\n\n</details>\n\n`
  if (detailChars === 0) return `${summary}<p>Output left out to keep the summary within its size limit.</p>\n\n</details>\n\n`
  // <pre> starts its own HTML block, which only </pre> ends: blank lines in the output cannot break out of it.
  return `${summary}<pre>\n${escapeHtml(clip(c.details, detailChars))}\n</pre>\n\n</details>\n\n`
}

function slowestTable(cases: TestCase[]): string {
  const rows = cases.map(c => `| ${inline(label(c), NAME_CHARS)} | ${inline(c.suite, NAME_CHARS)} | ${duration(c.durationSeconds)} |`)
  return ['', '#### Slowest tests', '', '| Test | Suite | Duration |', '| --- | --- | ---: |', ...rows, ''].join('\n')
}

const moreSuites = (n: number): string => `| … ${n} more ${n === 1 ? 'suite' : 'suites'} | | | | |\n`
const moreFailures = (n: number): string =>
  `… ${n} more failed ${n === 1 ? 'test' : 'tests'}, left out to keep the summary within its size limit.\n\n`

/** All `count` items, built one by one, or undefined as soon as they pass `budget` bytes. */
function within(count: number, item: (i: number) => string, budget: number): string[] | undefined {
  const items: string[] = []
  let used = 0
  for (let i = 0; i < count; i++) {
    items.push(item(i))
    used += bytes(items[i])
    if (used > budget) return undefined
  }
  return items
}

/** The leading items that fit in `budget` bytes, followed by a line saying how many were left out. */
function fitting(count: number, item: (i: number) => string, budget: number, more: (n: number) => string): string[] {
  const kept: string[] = []
  let used = 0
  for (let i = 0; i < count; i++) {
    const text = item(i)
    const left = count - i - 1
    used += bytes(text)
    if (used + (left > 0 ? bytes(more(left)) : 0) > budget) return [...kept, more(count - i)]
    kept.push(text)
  }
  return kept
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
// Markdown punctuation that would otherwise turn test output into links, images, emphasis or table cells.
const MARKDOWN: Record<string, string> = {
  '|': '&#124;', '[': '&#91;', ']': '&#93;', '*': '&#42;', _: '&#95;', '`': '&#96;', '~': '&#126;', '\\': '&#92;'
}

/** Escapes test output for HTML; `::` is broken up too, so no line of it reads as a workflow command if ever echoed to a log. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => HTML[c]).replace(/::/g, ':&#58;')
}

/** Test output on one line of markdown (a table cell, a summary): clipped, whitespace collapsed, escaped. */
export function inline(text: string, chars: number): string {
  return escapeHtml(clip(text, chars).replace(/\s+/g, ' ').trim()).replace(/[|[\]*_`~\\]/g, c => MARKDOWN[c])
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')
const total = (parts: string[]): number => parts.reduce((sum, p) => sum + bytes(p), 0)
