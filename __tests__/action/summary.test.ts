// The job summary: GitHub markdown of a run's facts, its headline true to what ran, a failure's message escaped.
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../src/core/errors.js'
import type { TestSuite } from '../../src/core/results/junit.js'
import { failedReport, report, startProgress } from '../../src/core/stages/report.js'
import { intent } from '../../src/core/stages/plan.js'
import { failureMessage, renderSummary } from '../../src/action/summary.js'
import type { AdviceReport } from '../../src/core/advice/advice.js'
import { built,
  loaded, COMMIT, IMAGE, integrationPassed, inputs, plan, published, unitFailed, unitPassed } from '../../__fixtures__/report.js'

const suite: TestSuite = {
  name: 'calc',
  passed: 1,
  failed: 0,
  skipped: 0,
  durationSeconds: 0.25,
  cases: [{ suite: 'calc', name: 'adds', durationSeconds: 0.25, status: 'passed' }]
}

const firstLine = (markdown: string): string => markdown.split('\n')[0]
const noPush = { ...plan, publish: { ...plan.publish, push: false } }

describe('renderSummary', () => {
  test('pushed: verdict line, digest and tags', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested and pushed`)
    expect(md).toContain(`| Digest | \`${published.digest}\` |`)
    for (const ref of published.references) expect(md).toContain(`\`${ref}\``)
    expect(md).toContain('| Unit tests | passed in 3.5 s |')
    expect(md).toContain(`| Commit | \`${COMMIT}\` (2024-05-06T07:08:09Z) |`)
    expect(md).toContain(`| Image ID | \`${loaded.imageId}\` |`)
    expect(md.endsWith('\n')).toBe(true)
  })

  test('a signed multi-platform record: where it is, its platforms, and the commands that verify it', () => {
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://in-toto.io/attestation/test-result/v0.1', predicate: { result: 'PASSED', configuration: [], passedTests: ['a', 'b'], warnedTests: [], failedTests: [] } }
    const attestation = {
      digest: `sha256:${'a'.repeat(64)}`,
      statement,
      stored: [{ image: IMAGE, via: 'referrers' as const }],
      signature: `sha256:${'5'.repeat(64)}`,
      platforms: [{ platform: 'linux/amd64', digest: `sha256:${'6'.repeat(64)}` }, { platform: 'linux/arm64', digest: `sha256:${'7'.repeat(64)}` }]
    }
    const saved = process.env.GITHUB_REPOSITORY
    process.env.GITHUB_REPOSITORY = 'acme/app'
    try {
      const md = renderSummary({ ...report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }), attestation } as Parameters<typeof renderSummary>[0])
      expect(md).toContain(`| Attestation | test-result \`${attestation.digest}\`, 2 passed tests named<br>${IMAGE} (referrers API)<br>also beside each platform's manifest: linux/amd64 \`sha256:${'6'.repeat(64)}\`, linux/arm64 \`sha256:${'7'.repeat(64)}\`<br>signed with Sigstore; verify with \`hashdock verify ${IMAGE}@${published.digest} --repository acme/app\` or \`gh attestation verify oci://${IMAGE}@${published.digest} --owner acme`)
    } finally {
      if (saved === undefined) delete process.env.GITHUB_REPOSITORY
      else process.env.GITHUB_REPOSITORY = saved
    }
  })

  test('a provenance record beside the image: where it is, and the command that checks it by its predicate; unsigned, said', () => {
    const provenance = { digest: `sha256:${'8'.repeat(64)}`, statement: {} as never, stored: [{ image: IMAGE, via: 'tag' as const }], signature: `sha256:${'9'.repeat(64)}` }
    const saved = process.env.GITHUB_REPOSITORY
    process.env.GITHUB_REPOSITORY = 'acme/app'
    try {
      const base = report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] })
      const md = renderSummary({ ...base, provenance })
      expect(md).toContain(`| Provenance | SLSA provenance \`${provenance.digest}\`<br>${IMAGE} (tag \`sha256-${published.digest.slice('sha256:'.length)}\`)<br>signed with Sigstore; verify with \`gh attestation verify oci://${IMAGE}@${published.digest} --owner acme --bundle-from-oci --predicate-type https://slsa.dev/provenance/v1\` |`)
      const { signature: _, ...unsigned } = provenance
      expect(renderSummary({ ...base, provenance: unsigned })).toContain(`| Provenance | SLSA provenance \`${provenance.digest}\`<br>${IMAGE} (tag \`sha256-${published.digest.slice('sha256:'.length)}\`)<br>not signed: the workflow has no id-token: write |`)
      expect(renderSummary(base)).not.toContain('| Provenance |')
    } finally {
      if (saved === undefined) delete process.env.GITHUB_REPOSITORY
      else process.env.GITHUB_REPOSITORY = saved
    }
  })

  test('not pushed: its own verdict, and the digest says it was not pushed', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [unitPassed], suites: [], notes: [] }))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested, not pushed`)
    expect(md).toContain(`| Digest | \`${built.digest}\` (not pushed) |`)
  })

  test('failed: verdict naming the stage, the failed run and the failure', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [unitFailed], suites: [], notes: [] }))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ❌ failed at unit tests`)
    expect(md).toContain('| Unit tests | failed (exit 3) in 2.0 s |')
    expect(md).toContain('**Failed at unit tests:** unit tests failed (exit 3): nothing was pushed')
    expect(md).not.toContain('✅')
  })

  test('pushed without any test: never "tested", and a warning', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [], suites: [], published, notes: [] }))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ⚠️ pushed untested`)
    expect(md).not.toContain('tested and pushed')
    expect(md).toContain('the image was pushed without being tested')
  })

  test('neither tested nor pushed: says both', () => {
    const md = renderSummary(report(noPush, { built, loaded, tests: [], suites: [], notes: [] }))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ⚠️ built, not tested or pushed`)
    expect(md).toContain('No test command was given: the image was not tested.')
    expect(md).toContain('> push is false: nothing was pushed.')
  })

  test('a failed build: the stage, its escaped message, the workflow hint, and only the rows known', () => {
    const progress = { ...startProgress(intent(inputs)), plan, stage: 'build' as const }
    const r = failedReport(progress, new Error('docker buildx build failed (exit 1): ERROR: process "/bin/sh -c false" did not complete <b>|</b>'))
    const md = renderSummary(r)
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ❌ failed at build`)
    expect(md).toContain(`| Commit | \`${COMMIT}\``)
    expect(md).not.toContain('Image ID')
    expect(md).not.toContain('| Digest |')
    expect(md).toContain('**Failed at build:** docker buildx build failed (exit 1): ERROR: process &quot;/bin/sh -c false&quot; did not complete &lt;b&gt;&#124;&lt;/b&gt;')
    expect(md).not.toContain('No test command')
  })

  test('a failure with a remedy: the workflow words it', () => {
    const r = failedReport(startProgress(intent(inputs)), new InputError('githash', "'abc' names no commit in this repository, and this clone is shallow", 'full-history'))
    expect(failureMessage(r)).toBe("githash: 'abc' names no commit in this repository, and this clone is shallow; check out with fetch-depth: 0 (actions/checkout) to have every commit")
    expect(renderSummary(r)).toContain('fetch-depth: 0')
  })

  test('with test runs: no such note', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [unitPassed, integrationPassed], suites: [], published, notes: [] }))
    expect(md).not.toContain('No test command was given')
    expect(md).toContain('| Integration tests | passed in 7.0 s |')
  })

  test('notes are quoted', () => {
    const md = renderSummary(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: ['Not reproducible: no containerd store.'] }))
    expect(md).toContain('\n> Not reproducible: no containerd store.\n')
  })

  test('suites: a results section only when there are suites', () => {
    expect(renderSummary(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }))).not.toContain('Test results')
    const md = renderSummary(report(plan, { built, loaded, tests: [unitPassed], suites: [suite], published, notes: [] }))
    expect(md).toContain('Test results')
    expect(md).toContain('| calc |')
  })
})

describe('the Dockerfile advice section', () => {
  const advice: AdviceReport = {
    commit: COMMIT,
    dockerfile: 'Dockerfile',
    dockerignore: '.dockerignore',
    commits: 60,
    advice: [
      {
        kind: 'layer-order',
        dockerfile: 'Dockerfile',
        line: 5,
        instruction: 'COPY . . | <img src=x> `x`',
        commits: 60,
        changed: 55,
        step: { line: 6, instruction: 'RUN pip install -r requirements.txt', inputs: ['requirements.txt'], changed: 3 },
        rebuilt: 55,
        hitRate: { now: 8, after: 95 },
        suggestion: 'copy requirements.txt first'
      }
    ]
  }

  test('one line per piece, text of the Dockerfile quoted and escaped', () => {
    const md = renderSummary({ ...report(noPush, { built, loaded, tests: [unitPassed], suites: [], notes: [] }), advice })
    expect(md).toContain('### Dockerfile advice\n\nMeasured on the last 60 first-parent commits up to this one, with the rules of <code>.dockerignore</code>:\n')
    expect(md).toContain('- <code>Dockerfile:5</code>: <code>COPY . . &#124; &lt;img src=x&gt; &#96;x&#96;</code> (changed in 55 of the last 60 commits) precedes')
    expect(md).not.toContain('<img')
  })

  test('no section without advice', () => {
    expect(renderSummary({ ...report(noPush, { built, loaded, tests: [unitPassed], suites: [], notes: [] }), advice: { ...advice, advice: [] } })).not.toContain('Dockerfile advice')
  })
})
