// What a run reports: the verdict, the action's outputs and the job summary, from typed stage results.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { Input, Output } from '../src/core/constants.js'
import type { TestSuite } from '../src/core/junit.js'
import { InputError } from '../src/core/errors.js'
import { failedReport, outcome, outputs, report, reusedReport, startProgress } from '../src/core/report.js'
import { failureMessage, renderSummary } from '../src/action/summary.js'
import {
  built,
  COMMIT,
  COMMIT_TIME,
  IMAGE,
  integrationFailed,
  integrationPassed,
  plan,
  published,
  unitFailed,
  unitPassed
} from '../__fixtures__/report.js'

const suite: TestSuite = {
  name: 'calc',
  passed: 1,
  failed: 0,
  skipped: 0,
  durationSeconds: 0.25,
  cases: [{ suite: 'calc', name: 'adds', durationSeconds: 0.25, status: 'passed' }]
}

const firstLine = (markdown: string): string => markdown.split('\n')[0]
const noPush = { ...plan, inputs: { ...plan.inputs, [Input.Push]: false } }

describe('report', () => {
  test('pushed: the registry digest and the pushed references', () => {
    const r = report(plan, built, [unitPassed], [], published, [])
    expect(r.pushed).toBe(true)
    expect(r.digest).toBe(published.digest)
    expect(r.references).toEqual(published.references)
    expect(r.failure).toBeUndefined()
    expect(r).toMatchObject({ commit: COMMIT, commitTime: COMMIT_TIME, image: IMAGE, imageId: built.imageId, size: built.size })
  })

  test('not pushed: no digest, and the references that would have been pushed', () => {
    const r = report(plan, built, [unitPassed], [], undefined, [])
    expect(r.pushed).toBe(false)
    expect(r.digest).toBe('')
    expect(r.references).toEqual(plan.tags.map(tag => `${IMAGE}:${tag}`))
    expect(r.references[0]).toBe(`${IMAGE}:${COMMIT}`)
  })

  test('a failed unit test run: the failure says so and that nothing was pushed', () => {
    const r = report(plan, built, [unitFailed], [], undefined, [])
    expect(r.failure).toBe('unit tests failed (exit 3): nothing was pushed')
    expect(r.pushed).toBe(false)
  })

  test('a failed integration run after passed unit tests', () => {
    const r = report(plan, built, [unitPassed, integrationFailed], [], undefined, [])
    expect(r.failure).toBe('integration tests failed (exit 1): nothing was pushed')
  })

  test('both runs failed: both named', () => {
    const r = report(plan, built, [unitFailed, integrationFailed], [], undefined, [])
    expect(r.failure).toContain('unit tests failed (exit 3)')
    expect(r.failure).toContain('integration tests failed (exit 1)')
  })

  test('tests, suites and notes are carried through', () => {
    const r = report(plan, built, [unitPassed, integrationPassed], [suite], published, ['a note'])
    expect(r.tests).toEqual([unitPassed, integrationPassed])
    expect(r.suites).toEqual([suite])
    expect(r.notes).toEqual(['a note'])
    expect(r.reused).toBe(false)
  })
})

describe('failedReport: the facts gathered before the stage that failed', () => {
  test('before the plan: only the image, and no commit', () => {
    const r = failedReport(startProgress(plan.inputs), new Error('Docker engine unreachable'))
    expect(r).toMatchObject({ image: IMAGE, failedStage: 'plan', failure: 'Docker engine unreachable', pushed: false, references: [] })
    expect(r.commit).toBeUndefined()
    expect(outputs(r)).toEqual({ [Output.Image]: IMAGE, [Output.Digest]: '' })
  })

  test('after the plan: githash, commit time and the tags that would have been pushed', () => {
    const r = failedReport({ ...startProgress(plan.inputs), plan, stage: 'build' }, new Error('build failed'))
    expect(outputs(r)).toEqual({
      [Output.Githash]: COMMIT,
      [Output.CommitTime]: String(COMMIT_TIME),
      [Output.Image]: IMAGE,
      [Output.Tags]: plan.tags.map(t => `${IMAGE}:${t}`).join('\n'),
      [Output.Digest]: ''
    })
    expect(outcome(r)).toBe('failed')
  })

  test('after the build: the image facts and the test runs so far', () => {
    const progress = { ...startProgress(plan.inputs), plan, built, stage: 'services' as const, tests: [unitPassed] }
    const r = failedReport(progress, new InputError('compose-file', "service 'redis' did not become healthy"))
    expect(r.failedStage).toBe('services')
    expect(r.tests).toEqual([unitPassed])
    expect(outputs(r)).toMatchObject({ [Output.ImageId]: built.imageId, [Output.Reproducible]: 'true' })
    expect(r.remedy).toBeUndefined()
  })

  test("a typed error's remedy is carried for the adapter to word", () => {
    const r = failedReport(startProgress(plan.inputs), new InputError('githash', 'is shallow', 'full-history'))
    expect(r.remedy).toBe('full-history')
  })
})

describe('outcome', () => {
  test.each([
    ['pushed after tests', report(plan, built, [unitPassed], [], published, []), 'pushed'],
    ['pushed without tests', report(plan, built, [], [], published, []), 'pushed-untested'],
    ['tested, push off', report(noPush, built, [unitPassed], [], undefined, []), 'tested'],
    ['neither', report(noPush, built, [], [], undefined, []), 'built'],
    ['a failed test', report(plan, built, [unitFailed], [], undefined, []), 'failed'],
    ['reused', reusedReport(plan, published), 'reused']
  ])('%s', (_, r, expected) => {
    expect(outcome(r)).toBe(expected)
  })
})

describe('outputs', () => {
  const declared = Object.keys((parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }).outputs)

  test('exactly the outputs action.yml declares', () => {
    const out = outputs(report(plan, built, [unitPassed], [], published, []))
    expect(Object.keys(out).sort()).toEqual([...declared].sort())
    for (const key of ['githash', 'commit-time', 'image', 'tags', 'digest', 'image-id']) expect(out).toHaveProperty([key])
    for (const value of Object.values(out)) expect(typeof value).toBe('string')
  })

  test('pushed: values of the commit, the image and the registry', () => {
    const out = outputs(report(plan, built, [unitPassed], [], published, []))
    expect(out[Output.Githash]).toBe(COMMIT)
    expect(out[Output.CommitTime]).toBe(String(COMMIT_TIME))
    expect(out[Output.Image]).toBe(IMAGE)
    expect(out[Output.Tags]).toBe(published.references.join('\n'))
    expect(out[Output.Tags]?.split('\n')).toHaveLength(3)
    expect(out[Output.Digest]).toBe(published.digest)
    expect(out[Output.ImageId]).toBe(built.imageId)
  })

  test("not pushed: digest '' and the tags that would have been pushed", () => {
    const out = outputs(report(plan, built, [unitPassed], [], undefined, []))
    expect(out[Output.Digest]).toBe('')
    expect(out[Output.Tags]).toBe(`${IMAGE}:${COMMIT}\n${IMAGE}:latest\n${IMAGE}:3f2a9c1`)
  })
})

describe('renderSummary', () => {
  test('pushed: verdict line, digest and tags', () => {
    const md = renderSummary(report(plan, built, [unitPassed], [], published, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested and pushed`)
    expect(md).toContain(`| Digest | \`${published.digest}\` |`)
    for (const ref of published.references) expect(md).toContain(`\`${ref}\``)
    expect(md).toContain('| Unit tests | passed in 3.5 s |')
    expect(md).toContain(`| Commit | \`${COMMIT}\` (2024-05-06T07:08:09Z) |`)
    expect(md).toContain(`| Image ID | \`${built.imageId}\` |`)
    expect(md.endsWith('\n')).toBe(true)
  })

  test('not pushed: its own verdict and no digest', () => {
    const md = renderSummary(report(plan, built, [unitPassed], [], undefined, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested, not pushed`)
    expect(md).toContain('| Digest | not pushed |')
  })

  test('failed: verdict naming the stage, the failed run and the failure', () => {
    const md = renderSummary(report(plan, built, [unitFailed], [], undefined, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ❌ failed at unit tests`)
    expect(md).toContain('| Unit tests | failed (exit 3) in 2.0 s |')
    expect(md).toContain('**Failed at unit tests:** unit tests failed (exit 3): nothing was pushed')
    expect(md).not.toContain('✅')
  })

  test('pushed without any test: never "tested", and a warning', () => {
    const md = renderSummary(report(plan, built, [], [], published, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ⚠️ pushed untested`)
    expect(md).not.toContain('tested and pushed')
    expect(md).toContain('the image was pushed without being tested')
  })

  test('neither tested nor pushed: says both', () => {
    const md = renderSummary(report(noPush, built, [], [], undefined, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ⚠️ built, not tested or pushed`)
    expect(md).toContain('No test command was given: the image was not tested.')
    expect(md).toContain('> push is false: nothing was pushed.')
  })

  test('a failed build: the stage, its escaped message, the workflow hint, and only the rows known', () => {
    const progress = { ...startProgress(plan.inputs), plan, stage: 'build' as const }
    const r = failedReport(progress, new Error('docker buildx build failed (exit 1): ERROR: process "/bin/sh -c false" did not complete <b>|</b>'))
    const md = renderSummary(r)
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ❌ failed at build`)
    expect(md).toContain(`| Commit | \`${COMMIT}\``)
    expect(md).not.toContain('Image ID')
    expect(md).toContain('| Digest | not pushed |')
    expect(md).toContain('**Failed at build:** docker buildx build failed (exit 1): ERROR: process &quot;/bin/sh -c false&quot; did not complete &lt;b&gt;&#124;&lt;/b&gt;')
    expect(md).not.toContain('No test command')
  })

  test('a failure with a remedy: the workflow words it', () => {
    const r = failedReport(startProgress(plan.inputs), new InputError('githash', "'abc' names no commit in this repository, and this clone is shallow", 'full-history'))
    expect(failureMessage(r)).toBe("githash: 'abc' names no commit in this repository, and this clone is shallow; check out with fetch-depth: 0 (actions/checkout) to have every commit")
    expect(renderSummary(r)).toContain('fetch-depth: 0')
  })

  test('with test runs: no such note', () => {
    const md = renderSummary(report(plan, built, [unitPassed, integrationPassed], [], published, []))
    expect(md).not.toContain('No test command was given')
    expect(md).toContain('| Integration tests | passed in 7.0 s |')
  })

  test('notes are quoted', () => {
    const md = renderSummary(report(plan, built, [unitPassed], [], published, ['Not reproducible: no containerd store.']))
    expect(md).toContain('\n> Not reproducible: no containerd store.\n')
  })

  test('suites: a results section only when there are suites', () => {
    expect(renderSummary(report(plan, built, [unitPassed], [], published, []))).not.toContain('Test results')
    const md = renderSummary(report(plan, built, [unitPassed], [suite], published, []))
    expect(md).toContain('Test results')
    expect(md).toContain('| calc |')
  })
})
