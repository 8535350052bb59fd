// Pushes, tags, attestations and re-use checks through a proxy that breaks the real registry's answers:
// transient faults are retried until the tested digest is pushed; persistent ones fail with one line and
// leave nothing tagged. Real skopeo and the real registry; only the network between them misbehaves.
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startFaultProxy, type FaultProxy, type FaultRule } from '../test/support/fault-proxy.js'
import { registryDigest, registryTags } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'
import { publish } from '../src/core/stages/publish.js'
import { reuse } from '../src/core/stages/reuse.js'
import { attest, whyUnattested } from '../src/core/stages/attest.js'
import { inspectRemote } from '../src/core/programs/registry.js'
import { ServiceError } from '../src/core/errors.js'
import type { RegistrySession } from '../src/core/programs/docker-config.js'
import type { Built } from '../src/core/stages/build.js'
import type { Plan } from '../src/core/stages/plan.js'
import type { Log } from '../src/core/log.js'

jest.setTimeout(120_000)

const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const COMMIT = 'c0ffee'.padEnd(40, '0')
const TESTS = [{ kind: 'unit' as const, command: 'true', exitCode: 0, passed: true, seconds: 1 }]

let dir: string
let archive: string
let digest: string
const proxies: FaultProxy[] = []

/** A small image as an OCI archive: one layer of incompressible bytes, big enough that a reset lands inside it. */
function writeArchive(root: string): { archive: string; digest: string } {
  const layout = join(root, 'layout')
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true })
  const put = (bytes: Buffer | string): { digest: string; size: number } => {
    const d = sha256(bytes)
    writeFileSync(join(layout, 'blobs/sha256', d.slice(7)), bytes)
    return { digest: d, size: Buffer.byteLength(bytes) }
  }
  const files = join(root, 'files')
  mkdirSync(files)
  writeFileSync(join(files, 'payload'), randomBytes(768 * 1024))
  const tar = execFileSync('tar', ['-c', '-C', files, '--owner=0', '--group=0', '--mtime=@0', 'payload'])
  const layer = put(gzipSync(tar))
  const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'org.opencontainers.image.revision': COMMIT } }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }))
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }]
    })
  )
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }))
  const file = join(root, 'image.tar')
  execFileSync('tar', ['-c', '-f', file, '-C', layout, '.'])
  return { archive: file, digest: manifest.digest }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hashdock-faults-'))
  ;({ archive, digest } = writeArchive(dir))
})

afterEach(async () => {
  await Promise.all(proxies.splice(0).map(p => p.close()))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A repository of its own per case, so a rule's path names only that case's requests. */
const repoName = (what: string): string => `e2e/faults-${what.toLowerCase()}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

interface Setup {
  proxy: FaultProxy
  image: string
  /** The same repository, reached without the proxy: what the registry really holds. */
  direct: string
  session: RegistrySession
  lines: string[]
  log: Log
}

const auth = (user: string, password: string): { auth: string } => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') })

/** A proxy in front of the first registry, breaking requests by `rules` (their paths within the case's repository). */
async function setup(what: string, rules: (repo: string) => FaultRule[], seed = 7, policy: Partial<NonNullable<RegistrySession['retry']>> = {}): Promise<Setup> {
  const repo = repoName(what)
  const proxy = await startFaultProxy(testbed.registry, rules(`/v2/${repo}/`), seed)
  proxies.push(proxy)
  const authfile = join(mkdtempSync(join(dir, 'auth-')), 'config.json')
  writeFileSync(authfile, JSON.stringify({ auths: { [proxy.host]: auth(testbed.username, testbed.password), [testbed.registry]: auth(testbed.username, testbed.password), [testbed.registry2]: auth(testbed.username2, testbed.password2) } }))
  const lines: string[] = []
  const log: Log = {
    info: m => void lines.push(m),
    debug: () => {},
    notice: m => void lines.push(`notice: ${m}`),
    warning: m => void lines.push(`warning: ${m}`),
    error: m => void lines.push(`error: ${m}`),
    group: (_, f) => f(),
    untrusted: f => f()
  }
  // Small, so a persistent fault ends a case in seconds: the bound is these numbers, not a clock in the test.
  const retry = { retries: 3, timeoutMs: 3_000, baseDelayMs: 50, maxDelayMs: 2_000, log, ...policy }
  return { proxy, image: `${proxy.host}/${repo}`, direct: `${testbed.registry}/${repo}`, session: { registries: [], authfile, retry }, lines, log }
}

const retries = (s: Setup): string[] => s.lines.filter(l => l.startsWith('Retrying '))
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

function plan(s: Setup, images: string[], tags: string[] = [COMMIT]): Plan {
  const workspace = { repoDir: dir, workDir: mkdtempSync(join(dir, 'work-')), runId: 'faults', sourceUrl: 'https://github.com/acme/app', runUrl: 'https://github.com/acme/app/actions/runs/1' }
  return { images, image: images[0], commit: COMMIT, tags, publish: { forceTags: true, provenance: false }, test: { unit: '', integration: '', results: '' }, workspace } as unknown as Plan
}

const built = (): Built => ({ archive, digest, platforms: [] }) as unknown as Built

const upload = (repo: string): RegExp => new RegExp(`^${escape(repo)}blobs/uploads/`)
const manifestPut = (repo: string): RegExp => new RegExp(`^${escape(repo)}manifests/`)

describe('a push through transient faults retries, and the registry holds the tested digest under its full-hash tag', () => {
  test.each<[string, (repo: string) => FaultRule[]]>([
    ['a reset in the middle of the blob upload', r => [{ method: 'PATCH', path: upload(r), fault: { kind: 'reset' } }]],
    ['a reset in the middle of the blob upload, twice', r => [{ method: 'PATCH', path: upload(r), fault: { kind: 'reset' }, times: 2 }]],
    ['429 with Retry-After on the full-hash tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'status', status: 429, retryAfter: '1' } }]],
    ['429 without Retry-After on the full-hash tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'status', status: 429 } }]],
    ['504 on reading the manifest to tag', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}manifests/sha256:`), fault: { kind: 'status', status: 504 }, times: 2 }]],
    ['a run of three 500s on the manifest', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'status', status: 500 }, times: 3 }]],
    ['a run of 502s on blob checks', r => [{ method: 'HEAD', path: new RegExp(`^${escape(r)}blobs/`), fault: { kind: 'status', status: 502 }, times: 2 }]],
    ['a run of 503s on starting uploads', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 503 }, times: 3 }]],
    ['a stalled manifest write', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'stall' } }]],
    ['a truncated manifest read when tagging', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}manifests/sha256:`), fault: { kind: 'truncate' } }]],
    ['503 with Retry-After on the full-hash tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'status', status: 503, retryAfter: '1' } }]],
    ['a reset on the full-hash tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'reset' } }]],
    ['408 on the upload', r => [{ method: 'PUT', path: upload(r), fault: { kind: 'status', status: 408 } }]],
    ['faults drawn by the seed from every request of the repository', r => [{ path: new RegExp(`^${escape(r)}`), fault: { kind: 'status', status: 503 }, times: 3, rate: 0.3 }]]
  ])('%s', async (what, rules) => {
    const s = await setup(what.replace(/\W+/g, '-').slice(0, 30), rules)
    const published = await publish(plan(s, [s.image]), built(), TESTS, s.session, s.log)
    expect(published.digest).toBe(digest)
    expect(published.held).toEqual([s.image])
    expect(await registryDigest(s.direct, COMMIT)).toBe(digest)
    // Each fault injected cost at least one retry, said in a line naming the registry and the reason.
    expect(s.proxy.injected().length).toBeGreaterThan(0)
    expect(retries(s).length).toBeGreaterThanOrEqual(1)
    for (const line of retries(s)) expect(line).toMatch(new RegExp(`^Retrying .+ \\(\\d of 4\\) in [\\d.]+s: ${escape(s.proxy.host)}: .+`))
  })
})

describe("429 on a blob upload: skopeo's own client waits as Retry-After says, and the push succeeds", () => {
  test.each([['with Retry-After', '1'], ['without Retry-After', undefined]])('%s', async (what, retryAfter) => {
    const s = await setup(`skopeo-429-${what}`.replace(/\W+/g, '-'), r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 429, ...(retryAfter ? { retryAfter } : {}) }, times: 2 }])
    const published = await publish(plan(s, [s.image]), built(), TESTS, s.session, s.log)
    expect(published.held).toEqual([s.image])
    expect(s.proxy.injected()).toHaveLength(2)
    expect(await registryDigest(s.direct, COMMIT)).toBe(digest)
  })
})

describe('a push through persistent faults fails with one line, and nothing is tagged', () => {
  test.each<[string, (repo: string) => FaultRule[], RegExp, number]>([
    ['503 on every upload', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 503 }, times: Infinity }], /failed after 4 attempts: .+: the registry answered 503/, 3],
    ['a reset on every upload', r => [{ method: 'PATCH', path: upload(r), fault: { kind: 'reset' }, times: Infinity }], /failed after 4 attempts: .+: the connection failed/, 3],
    ['a manifest write that never answers', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'stall' }, times: Infinity }], /failed after 4 attempts: .+: no answer within 3s/, 3],
    ['429 asking for an hour', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 429, retryAfter: '3600' } , times: Infinity}], /failed after 4 attempts: .+: (no answer within 3s|too many requests)/, 3],
    ['401 on the manifest', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'status', status: 401 }, times: Infinity }], /^image: pushing .+ failed: .+/, 0],
    ['403 on the manifest', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'status', status: 403 }, times: Infinity }], /^image: pushing .+ failed: .+/, 0],
    ['400 on the manifest', r => [{ method: 'PUT', path: manifestPut(r), fault: { kind: 'status', status: 400 }, times: Infinity }], /^image: pushing .+ failed: .+/, 0],
    ['404 on the upload', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 404 }, times: Infinity }], /^image: pushing .+ failed: .+/, 0]
  ])('%s', async (what, rules, message, retried) => {
    const s = await setup(what.replace(/\W+/g, '-').slice(0, 30), rules)
    const error = await publish(plan(s, [s.image]), built(), TESTS, s.session, s.log).catch((e: Error) => e)
    // A registry that fails or refuses is a failed run, not a wrong input, and stays so with what it left behind.
    expect(error).toBeInstanceOf(ServiceError)
    const text = (error as Error).message
    expect(text).not.toContain('\n')
    expect(text).toMatch(message)
    expect(text).toMatch(/no tag was written in any registry$/)
    expect(retries(s)).toHaveLength(retried)
    expect(await registryTags(s.direct)).toEqual([])
  })
})

describe('several registries: one that fails leaves nothing behind that looks tested', () => {
  test('the second fails its push: neither holds a tag', async () => {
    const s = await setup('second-push', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 503 }, times: Infinity }])
    const healthy = `${testbed.registry}/${repoName('healthy')}`
    const held: string[] = []
    const error = await publish(plan(s, [healthy, s.image]), built(), TESTS, s.session, s.log, held).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/no tag was written in any registry$/)
    expect(held).toEqual([])
    expect(await registryTags(healthy)).toEqual([])
    expect(await registryTags(s.direct)).toEqual([])
  })

  test("the second fails its full-hash tag: the first holds it, the second nothing, and no extra tag anywhere", async () => {
    const s = await setup('second-tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'status', status: 502 }, times: Infinity }])
    const healthy = `${testbed.registry}/${repoName('healthy')}`
    const held: string[] = []
    const error = await publish(plan(s, [healthy, s.image], [COMMIT, 'latest']), built(), TESTS, s.session, s.log, held).catch((e: Error) => e)
    expect(error).toBeInstanceOf(ServiceError)
    expect((error as Error).message).toMatch(new RegExp(`; only ${escape(healthy)} holds it tagged$`))
    expect(held).toEqual([healthy])
    expect(await registryTags(healthy)).toEqual([COMMIT])
    expect(await registryTags(s.direct)).toEqual([])
  })

  test('an extra tag that cannot be written: every full-hash tag is there, the extra one nowhere it failed', async () => {
    const s = await setup('extra-tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/latest`), fault: { kind: 'status', status: 503 }, times: Infinity }])
    const error = await publish(plan(s, [s.image], [COMMIT, 'latest']), built(), TESTS, s.session, s.log).catch((e: Error) => e)
    expect(error).toBeInstanceOf(ServiceError)
    expect((error as Error).message).toMatch(/^image: storing a manifest in .+ as latest failed after 4 attempts/)
    expect(await registryTags(s.direct)).toEqual([COMMIT])
  })

  test('transient faults in both: every registry holds the tested digest under every tag, and pushed-to names both', async () => {
    const s = await setup('both', r => [{ method: 'PATCH', path: upload(r), fault: { kind: 'reset' } }, { method: 'PUT', path: new RegExp(`^${escape(r)}manifests/latest`), fault: { kind: 'status', status: 429, retryAfter: '1' } }])
    const healthy = `${testbed.registry}/${repoName('healthy')}`
    const published = await publish(plan(s, [s.image, healthy], [COMMIT, 'latest']), built(), TESTS, s.session, s.log)
    expect(published.held).toEqual([s.image, healthy])
    expect(published.references).toEqual([`${s.image}:${COMMIT}`, `${healthy}:${COMMIT}`, `${s.image}:latest`, `${healthy}:latest`])
    expect(await registryDigest(s.direct, 'latest')).toBe(digest)
    expect(retries(s)).toHaveLength(2)
  })
})

describe('the attestation and its fallback tag through faults', () => {
  /** The image pushed and tagged straight to the registry, for the attestation to stand beside. */
  async function pushed(s: Setup): Promise<void> {
    const clean = { ...s.session, retry: { ...s.session.retry!, log: undefined } }
    await publish(plan(s, [s.direct]), built(), TESTS, clean, s.log)
  }

  test.each<[string, (repo: string) => FaultRule[]]>([
    ['503s on the statement upload', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 503 }, times: 2 }]],
    ['a reset on the artifact manifest', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/sha256:`), fault: { kind: 'reset' } }]],
    ['429 on the fallback tag', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/sha256-`), fault: { kind: 'status', status: 429, retryAfter: '1' } }]],
    ['a truncated read of the image manifest', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}manifests/sha256:`), fault: { kind: 'truncate' } }]],
    ['a stalled read of the referrers', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}referrers/`), fault: { kind: 'stall' } }]]
  ])('%s: stored, and a re-run reads it back', async (what, rules) => {
    const s = await setup(what.replace(/\W+/g, '-').slice(0, 30), rules)
    await pushed(s)
    const { attestation: stored } = await attest(plan(s, [s.image]), digest, TESTS, [], s.session, s.log)
    expect(stored?.stored).toEqual([{ image: s.image, via: expect.stringMatching(/^(referrers|tag)$/) }])
    expect(await whyUnattested(s.image, digest, COMMIT, s.session)).toBeUndefined()
    expect(retries(s).length).toBeGreaterThanOrEqual(1)
  })

  test('persistent 503 on the fallback tag: one warning line, no record, and no fallback tag', async () => {
    const s = await setup('attest-persistent', r => [{ method: 'PUT', path: new RegExp(`^${escape(r)}manifests/sha256-`), fault: { kind: 'status', status: 503 }, times: Infinity }])
    await pushed(s)
    // The image is pushed by now: a record that cannot be stored is said, and the run goes on.
    expect(await attest(plan(s, [s.image]), digest, TESTS, [], s.session, s.log)).toEqual({})
    expect(s.lines.filter(l => l.startsWith('warning: '))).toEqual([expect.stringMatching(/^warning: test-result attestation not stored: image: storing a manifest in .+ as sha256-[0-9a-f]{64} failed after 4 attempts: .+: answered 503 to PUT$/)])
    expect(await registryTags(s.direct)).toEqual([COMMIT])
  })

  test('a registry that never answers the check: an error, not a missing record', async () => {
    const s = await setup('attest-stall', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}`), fault: { kind: 'stall' }, times: Infinity }], 7, { retries: 1, timeoutMs: 1_000 })
    await expect(whyUnattested(s.image, digest, COMMIT, s.session)).rejects.toThrow(/failed after 2 attempts: .+: no answer within 1s$/)
  })
})

describe('re-use through faults', () => {
  test('a transient 503 reading the tag: the held digest is found', async () => {
    const s = await setup('inspect-transient', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}manifests/${COMMIT}`), fault: { kind: 'status', status: 503 }, times: 2 }])
    await publish(plan(s, [s.direct]), built(), TESTS, { ...s.session, retry: { ...s.session.retry!, log: undefined } }, s.log)
    expect((await inspectRemote(`${s.image}:${COMMIT}`, s.session))?.digest).toBe(digest)
    expect(retries(s).length).toBeGreaterThanOrEqual(1)
  })

  test('a persistent 503 reading the tag is an error, never an absent tag', async () => {
    const s = await setup('inspect-persistent', r => [{ method: 'GET', path: new RegExp(`^${escape(r)}manifests/`), fault: { kind: 'status', status: 503 }, times: Infinity }])
    await expect(inspectRemote(`${s.image}:${COMMIT}`, s.session)).rejects.toThrow(/^image: reading .+ failed after 4 attempts/)
  })

  test('an absent tag is read as absent at once, without a retry', async () => {
    const s = await setup('inspect-absent', () => [])
    await publish(plan(s, [s.image]), built(), TESTS, s.session, s.log)
    expect(await inspectRemote(`${s.image}:nothing-here`, s.session)).toBeUndefined()
    expect(retries(s)).toEqual([])
  })

  test('copying the held digest to another registry through a reset: copied, then tagged', async () => {
    const s = await setup('reuse-copy', r => [{ method: 'PATCH', path: upload(r), fault: { kind: 'reset' } }])
    const source = `${testbed.registry}/${repoName('source')}`
    await publish(plan(s, [source]), built(), TESTS, { ...s.session, retry: { ...s.session.retry!, log: undefined } }, s.log)
    const published = await reuse(plan(s, [source, s.image]), digest, s.session, s.log)
    expect(published.held).toEqual([source, s.image])
    expect(await registryDigest(s.direct, COMMIT)).toBe(digest)
    expect(retries(s).length).toBeGreaterThanOrEqual(1)
  })

  test('a copy that keeps failing leaves the other registry untagged', async () => {
    const s = await setup('reuse-fail', r => [{ method: 'POST', path: upload(r), fault: { kind: 'status', status: 502 }, times: Infinity }])
    const source = `${testbed.registry}/${repoName('source')}`
    await publish(plan(s, [source]), built(), TESTS, { ...s.session, retry: { ...s.session.retry!, log: undefined } }, s.log)
    await expect(reuse(plan(s, [source, s.image]), digest, s.session, s.log)).rejects.toThrow(/failed after 4 attempts/)
    expect(await registryTags(s.direct)).toEqual([])
  })
})
