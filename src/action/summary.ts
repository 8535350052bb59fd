// Outputs and the job summary of a run, finished or failed, in GitHub's markdown.
import * as core from '@actions/core'
import { type AdviceReport, describeAdvice, fallbackTag, MESSAGE_CHARS, NAME_CHARS, outcome, type Outcome, outputs, type Remedy, type Report, reportRows, type Segment, SLSA_PROVENANCE_PREDICATE, type StoredAttestation, type StoredRecord, TEST_RESULT_PREDICATE, withoutInvisible } from '../core/index.js'
import { inline, renderResultsMarkdown } from './results-markdown.js'
import { printUntrusted } from './log.js'
import { verifyCommand } from './signer.js'

/** Every output known so far, and the summary; a failed run writes both too, so its githash is not lost. */
export async function publishReport(report: Report): Promise<void> {
  for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
  // One warning on each line advised on: the Dockerfile's repository path is where GitHub shows it.
  for (const a of report.advice?.advice ?? []) core.warning(withoutInvisible(describeAdvice(a)), { file: a.dockerfile, startLine: a.line })
  const summary = withoutInvisible(renderSummary(report))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write()
  else printUntrusted(summary)
}

const HINTS: Record<Remedy, string> = {
  checkout: 'check out the repository first (actions/checkout)',
  'full-history': 'check out with fetch-depth: 0 (actions/checkout) to have every commit',
  password: 'set registry-password from a secret'
}

/** The one line the step fails with: the core's message, and what to change in the workflow. */
export function failureMessage(r: Pick<Report, 'failure' | 'remedy'>): string {
  return r.remedy ? `${r.failure}; ${HINTS[r.remedy]}` : (r.failure ?? '')
}

const HEADLINES: Record<Exclude<Outcome, 'failed'>, string> = {
  reused: '♻️ already tested, tags re-applied',
  pushed: '✅ tested and pushed',
  'pushed-untested': '⚠️ pushed untested',
  tested: '✅ tested, not pushed',
  built: '⚠️ built, not tested or pushed'
}

/** The job summary; every value here is ours or git's, except a failure's message, which is escaped. */
export function renderSummary(r: Report): string {
  const result = outcome(r)
  const headline = result === 'failed' ? `❌ failed at ${r.failedStage ?? 'an unknown stage'}` : HEADLINES[result]
  const rows = reportRows(r).map(row => [row.label, row.lines.map(markdownLine).join('<br>')] as const)
  if (r.attestation) rows.push(['Attestation', attestationCell(r.attestation, r.digest)])
  if (r.provenance) rows.push(['Provenance', recordCell(r.provenance, r.digest, `SLSA provenance \`${r.provenance.digest}\``, SLSA_PROVENANCE_PREDICATE)])

  const lines = [`## hashdock: ${r.images.join(', ')} — ${headline}`]
  // A run that failed before anything was known has no rows: no empty table, the failure says it all.
  if (rows.length) lines.push('', '| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`))
  // A stage's message can quote a program's output (docker's last error line): escaped like test output.
  if (r.failure) lines.push('', `**Failed at ${r.failedStage ?? 'an unknown stage'}:** ${inline(failureMessage(r), 2 * MESSAGE_CHARS)}`)
  if (result === 'pushed-untested') lines.push('', '> ⚠️ No test-command or integration-command was given: the image was pushed without being tested.')
  else if (result === 'built') lines.push('', 'No test command was given: the image was not tested.')
  if (!r.push && !r.failure) lines.push('', '> push is false: nothing was pushed.')
  if (r.reused) {
    lines.push('', `> The registry already held ${r.image}:${r.commit}, built and tested from the same inputs: build and tests were skipped and the tags point at that digest. Set rebuild: true to build again.`)
  }
  if (r.artifacts) lines.push('', ...artifactsTable(r.artifacts))
  for (const note of r.notes) lines.push('', `> ${note}`)
  if (r.advice?.advice.length) lines.push('', renderAdvice(r.advice))
  // Test output is untrusted: the results renderer escapes every piece of it.
  if (r.suites.length) lines.push('', renderResultsMarkdown(r.suites, { title: 'Test results' }))
  return lines.join('\n') + '\n'
}

/** The advice section: text from the Dockerfile and the repository's paths are quoted and escaped. */
function renderAdvice(r: AdviceReport): string {
  const code = (text: string): string => `<code>${inline(text, 2 * NAME_CHARS)}</code>`
  const lines = [`### Dockerfile advice`, '', `Measured on the last ${r.commits} first-parent commits up to this one${r.dockerignore ? `, with the rules of ${code(r.dockerignore)}` : ''}:`, '']
  for (const a of r.advice) lines.push(`- ${code(`${a.dockerfile}:${a.line}`)}: ${describeAdvice(a, code)}`)
  return lines.join('\n')
}

/** The tested-by record: how many tests it names, where it is, and how to check it. */
function attestationCell(a: StoredAttestation, digest: string): string {
  return recordCell(a, digest, `test-result \`${a.digest}\`, ${a.statement.predicate.passedTests.length} passed tests named`, TEST_RESULT_PREDICATE)
}

/** Where a record is and whether it is signed; a signed one with the commands that check it (hashdock verify checks the test-result record). */
function recordCell(a: StoredRecord, digest: string, what: string, predicateType: string): string {
  const where = a.stored.map(s => `${s.image} (${s.via === 'tag' ? `tag \`${fallbackTag(digest)}\`` : 'referrers API'})`).join('<br>')
  const owner = process.env.GITHUB_REPOSITORY_OWNER ?? process.env.GITHUB_REPOSITORY?.split('/')[0] ?? '<owner>'
  const repository = process.env.GITHUB_REPOSITORY ?? '<owner>/<repository>'
  const reference = `${a.stored[0].image}@${digest}`
  const gh = `\`${verifyCommand(reference, owner, predicateType)}\``
  const signed = a.signature
    ? `signed with Sigstore; verify with ${predicateType === TEST_RESULT_PREDICATE ? `\`hashdock verify ${reference} --repository ${repository}\` or ${gh}` : gh}`
    : 'not signed: the workflow has no id-token: write'
  const platforms = a.platforms?.length ? `<br>also beside each platform's manifest: ${a.platforms.map(p => `${p.platform} \`${p.digest}\``).join(', ')}` : ''
  return `${what}<br>${where}${platforms}<br>${signed}`
}

/** Each file with its size and sha256; where they went, or that nothing was delivered. */
function artifactsTable(a: NonNullable<Report['artifacts']>): string[] {
  return [
    `### Artifacts: ${a.delivered ?? 'exported, not delivered: the run did not pass'}`,
    '',
    '| File | Size | sha256 |',
    '| --- | ---: | --- |',
    // Names of files inside an exported directory are the build's: escaped like test output.
    ...a.files.map(f => `| ${inline(f.name, 2 * MESSAGE_CHARS)} | ${f.size.toLocaleString('en-US')} B | \`${f.sha256}\` |`)
  ]
}

/** A line of the row model in markdown: values as code, a test's state as it is. */
const markdownLine = (line: Segment[]): string => line.map(s => (typeof s === 'string' ? s : 'code' in s ? `\`${s.code}\`` : s.text)).join('')
