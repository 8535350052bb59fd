// The build cache through the real @actions/cache, against a local stand-in of GitHub's cache service.
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CacheServer } from '../../test/support/cache-server.js'

// These tests run tar and a cache server: on a loaded machine one can take longer than jest's default 5 s.
jest.setTimeout(30_000)

const warnings: string[] = []
const actualCore = await import('@actions/core')
// Quiet, and warnings kept for assertions; @actions/cache logs through the same module.
jest.unstable_mockModule('@actions/core', () => ({
  ...actualCore,
  debug: () => undefined,
  info: () => undefined,
  setSecret: () => undefined,
  error: (m: unknown) => void warnings.push(String(m)),
  warning: (m: unknown) => void warnings.push(String(m))
}))
const { blobKey, cacheKeys, cacheScope, restoreBuildCache, saveBuildCache } = await import('../../src/action/gha-cache.js')
const { startCacheServer } = await import('../../test/support/cache-server.js')

const commitA = 'a'.repeat(40)
const commitB = 'b'.repeat(40)
const main = { image: 'ghcr.io/acme/app', ref: 'main', defaultBranch: 'main' }
const feature = { ...main, ref: 'feature/login' }

const root = mkdtempSync(join(tmpdir(), 'hashdock-gha-cache-'))
// The entry's version hashes the path, so save and restore must name the same directory.
const cacheDir = join(root, 'workspace', 'buildcache')
const savedEnv = { ...process.env }
let server: CacheServer

/** Every file under a directory, relative path → content. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    files[path.slice(dir.length + 1)] = readFileSync(path).toString('base64')
  }
  return files
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** Writes a blob under its own digest (or, forged, under another's) and returns its hex name. */
function blob(bytes: Buffer, name = sha256(bytes)): string {
  writeFileSync(join(cacheDir, 'blobs', 'sha256', name), bytes)
  return name
}

/** A local cache as BuildKit exports it: an index, a small manifest, and one large layer. */
function fillCacheDir(): Record<string, string> {
  rmSync(cacheDir, { recursive: true, force: true })
  mkdirSync(join(cacheDir, 'blobs', 'sha256'), { recursive: true })
  writeFileSync(join(cacheDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }))
  writeFileSync(join(cacheDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  blob(Buffer.from('{"schemaVersion":2,"manifests":[]}'))
  // Incompressible and several MB, so the archive is a real upload and a real download.
  layer = blob(randomBytes(6 * 1024 * 1024))
  return snapshot(cacheDir)
}
let layer = ''

beforeAll(async () => {
  server = await startCacheServer()
  mkdirSync(join(root, 'workspace', 'runner-temp'), { recursive: true })
  Object.assign(process.env, server.env, { GITHUB_WORKSPACE: join(root, 'workspace'), RUNNER_TEMP: join(root, 'workspace', 'runner-temp') })
})

afterAll(async () => {
  process.env = savedEnv
  await server.close()
  rmSync(root, { recursive: true, force: true })
})

beforeEach(() => {
  warnings.length = 0
})

describe('cacheKeys', () => {
  test.each([
    // scope, key, restore keys
    [main, `hashdock-buildcache-ghcr.io-acme-app-main-${commitA}`, ['hashdock-buildcache-ghcr.io-acme-app-main-']],
    [feature, `hashdock-buildcache-ghcr.io-acme-app-feature-login-${commitA}`, ['hashdock-buildcache-ghcr.io-acme-app-feature-login-', 'hashdock-buildcache-ghcr.io-acme-app-main-']],
    [{ image: 'localhost:5000/app', ref: 'dev', defaultBranch: undefined }, `hashdock-buildcache-localhost-5000-app-dev-${commitA}`, ['hashdock-buildcache-localhost-5000-app-dev-', 'hashdock-buildcache-localhost-5000-app-main-']],
    [{ image: 'app', ref: '', defaultBranch: 'trunk' }, `hashdock-buildcache-app-trunk-${commitA}`, ['hashdock-buildcache-app-trunk-']]
  ])('%j', (scope, key, restoreKeys) => {
    expect(cacheKeys(scope, commitA)).toEqual({ key, restoreKeys })
  })
})

describe('cacheScope', () => {
  test('a pull request: its head branch, and the default branch from the event', () => {
    const event = join(root, 'event.json')
    writeFileSync(event, JSON.stringify({ repository: { default_branch: 'trunk' } }))
    expect(cacheScope('app', { GITHUB_HEAD_REF: 'fix', GITHUB_REF_NAME: '7/merge', GITHUB_EVENT_PATH: event })).toEqual({ image: 'app', ref: 'fix', defaultBranch: 'trunk' })
  })

  test('a push without a readable event: the ref name, no default branch', () => {
    expect(cacheScope('app', { GITHUB_HEAD_REF: '', GITHUB_REF_NAME: 'main', GITHUB_EVENT_PATH: join(root, 'missing.json') })).toEqual({ image: 'app', ref: 'main', defaultBranch: undefined })
  })
})

describe('save and restore through @actions/cache', () => {
  let saved: Record<string, string>

  test("saves each large layer as an entry of its own, then the commit's entry without it", async () => {
    saved = fillCacheDir()
    expect(await saveBuildCache(cacheDir, main, commitA)).toEqual({ saved: true, uploaded: 1, shared: 0, uploadedBytes: 6 * 1024 * 1024 })
    expect(server.entries()).toEqual([blobKey(main, layer), cacheKeys(main, commitA).key])
    expect(server.requests()).toContain('PUT blob')
    expect(warnings).toEqual([])
  })

  test('restores the same commit into an emptied directory: an exact hit, content equal', async () => {
    rmSync(cacheDir, { recursive: true, force: true })
    expect(await restoreBuildCache(cacheDir, main, commitA)).toEqual({ hit: 'exact', key: cacheKeys(main, commitA).key })
    expect(snapshot(cacheDir)).toEqual(saved)
  })

  test('does not save a commit whose entry exists', async () => {
    const before = server.requests().length
    expect(await saveBuildCache(cacheDir, main, commitA)).toMatchObject({ saved: false, uploadedBytes: 0 })
    expect(server.requests().slice(before)).toEqual(['GetCacheEntryDownloadURL'])
    expect(warnings).toEqual([])
  })

  test('the next commit uploads only the layer no entry holds: the one it shares is not sent again', async () => {
    const added = blob(randomBytes(1024 * 1024))
    expect(await saveBuildCache(cacheDir, main, commitB)).toEqual({ saved: true, uploaded: 1, shared: 1, uploadedBytes: 1024 * 1024 })
    expect(server.entries()).toEqual([blobKey(main, layer), cacheKeys(main, commitA).key, blobKey(main, added), cacheKeys(main, commitB).key])
    const both = snapshot(cacheDir)
    rmSync(cacheDir, { recursive: true, force: true })
    expect(await restoreBuildCache(cacheDir, main, commitB)).toEqual({ hit: 'exact', key: cacheKeys(main, commitB).key })
    expect(snapshot(cacheDir)).toEqual(both)
  })

  test("another branch's first build falls back to the default branch's newest entry", async () => {
    rmSync(cacheDir, { recursive: true, force: true })
    expect(await restoreBuildCache(cacheDir, feature, 'c'.repeat(40))).toEqual({ hit: 'fallback', key: cacheKeys(main, commitB).key })
  })

  test("then prefers its own branch's newest entry", async () => {
    expect(await saveBuildCache(cacheDir, feature, 'c'.repeat(40))).toMatchObject({ saved: true, uploaded: 0, shared: 2 })
    expect(await restoreBuildCache(cacheDir, feature, 'd'.repeat(40))).toEqual({ hit: 'fallback', key: cacheKeys(feature, 'c'.repeat(40)).key })
  })

  test('an unknown image restores nothing', async () => {
    expect(await restoreBuildCache(cacheDir, { ...main, image: 'other' }, commitA)).toEqual({ hit: 'none' })
  })

  test('a layer whose bytes are not its digest: no cache at all, one warning, a cold build', async () => {
    fillCacheDir()
    blob(randomBytes(512 * 1024), sha256(Buffer.from('something else')))
    const forged = { ...main, image: 'ghcr.io/acme/forged' }
    expect(await saveBuildCache(cacheDir, forged, commitA)).toMatchObject({ saved: true })
    rmSync(cacheDir, { recursive: true, force: true })
    expect(await restoreBuildCache(cacheDir, forged, commitA)).toEqual({ hit: 'none' })
    expect(existsSync(cacheDir)).toBe(false)
    expect(warnings).toEqual([expect.stringMatching(/^Build cache \S+ not restored: its layer sha256:[0-9a-f]{64} is not in the cache service; building cold\.$/)])
  })
})

describe('when the service is missing or failing', () => {
  test('without the service, nothing is asked and nothing fails', async () => {
    const before = server.requests().length
    delete process.env.ACTIONS_RESULTS_URL
    try {
      fillCacheDir()
      expect(await restoreBuildCache(cacheDir, main, commitB)).toEqual({ hit: 'none' })
      expect(await saveBuildCache(cacheDir, main, commitB)).toMatchObject({ saved: false })
    } finally {
      process.env.ACTIONS_RESULTS_URL = server.env.ACTIONS_RESULTS_URL
    }
    expect(server.requests().length).toBe(before)
    expect(warnings).toEqual([])
  })

  test('a 500 on create: save returns false with a warning, and does not throw', async () => {
    fillCacheDir()
    server.fail('CreateCacheEntry', 500)
    // @actions/cache retries a 500 five times with waits of several seconds each; the waits are skipped here.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
    try {
      let settled = false
      const saving = saveBuildCache(cacheDir, main, 'e'.repeat(40)).finally(() => (settled = true))
      while (!settled) {
        await jest.advanceTimersByTimeAsync(1000)
        await new Promise(resolve => setImmediate(resolve))
      }
      expect(await saving).toMatchObject({ saved: false })
    } finally {
      jest.useRealTimers()
      server.fail('CreateCacheEntry')
    }
    expect(server.requests().filter(r => r === 'CreateCacheEntry').length).toBeGreaterThan(1)
    expect(server.entries()).not.toContain(cacheKeys(main, 'e'.repeat(40)).key)
    expect(warnings.join('\n')).toMatch(/Build cache not saved/)
  })
})

describe('the stand-in, as the Azure SDK uses it for archives over 128 MiB', () => {
  const call = async (method: string, body: object): Promise<Record<string, string>> => {
    const res = await fetch(`${server.url}twirp/github.actions.results.api.v1.CacheService/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.env.ACTIONS_RUNTIME_TOKEN}` },
      body: JSON.stringify(body)
    })
    expect(res.status).toBe(200)
    return (await res.json()) as Record<string, string>
  }

  test('put block, put block list, then ranged reads', async () => {
    const created = await call('CreateCacheEntry', { key: 'blocks-1', version: 'v' })
    const parts = [Buffer.from('hello '), Buffer.from('block '), Buffer.from('world')]
    const ids = parts.map((_, i) => Buffer.from(`prefix-${String(i).padStart(6, '0')}`).toString('base64'))
    for (const [i, part] of parts.entries()) {
      const res = await fetch(`${created.signed_upload_url}&comp=block&blockid=${encodeURIComponent(ids[i])}`, { method: 'PUT', body: part })
      expect(res.status).toBe(201)
    }
    const list = `<?xml version="1.0" encoding="UTF-8"?><BlockList>${ids.map(id => `<Latest>${id}</Latest>`).join('')}</BlockList>`
    expect((await fetch(`${created.signed_upload_url}&comp=blocklist`, { method: 'PUT', body: list })).status).toBe(201)
    expect(await call('FinalizeCacheEntryUpload', { key: 'blocks-1', version: 'v', size_bytes: '17' })).toEqual({ ok: true, entry_id: expect.any(String) })

    const found = await call('GetCacheEntryDownloadURL', { key: 'blocks-2', restore_keys: ['blocks-'], version: 'v' })
    expect(found).toMatchObject({ ok: true, matched_key: 'blocks-1' })
    expect(await (await fetch(found.signed_download_url)).text()).toBe('hello block world')
    const ranged = await fetch(found.signed_download_url, { headers: { Range: 'bytes=6-10' } })
    expect([ranged.status, await ranged.text()]).toEqual([206, 'block'])
    expect(await call('GetCacheEntryDownloadURL', { key: 'blocks-1', version: 'other' })).toEqual({ ok: false })
  })
})
