// The bundled action pushing through a proxy that breaks the registry's answers: transient faults are
// retried and the tested digest lands; persistent ones fail the step with one line, within the bound
// that registry-timeout and registry-retries set, and leave nothing tagged.
import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { runAction, type ActionRun } from '../test/support/action.js'
import { startFaultProxy, type FaultProxy, type FaultRule } from '../test/support/fault-proxy.js'
import { registryDigest, registryTags } from '../test/support/registry.js'
import { exampleDir, FixtureRepo } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(600_000)

const UNIT = 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml'
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

let origin: FixtureRepo
let commit: string
const proxies: FaultProxy[] = []

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir).write('VERSION', 'faults\n')
  commit = origin.commit('a commit pushed through faults', '2024-05-06T07:08:09Z')
})

afterEach(async () => {
  await Promise.all(proxies.splice(0).map(p => p.close()))
})

/** Runs the action with its image behind a fresh proxy; `rules` get the repository's path prefix. */
async function pushThrough(what: string, rules: (repo: string) => FaultRule[], extra: Record<string, string> = {}): Promise<{ run: ActionRun; proxy: FaultProxy; direct: string; image: string }> {
  const repo = `e2e/faults-action-${what}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const proxy = await startFaultProxy(testbed.registry, rules(`/v2/${repo}/`), 11)
  proxies.push(proxy)
  const image = `${proxy.host}/${repo}`
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: {
      image,
      tags: 'latest',
      'registry-username': testbed.username,
      'registry-password': testbed.password,
      'build-args': `BASE=${testbed.baseImage}`,
      'test-command': UNIT,
      'test-results': '/tmp/results',
      advice: 'false',
      // Small, so a persistent fault fails the step in seconds: this bound is what the cases rely on.
      'registry-timeout': '3',
      'registry-retries': '2',
      ...extra
    }
  })
  return { run, proxy, direct: `${testbed.registry}/${repo}`, image }
}

const retryLines = (run: ActionRun): string[] => run.stdout.split('\n').filter(l => l.startsWith('Retrying '))

describe('transient faults', () => {
  test('a reset mid-blob and a 503 run on the tags: pushed with the tested digest, each retry one line, the attestation stored', async () => {
    const { run, proxy, direct, image } = await pushThrough('transient', r => [
      { method: 'PATCH', path: new RegExp(`^${escape(r)}blobs/uploads/`), fault: { kind: 'reset' } },
      { method: 'PUT', path: new RegExp(`^${escape(r)}manifests/(${commit}|latest)`), fault: { kind: 'status', status: 503, retryAfter: '1' }, times: 2 }
    ])
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(proxy.injected()).toHaveLength(3)
    const lines = retryLines(run)
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toContain(`: ${proxy.host}: `)
    expect(await registryDigest(direct, commit)).toBe(run.outputs.digest)
    expect(await registryDigest(direct, 'latest')).toBe(run.outputs.digest)
    expect(run.outputs['pushed-to']).toBe(image)
    expect(run.outputs.attestation).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})

describe('persistent faults', () => {
  test('every upload answered 503: the step fails with one line after its retries, and nothing is tagged', async () => {
    const { run, direct } = await pushThrough('persistent', r => [{ method: 'POST', path: new RegExp(`^${escape(r)}blobs/uploads/`), fault: { kind: 'status', status: 503 }, times: Infinity }])
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/^::error::image: pushing .+ failed after 3 attempts: 127\.0\.0\.1:\d+: the registry answered 503: .+; no tag was written in any registry$/)
    expect(retryLines(run)).toHaveLength(2)
    expect(run.outputs['pushed-to']).toBe('')
    expect(await registryTags(direct)).toEqual([])
  })

  test('a registry that takes the manifest and never answers: the step fails at registry-timeout per attempt, nothing tagged', async () => {
    const { run, direct } = await pushThrough('stall', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/`), fault: { kind: 'stall' }, times: Infinity }])
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/failed after 3 attempts: 127\.0\.0\.1:\d+: no answer within 3s; no tag was written in any registry$/)
    expect(await registryTags(direct)).toEqual([])
  })

  test('a fallback tag that cannot be written: the image is pushed and tagged, the record is a warning', async () => {
    const { run, direct } = await pushThrough('fallback', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/sha256-`), fault: { kind: 'status', status: 502 }, times: Infinity }])
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/^::warning::test-result attestation not stored: image: storing a manifest in .+ as sha256-[0-9a-f]{64} failed after 3 attempts: .+: answered 502 to PUT$/m)
    expect((await registryTags(direct)).sort()).toEqual([commit, 'latest'].sort())
  })

  test('registry-retries that is not a number is one line naming the input', async () => {
    const { run } = await pushThrough('bad-input', () => [], { 'registry-retries': 'many' })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual(["::error::registry-retries: 'many' is not a whole number from 0 to 20"])
  })
})
