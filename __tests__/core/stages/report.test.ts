// What a run reports: the facts, the verdict and the action's outputs, from typed stage results — also of a run that failed.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { Output } from '../../../src/core/constants.js'
import type { TestSuite } from '../../../src/core/results/junit.js'
import { InputError } from '../../../src/core/errors.js'
import { failedReport, outcome, outputs, report, reusedReport, startProgress } from '../../../src/core/stages/report.js'
import { intent } from '../../../src/core/stages/plan.js'
import {
  artifacts,
  built,
  loaded,
  COMMIT,
  COMMIT_TIME,
  IMAGE,
  integrationFailed,
  integrationPassed,
  plan,
  published,
  unitFailed,
  unitPassed, inputs
} from '../../../__fixtures__/report.js'

const suite: TestSuite = {
  name: 'calc',
  passed: 1,
  failed: 0,
  skipped: 0,
  durationSeconds: 0.25,
  cases: [{ suite: 'calc', name: 'adds', durationSeconds: 0.25, status: 'passed' }]
}

const noPush = { ...plan, publish: { ...plan.publish, push: false } }

describe('report', () => {
  test('pushed: the registry digest and the pushed references', () => {
    const r = report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] })
    expect(r.pushed).toBe(true)
    expect(r.digest).toBe(published.digest)
    expect(r.references).toEqual(published.references)
    expect(r.failure).toBeUndefined()
    expect(r).toMatchObject({ commit: COMMIT, commitTime: COMMIT_TIME, image: IMAGE, imageId: loaded.imageId, size: built.size })
  })

  test('not pushed: the digest that was built and tested, and the references that would have been pushed', () => {
    const r = report(plan, { built, loaded, tests: [unitPassed], suites: [], notes: [] })
    expect(r.pushed).toBe(false)
    expect(r.digest).toBe(built.digest)
    expect(r.references).toEqual(plan.tags.map(tag => `${IMAGE}:${tag}`))
    expect(r.references[0]).toBe(`${IMAGE}:${COMMIT}`)
  })

  test('a failed unit test run: the failure says so and that nothing was pushed', () => {
    const r = report(plan, { built, loaded, tests: [unitFailed], suites: [], notes: [] })
    expect(r.failure).toBe('unit tests failed (exit 3): nothing was pushed')
    expect(r.pushed).toBe(false)
  })

  test('a failed integration run after passed unit tests', () => {
    const r = report(plan, { built, loaded, tests: [unitPassed, integrationFailed], suites: [], notes: [] })
    expect(r.failure).toBe('integration tests failed (exit 1): nothing was pushed')
  })

  test('both runs failed: both named', () => {
    const r = report(plan, { built, loaded, tests: [unitFailed, integrationFailed], suites: [], notes: [] })
    expect(r.failure).toContain('unit tests failed (exit 3)')
    expect(r.failure).toContain('integration tests failed (exit 1)')
  })

  test('tests, suites and notes are carried through', () => {
    const r = report(plan, { built, loaded, tests: [unitPassed, integrationPassed], suites: [suite], published, notes: ['a note'] })
    expect(r.tests).toEqual([unitPassed, integrationPassed])
    expect(r.suites).toEqual([suite])
    expect(r.notes).toEqual(['a note'])
    expect(r.reused).toBe(false)
  })
})

describe('failedReport: the facts gathered before the stage that failed', () => {
  test('before the plan: only the image, and no commit', () => {
    const r = failedReport(startProgress(intent(inputs)), new Error('Docker engine unreachable'))
    expect(r).toMatchObject({ image: IMAGE, failedStage: 'plan', failure: 'Docker engine unreachable', pushed: false, references: [] })
    expect(r.commit).toBeUndefined()
    expect(outputs(r)).toEqual({ [Output.Image]: IMAGE, [Output.Digest]: '' })
  })

  test('after the plan: githash, commit time and the tags that would have been pushed', () => {
    const r = failedReport({ ...startProgress(intent(inputs)), plan, stage: 'build' }, new Error('build failed'))
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
    const progress = { ...startProgress(intent(inputs)), plan, built, loaded, stage: 'services' as const, tests: [unitPassed] }
    const r = failedReport(progress, new InputError('compose-file', "service 'redis' did not become healthy"))
    expect(r.failedStage).toBe('services')
    expect(r.tests).toEqual([unitPassed])
    expect(outputs(r)).toMatchObject({ [Output.ImageId]: loaded.imageId, [Output.Digest]: built.digest, [Output.Reproducible]: 'true' })
    expect(r.remedy).toBeUndefined()
  })

  test("a typed error's remedy is carried for the adapter to word", () => {
    const r = failedReport(startProgress(intent(inputs)), new InputError('githash', 'is shallow', 'full-history'))
    expect(r.remedy).toBe('full-history')
  })
})

describe('outcome', () => {
  test.each([
    ['pushed after tests', report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }), 'pushed'],
    ['pushed without tests', report(plan, { built, loaded, tests: [], suites: [], published, notes: [] }), 'pushed-untested'],
    ['tested, push off', report(noPush, { built, loaded, tests: [unitPassed], suites: [], notes: [] }), 'tested'],
    ['neither', report(noPush, { built, loaded, tests: [], suites: [], notes: [] }), 'built'],
    ['a failed test', report(plan, { built, loaded, tests: [unitFailed], suites: [], notes: [] }), 'failed'],
    ['reused', reusedReport(plan, published), 'reused']
  ])('%s', (_, r, expected) => {
    expect(outcome(r)).toBe(expected)
  })
})

describe('outputs', () => {
  const declared = Object.keys((parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }).outputs)

  test('exactly the outputs action.yml declares', () => {
    // The pipeline adds the attestation it stored after the push.
    const attestation = { digest: `sha256:${'e'.repeat(64)}`, statement: {} as never, stored: [{ image: IMAGE, via: 'tag' as const }] }
    const provenance = { digest: `sha256:${'f'.repeat(64)}`, statement: {} as never, stored: [{ image: IMAGE, via: 'tag' as const }] }
    const out = outputs({ ...report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [], artifacts }), exported: '/handed-on/linux-amd64.tar', kept: [`${IMAGE}:${COMMIT}`], attestation, provenance })
    expect(out[Output.Attestation]).toBe(attestation.digest)
    expect(out[Output.ProvenanceAttestation]).toBe(provenance.digest)
    expect(Object.keys(out).sort()).toEqual([...declared].sort())
    for (const key of ['githash', 'commit-time', 'image', 'tags', 'digest', 'image-id']) expect(out).toHaveProperty([key])
    for (const value of Object.values(out)) expect(typeof value).toBe('string')
  })

  test('pushed: values of the commit, the image and the registry', () => {
    const out = outputs(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }))
    expect(out[Output.Githash]).toBe(COMMIT)
    expect(out[Output.CommitTime]).toBe(String(COMMIT_TIME))
    expect(out[Output.Image]).toBe(IMAGE)
    expect(out[Output.Tags]).toBe(published.references.join('\n'))
    expect(out[Output.Tags]?.split('\n')).toHaveLength(3)
    expect(out[Output.Digest]).toBe(published.digest)
    expect(out[Output.ImageId]).toBe(loaded.imageId)
  })

  test('not pushed: the digest that was built and tested, and the tags that would have been pushed', () => {
    const out = outputs(report(plan, { built, loaded, tests: [unitPassed], suites: [], notes: [] }))
    expect(out[Output.Digest]).toBe(built.digest)
    expect(out[Output.Tags]).toBe(`${IMAGE}:${COMMIT}\n${IMAGE}:latest\n${IMAGE}:3f2a9c1`)
  })
})
