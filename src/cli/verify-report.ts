// `hashdock verify` on a terminal: what the record says, and who signed it.
import { fallbackTag, type VerifiedProvenance, type VerifiedRecord } from '../core/index.js'
import { oneLine, painter } from './style.js'

export function renderVerifyReport(v: VerifiedRecord, options: { colour: boolean }): string {
  const paint = painter(options.colour)
  const rows: [string, string][] = [
    ['Image', `${v.image}@${v.digest}`],
    ['Record', `test-result ${v.record} (${v.via === 'tag' ? `tag ${fallbackTag(v.digest)}` : 'referrers API'})`],
    ['Signed by', v.signed ? `${oneLine(v.signed.workflow)} (${oneLine(v.signed.repository)}${v.signed.ref ? `, ${oneLine(v.signed.ref)}` : ''})` : paint('yellow', 'nobody: unsigned, accepted with --allow-unsigned')],
    ['Commit', `${oneLine(v.commit)}${v.source ? ` (${oneLine(v.source)})` : ''}`],
    ...v.commands.map(c => [oneLine(c.name), oneLine(c.command)] as [string, string]),
    ['Result', `${v.result}: ${v.passed} passed, ${v.failed} failed, ${v.warned} warned tests named`],
    ...(v.url ? [['Run', oneLine(v.url)] as [string, string]] : []),
    ...(v.provenance ? [['Provenance', provenanceLine(v.provenance)] as [string, string]] : [])
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const verdict = v.signed ? paint('green', `Verified: ${v.digest} passed its tests, signed by a workflow run of ${oneLine(v.signed.repository)}.`) : paint('yellow', `Accepted unsigned: anyone who can push to ${v.image} could have written this record.`)
  return [...rows.map(([k, text]) => `  ${k.padEnd(width)}  ${text}`), '', verdict, ''].join('\n')
}

/** Who built it and from what, by the SLSA record beside the digest, and whether that record is signed. */
function provenanceLine(p: VerifiedProvenance): string {
  const from = p.source ? ` from ${oneLine(p.source)}` : ''
  return `built by ${oneLine(p.builder) || 'an unnamed builder'}${from}, SLSA record ${p.record} (${p.signed ? `signed by ${oneLine(p.signed.workflow)}` : 'unsigned'})`
}
