// The layer cache through GitHub's cache service, re-runs, attestations and the context command: the
// bundled action against the real engine, registry and cache service stand-in. Digests, layers and the
// registry cache are checked on every engine by the engine suites (engine-*.e2e.test.ts).
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { lstatSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type ActionOptions } from '../test/support/action.js'
import { startCacheServer } from '../test/support/cache-server.js'
import { registryBlob, registryDigest, registryManifest, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim()
/** A cold builder: no BuildKit cache at all, as on a fresh runner. */
const coldBuilder = (): void => void docker('builder', 'prune', '--all', '--force')
const unix = (iso: string): number => Date.parse(iso) / 1000

const RECIPE_TIME = '2024-01-01T00:00:00Z'
const FIRST_TIME = '2024-02-01T00:00:00Z'
const SECOND_TIME = '2024-03-01T00:00:00Z'

let origin: FixtureRepo
let first: string
let second: string

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir)
  origin.commit('the app and its recipe', RECIPE_TIME)
  first = origin.write('app/version.py', 'VERSION = 1\n').commit('version 1', FIRST_TIME)
  // Only application code changes: every layer before `COPY . .` should stay the same.
  second = origin.write('app/version.py', 'VERSION = 2\n').commit('version 2', SECOND_TIME)
})

const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }

function options(inputs: Record<string, string>, env?: Record<string, string>): ActionOptions {
  return { workspace: origin.clone(), sha: second, env, inputs: { 'build-args': `BASE=${testbed.baseImage}`, ...inputs } }
}

test('hashdock context writes the build context with per-file times', () => {
  const out = join(tempDir('context'), 'ctx')
  const cli = join(import.meta.dirname ?? '.', '..', 'dist', 'cli', 'index.js')
  execFileSync(process.execPath, [cli, 'context', '--repo', origin.dir, '--githash', second, '--mtime', 'per-file', '--out', out])
  expect(lstatSync(join(out, 'requirements.txt')).mtimeMs / 1000).toBe(unix(RECIPE_TIME))
  expect(lstatSync(join(out, 'app/version.py')).mtimeMs / 1000).toBe(unix(SECOND_TIME))
  expect(lstatSync(join(out, 'app')).mtimeMs / 1000).toBe(unix(SECOND_TIME))
})

describe('the layer cache survives a cold builder', () => {
  test('cache: gha saves to the cache service, and a cold builder restores from it', async () => {
    const server = await startCacheServer()
    try {
      const runnerTemp = tempDir('runner-gha')
      const env = { ...server.env, GITHUB_REF_NAME: 'main' }
      const image = uniqueImage('ghacache')
      const a = await runAction({ ...options({ image, githash: first, push: 'false' }, env), runnerTemp })
      expect(a.errors).toEqual([])
      expect(server.entries().some(k => k.includes(first))).toBe(true)
      coldBuilder()
      // A new runner: the same layout (the cache service versions entries by path), nothing on disk.
      rmSync(join(runnerTemp, 'hashdock-buildcache'), { recursive: true, force: true })
      const b = await runAction({ ...options({ image, githash: second, push: 'false' }, env), runnerTemp })
      expect(b.errors).toEqual([])
      expect(b.stdout).toMatch(/Layer cache restored from .*\(fallback\)/)
      expect(b.stdout).toMatch(/#\d+ CACHED/)
      expect(b.stdout).not.toContain('Requirement already satisfied')
    } finally {
      await server.close()
    }
  })

  test('cache: gha over a sequence of commits, each on a fresh runner: each uploads about what it changed, and the whole stays small', async () => {
    const server = await startCacheServer()
    try {
      const runnerTemp = tempDir('runner-gha-sequence')
      const env = { ...server.env, GITHUB_REF_NAME: 'main' }
      const image = uniqueImage('ghasequence')
      // The example, with a dependency step that writes megabytes, as installs do: a layer worth sharing.
      const repo = new FixtureRepo().copy(exampleDir).write('Dockerfile', [
        'ARG BASE', 'FROM ${BASE}', 'WORKDIR /srv', 'COPY requirements.txt .',
        'RUN head -c 3000000 /dev/urandom > /srv/dependencies.bin && cp requirements.txt /srv/installed.txt', 'COPY . .', ''
      ].join('\n'))
      const commits = [
        repo.commit('the app', RECIPE_TIME),
        repo.write('app/version.py', 'VERSION = 2\n').commit('application code', FIRST_TIME),
        repo.write('app/version.py', 'VERSION = 3\n').commit('application code again', SECOND_TIME),
        repo.write('requirements.txt', `${readFileSync(join(exampleDir, 'requirements.txt'), 'utf8')}# pinned again\n`).commit('the dependencies', '2024-04-01T00:00:00Z'),
        repo.write('app/version.py', 'VERSION = 5\n').commit('application code once more', '2024-05-01T00:00:00Z')
      ]
      const workspace = repo.clone()
      let previous: { digest: string; size: number }[] = []
      const rows: string[] = []
      for (const [n, commit] of commits.entries()) {
        // A fresh runner: an empty builder, no cache directory; only the cache service remembers.
        coldBuilder()
        rmSync(join(runnerTemp, 'hashdock-buildcache'), { recursive: true, force: true })
        const before = server.sizes()
        const run = await runAction({ workspace, sha: commit, runnerTemp, env, inputs: { image, githash: commit, cache: 'gha', 'build-args': `BASE=${testbed.baseImage}`, ...credentials } })
        expect(run.errors).toEqual([])
        const after = server.sizes()
        const uploaded = Object.keys(after).filter(k => !(k in before)).reduce((sum, k) => sum + after[k], 0)
        const layers = (JSON.parse(await registryManifest(image, commit)) as { layers: { digest: string; size: number }[] }).layers
        const changed = layers.filter(l => !previous.some(p => p.digest === l.digest)).reduce((sum, l) => sum + l.size, 0)
        rows.push(`commit ${n + 1}: uploaded ${uploaded} bytes for ${changed} bytes of changed layers`)
        // About what changed, with room for the commit's own small entry (the index and the cache's manifest).
        expect(uploaded).toBeLessThanOrEqual(1.5 * changed + 256 * 1024)
        if (n > 0) expect(run.stdout).toMatch(/Layer cache restored from .*\(fallback\)/)
        // The dependency step came from the restored cache, unless this commit changed the dependencies.
        if (n > 0 && n !== 3) expect(run.stdout).toMatch(/^#(\d+) \[\d\/\d\] RUN head -c[^\n]*\n(?:#\d+ [^\n]*\n)*?#\1 CACHED$/m)
        previous = layers
      }
      const image1 = previous.reduce((sum, l) => sum + l.size, 0)
      const total = Object.values(server.sizes()).reduce((sum, size) => sum + size, 0)
      expect({ rows, total: total < 3 * image1 }).toEqual({ rows, total: true })
    } finally {
      await server.close()
    }
  })

  test('without the cache service, the default is no cache, said in one notice', async () => {
    const run = await runAction(options({ image: uniqueImage('nocache'), push: 'false' }))
    expect(run.stdout).toMatch(/^::notice::cache: GitHub's cache service is not available here/m)
  })
})

describe('instant re-runs', () => {
  test('a pushed commit built from the same inputs is not built again; new tags point at the tested digest', async () => {
    const image = uniqueImage('rerun')
    const a = await runAction(options({ image, ...credentials, reuse: 'true', 'test-command': 'python -m pytest -q tests/unit' }))
    expect(a.errors).toEqual([])
    const b = await runAction(options({ image, ...credentials, reuse: 'true', tags: 'stable', 'test-command': 'python -m pytest -q tests/unit' }))
    expect(b.errors).toEqual([])
    expect(b.stdout).not.toContain('::group::Build')
    expect(b.summary).toContain('already tested, tags re-applied')
    expect(b.outputs.digest).toBe(a.outputs.digest)
    expect(await registryDigest(image, 'stable')).toBe(a.outputs.digest)
  })

  test('rebuild: true builds and tests again; other inputs build again too', async () => {
    const image = uniqueImage('rebuild')
    await runAction(options({ image, ...credentials, reuse: 'true' }))
    const forced = await runAction(options({ image, ...credentials, reuse: 'true', rebuild: 'true' }))
    expect(forced.stdout).toContain('::group::Build')
    const changed = await runAction(options({ image, ...credentials, reuse: 'true', 'build-args': `BASE=${testbed.baseImage}\nFLAVOUR=other` }))
    expect(changed.stdout).toContain('::group::Build')
  })
})

test('the layers keep the image clock; the commit time is the configuration\'s created, and in the label, the output and the summary', async () => {
  const image = uniqueImage('clock')
  const run = await runAction(options({ image, ...credentials }))
  expect(run.errors).toEqual([])
  const config = JSON.parse(await registryBlob(image, JSON.parse(await registryManifest(image, second)).config.digest))
  expect(config.created).toBe(SECOND_TIME)
  // Each step's own time stays the image clock, as the layers' files do.
  expect(config.history.at(-1).created).toBe('1970-01-01T00:00:00Z')
  expect(config.config.Labels['org.opencontainers.image.created']).toBe(SECOND_TIME)
  expect(run.outputs['commit-time']).toBe(String(unix(SECOND_TIME)))
})

test('provenance in the image is opt-in: attached to the pushed index, and the step says the digest is no longer reproducible', async () => {
  const image = uniqueImage('provenance')
  const run = await runAction(options({ image, provenance: 'in-image', ...credentials }))
  expect(run.errors).toEqual([])
  expect(run.outputs.reproducible).toBe('false')
  expect(run.outputs['provenance-attestation']).toBeUndefined()
  expect(run.stdout).toMatch(/^::notice::Not reproducible: provenance and SBOM attestations inside the image/m)
  expect(await registryDigest(image, second)).toBe(run.outputs.digest)
  const index = JSON.parse(await registryManifest(image, second)) as { manifests: { digest: string; annotations?: Record<string, string> }[] }
  const attestation = index.manifests.find(m => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
  // It names the pushed image (whose configuration was given the commit's time after BuildKit wrote it), in the index and in its statement.
  expect(attestation?.annotations?.['vnd.docker.reference.digest']).toBe(index.manifests[0].digest)
  const layers = (JSON.parse(await registryManifest(image, attestation?.digest ?? '')) as { layers: { digest: string }[] }).layers
  const statement = JSON.parse(await registryBlob(image, layers[0].digest)) as { subject: { digest: { sha256: string } }[] }
  expect(statement.subject.map(s => `sha256:${s.digest.sha256}`)).toContain(index.manifests[0].digest)
})

test('a registry that refuses the cache export is one warning naming cache, and the build goes on', async () => {
  // No credentials: the registry refuses the export (and, later, the push).
  const image = uniqueImage('refused')
  const run = await runAction(options({ image, cache: 'registry' }))
  expect(run.stdout).toMatch(/^::warning::cache: the cache export was refused, so the build went on without saving its cache: .*401 Unauthorized/m)
  expect(run.stdout).toContain('::group::Push')
  expect(run.errors).toHaveLength(1)
  expect(run.errors[0]).toMatch(/^::error::image: pushing .* failed: /)
})

describe('bad input', () => {
  const cases: [string, Record<string, string>, RegExp, number][] = [
    ['mtime outside its set', { mtime: 'newest' }, /^::error::mtime: 'newest' is not one of content, commit, per-file$/, 0],
    ['cache outside its set', { cache: 'disk' }, /^::error::cache: 'disk' is not one of gha, registry, none$/, 0],
    ['per-file in a shallow clone', { mtime: 'per-file' }, /^::error::mtime: per-file needs the full history, .*fetch-depth: 0/, 1]
  ]
  test.each(cases)('%s', async (_, inputs, message, depth) => {
    const run = await runAction({ ...options({ image: uniqueImage('badrepro'), ...inputs }), workspace: depth ? origin.clone(depth) : origin.clone() })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(message)
  })
})
