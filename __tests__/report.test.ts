// What a run reports: the verdict, the action's outputs and the job summary, from typed stage results.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { Output } from '../src/core/constants.js'
import type { TestSuite } from '../src/core/junit.js'
import { outputs, renderSummary, report } from '../src/core/report.js'
import {
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

describe('report', () => {
  test('pushed: the registry digest and the pushed references', () => {
    const r = report(plan, built, loaded, [unitPassed], [], published, [])
    expect(r.pushed).toBe(true)
    expect(r.digest).toBe(published.digest)
    expect(r.references).toEqual(published.references)
    expect(r.failure).toBeUndefined()
    expect(r).toMatchObject({ commit: COMMIT, commitTime: COMMIT_TIME, image: IMAGE, imageId: loaded.imageId, size: built.size })
  })

  test('not pushed: the built digest, and the references that would have been pushed', () => {
    const r = report(plan, built, loaded, [unitPassed], [], undefined, [])
    expect(r.pushed).toBe(false)
    expect(r.digest).toBe(built.digest)
    expect(r.references).toEqual(plan.tags.map(tag => `${IMAGE}:${tag}`))
    expect(r.references[0]).toBe(`${IMAGE}:${COMMIT}`)
  })

  test('a failed unit test run: the failure says so and that nothing was pushed', () => {
    const r = report(plan, built, loaded, [unitFailed], [], undefined, [])
    expect(r.failure).toBe('unit tests failed (exit 3): nothing was pushed')
    expect(r.pushed).toBe(false)
  })

  test('a failed integration run after passed unit tests', () => {
    const r = report(plan, built, loaded, [unitPassed, integrationFailed], [], undefined, [])
    expect(r.failure).toBe('integration tests failed (exit 1): nothing was pushed')
  })

  test('both runs failed: both named', () => {
    const r = report(plan, built, loaded, [unitFailed, integrationFailed], [], undefined, [])
    expect(r.failure).toContain('unit tests failed (exit 3)')
    expect(r.failure).toContain('integration tests failed (exit 1)')
  })

  test('tests, suites and notes are carried through', () => {
    const r = report(plan, built, loaded, [unitPassed, integrationPassed], [suite], published, ['a note'])
    expect(r.tests).toEqual([unitPassed, integrationPassed])
    expect(r.suites).toEqual([suite])
    expect(r.notes).toEqual(['a note'])
    expect(r.reused).toBe(false)
  })
})

describe('outputs', () => {
  const declared = Object.keys((parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }).outputs)

  test('exactly the outputs action.yml declares', () => {
    const out = outputs(report(plan, built, loaded, [unitPassed], [], published, []))
    expect(Object.keys(out).sort()).toEqual([...declared].sort())
    for (const key of ['githash', 'commit-time', 'image', 'tags', 'digest', 'image-id']) expect(out).toHaveProperty([key])
    for (const value of Object.values(out)) expect(typeof value).toBe('string')
  })

  test('pushed: values of the commit, the image and the registry', () => {
    const out = outputs(report(plan, built, loaded, [unitPassed], [], published, []))
    expect(out[Output.Githash]).toBe(COMMIT)
    expect(out[Output.CommitTime]).toBe(String(COMMIT_TIME))
    expect(out[Output.Image]).toBe(IMAGE)
    expect(out[Output.Tags]).toBe(published.references.join('\n'))
    expect(out[Output.Tags].split('\n')).toHaveLength(3)
    expect(out[Output.Digest]).toBe(published.digest)
    expect(out[Output.ImageId]).toBe(loaded.imageId)
  })

  test('not pushed: the digest that was built and tested, and the tags that would have been pushed', () => {
    const out = outputs(report(plan, built, loaded, [unitPassed], [], undefined, []))
    expect(out[Output.Digest]).toBe(built.digest)
    expect(out[Output.Tags]).toBe(`${IMAGE}:${COMMIT}\n${IMAGE}:latest\n${IMAGE}:3f2a9c1`)
  })
})

describe('renderSummary', () => {
  test('pushed: verdict line, digest and tags', () => {
    const md = renderSummary(report(plan, built, loaded, [unitPassed], [], published, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested and pushed`)
    expect(md).toContain(`| Digest | \`${published.digest}\` |`)
    for (const ref of published.references) expect(md).toContain(`\`${ref}\``)
    expect(md).toContain('| Unit tests | passed in 3.5 s |')
    expect(md).toContain(`| Commit | \`${COMMIT}\` (2024-05-06T07:08:09Z) |`)
    expect(md).toContain(`| Image ID | \`${loaded.imageId}\` |`)
    expect(md.endsWith('\n')).toBe(true)
  })

  test('not pushed: its own verdict, and the digest says it was not pushed', () => {
    const md = renderSummary(report(plan, built, loaded, [unitPassed], [], undefined, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ✅ tested, not pushed`)
    expect(md).toContain(`| Digest | \`${built.digest}\` (not pushed) |`)
  })

  test('failed: verdict, the failed run and the failure in bold', () => {
    const md = renderSummary(report(plan, built, loaded, [unitFailed], [], undefined, []))
    expect(firstLine(md)).toBe(`## hashdock: ${IMAGE} — ❌ failed`)
    expect(md).toContain('| Unit tests | failed (exit 3) in 2.0 s |')
    expect(md).toContain('**unit tests failed (exit 3): nothing was pushed**')
    expect(md).not.toContain('✅')
  })

  test('no test runs: a note that the image was not tested', () => {
    const md = renderSummary(report(plan, built, loaded, [], [], published, []))
    expect(md).toContain('No test command was given: the image was not tested.')
  })

  test('with test runs: no such note', () => {
    const md = renderSummary(report(plan, built, loaded, [unitPassed, integrationPassed], [], published, []))
    expect(md).not.toContain('No test command was given')
    expect(md).toContain('| Integration tests | passed in 7.0 s |')
  })

  test('notes are quoted', () => {
    const md = renderSummary(report(plan, built, loaded, [unitPassed], [], published, ['Not reproducible: no containerd store.']))
    expect(md).toContain('\n> Not reproducible: no containerd store.\n')
  })

  test('suites: a results section only when there are suites', () => {
    expect(renderSummary(report(plan, built, loaded, [unitPassed], [], published, []))).not.toContain('Test results')
    const md = renderSummary(report(plan, built, loaded, [unitPassed], [suite], published, []))
    expect(md).toContain('Test results')
    expect(md).toContain('| calc |')
  })
})
