// What an assembly refuses before it copies anything: the records of the directory, read against the plan.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COMMIT, plan } from '../../../__fixtures__/report.js'
import { InputError } from '../../../src/core/errors.js'
import type { Log } from '../../../src/core/log.js'
import { assemble } from '../../../src/core/stages/assemble.js'
import { RECORD_KIND, type HandedOnRecord } from '../../../src/core/stages/hand-on.js'
import type { Plan } from '../../../src/core/stages/plan.js'

const PLATFORMS = ['linux/amd64', 'linux/arm64']
const assembly: Plan = { ...plan, strategy: { ...plan.strategy, platforms: PLATFORMS } }
const silent = { info: () => undefined } as unknown as Log

const record = (platform: string, changes: Partial<HandedOnRecord> = {}): HandedOnRecord => ({
  kind: RECORD_KIND,
  platform,
  digest: `sha256:${(platform === 'linux/amd64' ? 'a' : 'b').repeat(64)}`,
  commit: COMMIT,
  reproducible: true,
  archive: `${platform.replace('/', '-')}.tar`,
  tests: [{ kind: 'unit', command: 'pytest', exitCode: 0, passed: true, seconds: 1, platform, digest: `sha256:${'a'.repeat(64)}` }],
  suites: [{ name: `unit on ${platform}`, passed: 1, failed: 0, skipped: 0, durationSeconds: 1, cases: [{ suite: 'tests', name: 'test_ok', durationSeconds: 1, status: 'passed', platform }] }],
  ...changes
})

/** A directory of the given files (name → content, objects as JSON); the assembly's error, checked to name assemble-from. */
async function refusal(files: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-assemble-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  const error = await assemble(assembly, dir, mkdtempSync(join(tmpdir(), 'hashdock-work-')), silent).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(InputError)
  expect((error as InputError).input).toBe('assemble-from')
  return (error as Error).message
}

describe('assemble refuses, naming assemble-from', () => {
  test('a platform no job handed on, naming only it', async () => {
    const message = await refusal({ 'linux-amd64.json': record('linux/amd64'), 'notes.json': { other: 'json' } })
    expect(message).toMatch(/^assemble-from: holds no tested image for linux\/arm64: /)
    expect(message).not.toContain('amd64')
  })

  test('a platform handed on twice', async () => {
    expect(await refusal({ 'a.json': record('linux/amd64'), 'b.json': record('linux/amd64'), 'c.json': record('linux/arm64') })).toContain(
      'linux/amd64 is handed on twice (a.json and b.json)'
    )
  })

  test('a platform platforms does not list', async () => {
    expect(await refusal({ 'x.json': record('linux/s390x') })).toContain('x.json holds a linux/s390x image, which platforms does not list (linux/amd64,linux/arm64)')
  })

  test('images of two commits, and images of another commit than the plan\'s', async () => {
    const other = 'f'.repeat(40)
    expect(await refusal({ 'a.json': record('linux/amd64'), 'b.json': record('linux/arm64', { commit: other }) })).toContain('the images are of different commits')
    expect(await refusal({ 'a.json': record('linux/amd64', { commit: other }), 'b.json': record('linux/arm64', { commit: other }) })).toContain(
      `the images are of commit ${other.slice(0, 12)}, not ${COMMIT.slice(0, 12)}`
    )
  })

  test('an image whose tests failed, or that ran none', async () => {
    const failed = record('linux/arm64', { tests: [{ kind: 'unit', command: 'pytest', exitCode: 1, passed: false, seconds: 1 }] })
    expect(await refusal({ 'a.json': record('linux/amd64'), 'b.json': failed })).toContain('b.json: the linux/arm64 image failed its tests')
    expect(await refusal({ 'a.json': record('linux/amd64', { tests: [] }), 'b.json': record('linux/arm64') })).toContain('a.json: the linux/amd64 image ran no test')
  })

  test.each([
    ['an archive outside the directory', { archive: '../../image.tar' }],
    ['a digest that is no digest', { digest: 'latest' }],
    ['no tests list', { tests: undefined }],
    ['a test run of an unknown kind', { tests: [{ kind: '<b>unit</b>', command: 'pytest', exitCode: 0, passed: true, seconds: 1 }] }],
    ['a test run that does not say whether it passed', { tests: [{ kind: 'unit', command: 'pytest', exitCode: 0, seconds: 1 }] }],
    ['no test results list', { suites: undefined }],
    ['a test case of an unknown status', { suites: [{ name: 'unit', passed: 1, failed: 0, skipped: 0, durationSeconds: 1, cases: [{ suite: 'unit', name: 'x', durationSeconds: 1, status: 'fine' }] }] }]
  ])('a record with %s', async (_, changes) => {
    expect(await refusal({ 'a.json': { ...record('linux/amd64'), ...changes } })).toContain('a.json is not a complete record of a handed-on image')
  })

  test('a JSON file that does not parse', async () => {
    expect(await refusal({ 'a.json': '{' })).toContain('a.json is not JSON')
  })

  test('a directory that is not there', async () => {
    const error = await assemble(assembly, join(tmpdir(), 'hashdock-no-such-dir'), tmpdir(), silent).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/^assemble-from: '.*hashdock-no-such-dir' is not a directory/)
  })
})

test('a record whose archive is not in the directory', async () => {
  expect(await refusal({ 'a.json': record('linux/amd64'), 'b.json': record('linux/arm64') })).toContain(
    'a.json names linux-amd64.tar, which is not in the directory; download every file the platform job handed on'
  )
})
