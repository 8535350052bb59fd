// The terminal report of a run: the facts of the job summary, as aligned plain text.
import { caseLabel, clip, fallbackTag, formatDuration, MESSAGE_CHARS, NAME_CHARS, outcome, type Outcome, type Report, reportRows, type Segment, type StoredRecord, summarize, type TestSuite } from '../core/index.js'
import { adviceLines } from './advice-report.js'
import { terminalMessage } from './messages.js'
import { oneLine, painter, type Colour, type Paint } from './style.js'

const HEADLINES: Record<Outcome, [string, Colour, string]> = {
  failed: ['✘', 'red', 'failed'],
  reused: ['✔', 'green', 'already tested, tags re-applied'],
  pushed: ['✔', 'green', 'tested and pushed'],
  'pushed-untested': ['⚠', 'yellow', 'pushed untested'],
  tested: ['✔', 'green', 'tested, not pushed'],
  built: ['⚠', 'yellow', 'built, not tested or pushed']
}

/** The most failed tests listed; the rest are counted. */
const FAILED_SHOWN = 20

export function renderTerminalReport(r: Report, options: { colour: boolean }): string {
  const paint = painter(options.colour)
  const result = outcome(r)
  const [mark, colour, words] = HEADLINES[result]
  const verdict = result === 'failed' ? `${words} at ${r.failedStage ?? 'an unknown stage'}` : words
  const out = [`${paint(colour, mark)} ${paint('bold', r.images.join(', '))}: ${paint(colour, verdict)}`, '']

  const line = (segments: Segment[]): string =>
    segments.map(s => (typeof s === 'string' ? s : 'code' in s ? s.code : paint(s.passed ? 'green' : 'red', s.text))).join('')
  const rows: [string, string[]][] = reportRows(r).map(row => [row.label, row.lines.map(line)])
  const record = (label: string, what: string, a: StoredRecord): void => {
    rows.push([label, [`${what} ${a.digest} (${a.signature ? 'signed' : 'not signed'})`, ...a.stored.map(s => `${s.image} (${s.via === 'tag' ? `tag ${fallbackTag(r.digest)}` : 'referrers API'})`)]])
  }
  if (r.attestation) record('Attestation', 'test-result', r.attestation)
  if (r.provenance) record('Provenance', 'SLSA provenance', r.provenance)
  // A run that failed before anything was known has no rows: the failure line says it all.
  if (rows.length) out.push(...table(rows))
  if (r.artifacts) {
    out.push('', `${paint('bold', 'Artifacts:')} ${r.artifacts.delivered ?? 'exported, not delivered: the run did not pass'}`)
    const names = r.artifacts.files.map(f => oneLine(f.name))
    const sizes = r.artifacts.files.map(f => `${f.size.toLocaleString('en-US')} B`)
    const [w, sw] = [Math.max(0, ...names.map(n => n.length)), Math.max(0, ...sizes.map(s => s.length))]
    r.artifacts.files.forEach((f, i) => out.push(`  ${names[i].padEnd(w)}  ${sizes[i].padStart(sw)}  sha256:${f.sha256}`))
  }

  if (r.failure) out.push('', `${paint('red', `Failed at ${r.failedStage ?? 'an unknown stage'}:`)} ${oneLine(terminalMessage(r.failure, r.remedy))}`)
  if (r.suites.length) out.push('', ...testResults(r.suites, paint))

  if (r.advice?.advice.length) out.push('', paint('bold', 'Dockerfile advice:'), ...adviceLines(r.advice, paint).filter(Boolean))

  const notes: string[] = []
  if (result === 'pushed-untested') notes.push('No --test-command or --integration-command: the image was pushed without being tested.')
  if (result === 'built') notes.push('No --test-command: the image was not tested.')
  if (!r.push && !r.failure) notes.push('Not pushed: pass --push true to push the image once its tests pass.')
  if (r.reused) notes.push('The registry already held this commit, built and tested from the same inputs: the tags now point at that digest. Pass --rebuild true to build again.')
  notes.push(...r.notes)
  if (notes.length) out.push('', ...notes.map(n => paint('dim', n)))
  return out.join('\n') + '\n'
}

/** Two columns: names padded to one width, a value per line. */
function table(rows: [string, string[]][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.flatMap(([k, values]) => values.map((v, i) => `  ${(i === 0 ? k : '').padEnd(width)}  ${v}`))
}

function testResults(suites: TestSuite[], paint: Paint): string[] {
  const totals = summarize(suites)
  const count = (n: number, what: string, colour: Colour): string => (n > 0 ? paint(colour, `${n} ${what}`) : `${n} ${what}`)
  const lines = [
    `${paint('bold', 'Test results:')} ${count(totals.passed, 'passed', 'green')}, ${count(totals.failed, 'failed', 'red')}, ${totals.skipped} skipped in ${formatDuration(totals.durationSeconds)}`
  ]
  const names = suites.map(s => oneLine(clip(s.name, NAME_CHARS)))
  const width = Math.max(...names.map(n => n.length))
  suites.forEach((s, i) => {
    lines.push(`  ${names[i].padEnd(width)}  ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped  ${formatDuration(s.durationSeconds)}`)
  })
  const failed = totals.failedCases
  if (failed.length) {
    lines.push('', paint('bold', 'Failed tests:'))
    for (const c of failed.slice(0, FAILED_SHOWN)) {
      const where = c.file ? paint('dim', ` (${oneLine(c.line ? `${c.file}:${c.line}` : c.file)})`) : ''
      const message = c.message ? `: ${oneLine(clip(c.message, MESSAGE_CHARS))}` : ''
      lines.push(`  ${paint('red', '✘')} ${oneLine(clip(caseLabel(c), NAME_CHARS))}${message}${where}`)
    }
    if (failed.length > FAILED_SHOWN) lines.push(`  … ${failed.length - FAILED_SHOWN} more failed tests`)
  }
  if (totals.slowest.length) {
    lines.push('', paint('bold', 'Slowest tests:'))
    const labels = totals.slowest.map(c => oneLine(clip(caseLabel(c), NAME_CHARS)))
    const w = Math.max(...labels.map(l => l.length))
    totals.slowest.forEach((c, i) => lines.push(`  ${labels[i].padEnd(w)}  ${formatDuration(c.durationSeconds)}`))
  }
  return lines
}
