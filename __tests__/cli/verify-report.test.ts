// hashdock verify's terminal report: the record's facts, who signed, and the provenance beside it.
import { describe, expect, test } from '@jest/globals'
import { renderVerifyReport } from '../../src/cli/verify-report.js'
import type { VerifiedRecord } from '../../src/core/index.js'

const digest = `sha256:${'b'.repeat(64)}`
const who = { workflow: 'https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main', repository: 'https://github.com/acme/app', issuer: 'https://token.actions.githubusercontent.com' }
const verified: VerifiedRecord = {
  image: 'ghcr.io/acme/app',
  digest,
  record: `sha256:${'c'.repeat(64)}`,
  via: 'tag',
  signed: { ...who, bundle: `sha256:${'d'.repeat(64)}` },
  commit: 'a'.repeat(40),
  result: 'PASSED',
  commands: [{ name: 'test-command', command: 'pytest -q' }],
  configuration: [],
  passed: 3,
  failed: 0,
  warned: 0
}

describe('renderVerifyReport', () => {
  test('no provenance row when none holds beside the digest', () => {
    expect(renderVerifyReport(verified, { colour: false })).not.toContain('Provenance')
  })

  test('the provenance beside it: who built it, from what, and who signed the record', () => {
    const text = renderVerifyReport({ ...verified, provenance: { record: `sha256:${'e'.repeat(64)}`, builder: who.workflow, source: `git+https://github.com/acme/app@${'a'.repeat(40)}`, signed: { ...who, bundle: `sha256:${'f'.repeat(64)}` } } }, { colour: false })
    expect(text).toContain(`  Provenance    built by ${who.workflow} from git+https://github.com/acme/app@${'a'.repeat(40)}, SLSA record sha256:${'e'.repeat(64)} (signed by ${who.workflow})`)
  })

  test('an unsigned provenance record (accepted with --allow-unsigned) says so; a builder is shown on one line', () => {
    const text = renderVerifyReport({ ...verified, provenance: { record: `sha256:${'e'.repeat(64)}`, builder: 'pkg:npm/hashdock@1.0.0\nforged line' } }, { colour: false })
    expect(text).toMatch(/^ {2}Provenance {4}built by pkg:npm\/hashdock@1\.0\.0.forged line, SLSA record sha256:e{64} \(unsigned\)$/m)
  })
})
