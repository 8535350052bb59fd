// The one row model both reports draw: what a run shows, decided once.
import { describe, expect, test } from '@jest/globals'
import { failedReport, report, reportRows, startProgress, type Report, type Row } from '../../../src/core/stages/report.js'
import { judgeByResults } from '../../../src/core/results/results.js'
import type { TestSuite } from '../../../src/core/results/junit.js'
import { built, COMMIT, IMAGE, loaded, plan, published, unitFailed, unitPassed } from '../../../__fixtures__/report.js'

/** Rows as plain text: label → lines, code and states flattened. */
const text = (rows: Row[]): Record<string, string[]> =>
  Object.fromEntries(rows.map(r => [r.label, r.lines.map(l => l.map(s => (typeof s === 'string' ? s : 'code' in s ? `\`${s.code}\`` : s.text)).join(''))]))

const DIGEST = built.digest

describe('reportRows', () => {
  test.each<[string, () => Report, Record<string, string[] | undefined>]>([
    ['a failure at plan: no row at all', () => failedReport(startProgress({ images: [IMAGE], push: true }), new Error('githash: no such commit')), {}],
    [
      'pushed: the tags, and the line that pulls the tested digest',
      () => report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }),
      { Tags: published.references.map(r => `\`${r}\``), Pull: [`\`docker pull ${IMAGE}@${DIGEST}\``], Digest: [`\`${DIGEST}\``], 'Tags, not pushed': undefined }
    ],
    [
      'a failed test: the tags are what a push would have written, said so',
      () => report(plan, { built, loaded, tests: [unitFailed], suites: [], notes: [] }),
      { Tags: undefined, 'Tags, not pushed': published.references.map(r => `\`${r}\``), Pull: undefined, Digest: [`\`${DIGEST}\` (not pushed)`], 'Unit tests': ['failed (exit 3) in 2.0 s'] }
    ],
    [
      'push false: the tags are named as not pushed because of it',
      () => report({ ...plan, publish: { ...plan.publish, push: false } }, { built, loaded, tests: [unitPassed], suites: [], notes: [] }),
      { 'Tags (push is false)': published.references.map(r => `\`${r}\``), Tags: undefined }
    ],
    [
      'a push that failed after the full-hash tag: that tag is held, the rest is not',
      () => ({ ...report(plan, { built, loaded, tests: [unitPassed], suites: [], notes: [] }), held: [IMAGE] }),
      { Tags: [`\`${IMAGE}:${COMMIT}\``], 'Tags, not pushed': [`\`${IMAGE}:latest\``, `\`${IMAGE}:3f2a9c1\``] }
    ],
    [
      'the layer cache, when the build log said',
      () => report(plan, { built: { ...built, steps: { steps: 5, cached: 4 } }, loaded, tests: [unitPassed], suites: [], published, notes: [] }),
      { 'Layer cache': ['4 of 5 steps from the cache'] }
    ],
    [
      'each platform of an index',
      () => report(plan, { built: { ...built, platforms: [{ platform: 'linux/arm64', digest: 'sha256:aa', configDigest: 'sha256:ab' }] }, loaded, tests: [unitPassed], suites: [], published, notes: [] }),
      { 'Image linux/arm64': ['`sha256:aa`'] }
    ]
  ])('%s', (_, make, expected) => {
    const rows = text(reportRows(make()))
    for (const [label, lines] of Object.entries(expected)) expect({ label, lines: rows[label] }).toEqual({ label, lines })
    if (!Object.keys(expected).length) expect(rows).toEqual({})
  })
})

describe('judgeByResults: what the tests wrote decides, not only their exit', () => {
  const suite = (kind: string, failed: number, platform?: string): TestSuite => ({ name: `${kind}: pytest`, kind, ...(platform ? { platform } : {}), passed: 2, failed, skipped: 0, durationSeconds: 1, cases: [] })

  test('exit 0, and its results report 3 failed: not passed, nothing pushed, and the report says why', () => {
    const [judged] = judgeByResults([unitPassed], [suite('unit', 3)])
    expect(judged).toMatchObject({ passed: false, reportedFailures: 3, exitCode: 0 })
    const r = report(plan, { built, loaded, tests: [judged], suites: [], published, notes: [] })
    expect(r.failure).toBe('unit tests reported 3 failed (exit 0): nothing was pushed')
    expect(r.failedStage).toBe('unit tests')
    expect(text(reportRows(r))['Unit tests']).toEqual(['failed: its results report 3 failed (exit 0) in 3.5 s'])
  })

  test("another run's failures, or another platform's, are not this run's", () => {
    expect(judgeByResults([unitPassed], [suite('integration', 1), suite('unit', 0)])).toEqual([unitPassed])
    expect(judgeByResults([{ ...unitPassed, platform: 'linux/amd64' }], [suite('unit', 2, 'linux/arm64')])[0].passed).toBe(true)
  })

  test('a run that failed by its exit stays as it is', () => {
    expect(judgeByResults([unitFailed], [suite('unit', 1)])).toEqual([unitFailed])
  })
})
