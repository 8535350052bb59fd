// Planning one build against a real repository: which commit, which paths, which labels; no engine needed.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitAll, git, write } from '../../../__fixtures__/git-repo.js'
import { FINGERPRINT_LABEL, Input } from '../../../src/core/constants.js'
import { InputError } from '../../../src/core/errors.js'
import { parseInputs, type Inputs } from '../../../src/core/inputs.js'
import type { BuilderFacts } from '../../../src/core/programs/builder.js'
import type { Engine } from '../../../src/core/programs/docker.js'
import { plan as planWith, references, rfc3339, specs } from '../../../src/core/stages/plan.js'
import type { Workspace } from '../../../src/core/workspace.js'

// These tests run git: on a loaded machine one can take longer than jest's default 5 s.
jest.setTimeout(30_000)

const IMAGE = 'ghcr.io/acme/app'
/** 2023-01-02T03:04:05Z */
const T1 = Date.UTC(2023, 0, 2, 3, 4, 5) / 1000
/** 2023-02-03T04:05:06Z, authored a day earlier. */
const T2 = Date.UTC(2023, 1, 3, 4, 5, 6) / 1000
const T2_AUTHOR = T2 - 86_400

const SOURCE = 'org.opencontainers.image.source'
const REVISION = 'org.opencontainers.image.revision'
const CREATED = 'org.opencontainers.image.created'

const facts = { engine: { version: '26.1.5', buildx: true, containerdStore: true } as Engine, builder: { name: 'default', driver: 'docker' } as BuilderFacts }
const plan = (i: Inputs, w: Workspace): ReturnType<typeof planWith> => planWith(i, w, facts)

let scratch: string
let repo: string
let c1: string
let c2: string

function inputs(raw: Partial<Record<Input, string>> = {}): Inputs {
  const all: Partial<Record<Input, string>> = { [Input.Image]: IMAGE, ...raw }
  return parseInputs(name => all[name] ?? '')
}

function workspace(repoDir = repo, extra: Partial<Workspace> = {}): Workspace {
  return { repoDir, workDir: scratch, runId: 'test1', defaultRef: 'HEAD', ...extra }
}

async function planError(raw: Partial<Record<Input, string>>, ws: Workspace = workspace()): Promise<InputError> {
  try {
    await plan(inputs(raw), ws)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an error, got none')
}

async function withOrigin<T>(url: string, fn: () => Promise<T>): Promise<T> {
  git(repo, ['remote', 'add', 'origin', url])
  try {
    return await fn()
  } finally {
    git(repo, ['remote', 'remove', 'origin'])
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'hashdock-plan-'))
  repo = join(scratch, 'repo')
  mkdirSync(repo)
  git(repo, ['init', '-q'])
  write(repo, 'Dockerfile', 'FROM scratch\n')
  write(repo, 'src/main.txt', 'one\n')
  write(repo, 'docker/Dockerfile.prod', 'FROM scratch\n')
  write(repo, 'compose.yml', 'services: {}\n')
  c1 = commitAll(repo, 'first', T1)
  git(repo, ['branch', 'feature/login'])
  git(repo, ['tag', 'v1.0'])
  git(repo, ['tag', '-a', '-m', 'annotated', 'v1.1'], { committer: T1 })
  write(repo, 'src/main.txt', 'two\n')
  write(repo, 'docker/Dockerfile.new', 'FROM scratch\n')
  c2 = commitAll(repo, 'second', T2, T2_AUTHOR)
  // In the working tree only: plan checks the commit, not the checkout.
  write(repo, 'src/Dockerfile', 'FROM scratch\n')
  write(repo, 'untracked-dir/Dockerfile', 'FROM scratch\n')
})

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

describe('plan: which commit', () => {
  test('no githash: the workspace default, with its committer time', async () => {
    const p = await plan(inputs(), workspace())
    expect(p.commit).toBe(c2)
    expect(p.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(p.commitTime).toBe(T2)
    expect(p.image).toBe(IMAGE)
    expect(p.contextPath).toBe('.')
    expect(p.dockerfilePath).toBe('Dockerfile')
  })

  test('the workspace default is only a default', async () => {
    expect((await plan(inputs(), workspace(repo, { defaultRef: 'v1.0' }))).commit).toBe(c1)
    expect((await plan(inputs({ [Input.Githash]: 'main' }), workspace(repo, { defaultRef: 'v1.0' }))).commit).toBe(c2)
  })

  test.each<[string, () => string, () => string]>([
    ['a short hash', () => c1.slice(0, 7), () => c1],
    ['a full hash', () => c1, () => c1],
    ['a lightweight tag', () => 'v1.0', () => c1],
    ['an annotated tag', () => 'v1.1', () => c1],
    ['a branch with a slash', () => 'feature/login', () => c1],
    ['a branch', () => 'main', () => c2],
    ['a relative revision', () => 'main~1', () => c1]
  ])('%s', async (_, githash, expected) => {
    const p = await plan(inputs({ [Input.Githash]: githash() }), workspace())
    expect(p.commit).toBe(expected())
    expect(p.commitTime).toBe(expected() === c1 ? T1 : T2)
  })

  test('a branch a clone has only as origin/<branch>', async () => {
    const clone = join(scratch, 'clone')
    git(scratch, ['clone', '-q', `file://${repo}`, clone])
    expect(git(clone, ['branch', '--list', 'feature/login'])).toBe('')
    const p = await plan(inputs({ [Input.Githash]: 'feature/login' }), workspace(clone))
    expect(p.commit).toBe(c1)
  })

  test('an unknown githash: an error naming githash and what to check', async () => {
    const error = await planError({ [Input.Githash]: 'deadbeef' })
    expect(error.input).toBe('githash')
    expect(error.message).toMatch(/^githash: 'deadbeef' names no commit/)
    expect(error.message).not.toContain('fetch-depth')
  })

  test('a tree is not a commit', async () => {
    const tree = git(repo, ['rev-parse', `${c1}^{tree}`])
    expect((await planError({ [Input.Githash]: tree })).message).toMatch(/^githash: /)
  })

  test('a past commit in a shallow clone: the error says so, and asks the adapter for its full-history hint', async () => {
    const shallow = join(scratch, 'shallow')
    git(scratch, ['clone', '-q', '--depth', '1', `file://${repo}`, shallow])
    expect((await plan(inputs(), workspace(shallow))).commit).toBe(c2)
    const error = await planError({ [Input.Githash]: c1 }, workspace(shallow))
    expect(error.message).toMatch(/^githash: .*shallow/)
    expect(error.remedy).toBe('full-history')
  })

  test('not a git checkout', async () => {
    const plain = mkdtempSync(join(scratch, 'plain-'))
    const error = await planError({}, workspace(plain))
    expect(error.message).toMatch(/^checkout-path: /)
    expect(error.message).toContain('not a git checkout')
    expect(error.remedy).toBe('checkout')
  })
})

describe('plan: which paths', () => {
  test('a dockerfile of the repository', async () => {
    const p = await plan(inputs({ [Input.Dockerfile]: 'docker/Dockerfile.prod' }), workspace())
    expect(p.dockerfilePath).toBe('docker/Dockerfile.prod')
  })

  test('a context directory with the default Dockerfile in it', async () => {
    const error = await planError({ [Input.Context]: 'src' })
    expect(error.input).toBe('dockerfile')
    expect(error.message).toMatch(/^dockerfile: 'src\/Dockerfile' is not a file at commit/)
  })

  test('a context and a Dockerfile elsewhere', async () => {
    const p = await plan(inputs({ [Input.Context]: './src/', [Input.Dockerfile]: 'Dockerfile' }), workspace())
    expect(p.contextPath).toBe('src')
    expect(p.dockerfilePath).toBe('Dockerfile')
  })

  test.each<[string, Partial<Record<Input, string>>, Input]>([
    ['a missing Dockerfile', { [Input.Dockerfile]: 'nope/Dockerfile' }, Input.Dockerfile],
    ['a Dockerfile that is a directory', { [Input.Dockerfile]: 'docker' }, Input.Dockerfile],
    ['a context only in the working tree', { [Input.Context]: 'untracked-dir' }, Input.Context],
    ['a Dockerfile only in a later commit', { [Input.Githash]: 'v1.0', [Input.Dockerfile]: 'docker/Dockerfile.new' }, Input.Dockerfile],
    ['a context that is a file', { [Input.Context]: 'src/main.txt' }, Input.Context],
    ['a context that does not exist', { [Input.Context]: 'missing' }, Input.Context],
    ['a missing compose-file', { [Input.ComposeFile]: 'docker-compose.yml' }, Input.ComposeFile],
    ['a compose-file that is a directory', { [Input.ComposeFile]: 'src' }, Input.ComposeFile]
  ])('%s: an error naming the input', async (_, raw, input) => {
    const error = await planError(raw)
    expect(error.input).toBe(input)
    expect(error.message.startsWith(`${input}: `)).toBe(true)
  })

  test('a Dockerfile only in the working tree: named with the commit it is missing from', async () => {
    const error = await planError({ [Input.Dockerfile]: 'src/Dockerfile' })
    expect(error.input).toBe('dockerfile')
    expect(error.message).toContain(c2.slice(0, 12))
  })

  test('a compose-file of the commit', async () => {
    await expect(plan(inputs({ [Input.ComposeFile]: 'compose.yml', [Input.ComposeService]: 'app' }), workspace())).resolves.toMatchObject({ commit: c2 })
  })
})

describe('plan: tags and labels', () => {
  test('tags: the full hash first, placeholders from the commit and the githash as given', async () => {
    const p = await plan(inputs({ [Input.Githash]: 'feature/login', [Input.Tags]: '{ref}\n{short}\nlatest\n{date}' }), workspace())
    expect(p.tags).toEqual([c1, 'feature-login', c1.slice(0, 7), 'latest', '20230102'])
    expect(references(p)[0]).toBe(`${IMAGE}:${c1}`)
  })

  test('revision and created: the commit and its time in RFC 3339 without milliseconds', async () => {
    const first = await plan(inputs({ [Input.Githash]: c1 }), workspace())
    expect(first.labels[REVISION]).toBe(c1)
    expect(first.labels[CREATED]).toBe('2023-01-02T03:04:05Z')
    const second = await plan(inputs(), workspace())
    expect(second.labels[CREATED]).toBe('2023-02-03T04:05:06Z')
  })

  test('rfc3339', () => {
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00Z')
    expect(rfc3339(T1)).toBe('2023-01-02T03:04:05Z')
  })

  test('no origin and no source URL: no source label', async () => {
    expect((await plan(inputs(), workspace())).labels).not.toHaveProperty([SOURCE])
  })

  test('source from the workspace, before any origin', async () => {
    const p = await withOrigin('https://github.com/other/repo.git', () => plan(inputs(), workspace(repo, { sourceUrl: 'https://example.com/acme/app' })))
    expect(p.labels[SOURCE]).toBe('https://example.com/acme/app')
  })

  test.each<[string, string | undefined]>([
    ['https://user:tok@github.com/acme/app.git', 'https://github.com/acme/app'],
    ['https://x-access-token:ghs_secret@github.com/acme/app', 'https://github.com/acme/app'],
    ['https://github.com/acme/app.git', 'https://github.com/acme/app'],
    ['git@github.com:acme/app.git', 'https://github.com/acme/app'],
    ['git@github.com:acme/app', 'https://github.com/acme/app'],
    ['file:///srv/git/app.git', undefined]
  ])('source from origin %s', async (url, expected) => {
    const p = await withOrigin(url, () => plan(inputs(), workspace()))
    expect(p.labels[SOURCE]).toBe(expected)
    expect(JSON.stringify(p.labels)).not.toMatch(/tok|ghs_secret/)
  })

  test('fingerprint: the same for the same inputs, different when the commit or a build argument differs', async () => {
    const fingerprint = async (raw: Partial<Record<Input, string>>): Promise<string> => (await plan(inputs(raw), workspace())).labels[FINGERPRINT_LABEL]
    const base = await fingerprint({})
    expect(base).toMatch(/^[0-9a-f]{32}$/)
    expect(await fingerprint({})).toBe(base)
    expect(await fingerprint({ [Input.Tags]: 'latest', [Input.Push]: 'false' })).toBe(base)
    expect(await fingerprint({ [Input.BuildArgs]: 'A=1' })).not.toBe(base)
    expect(await fingerprint({ [Input.Githash]: c1 })).not.toBe(base)
  })

  // Each platform list is its own image: a re-run reuses only an index of the same platforms.
  test('fingerprint: different for another list of platforms, the same however the list is spelled', async () => {
    const fingerprint = async (raw: Partial<Record<Input, string>>): Promise<string> => (await plan(inputs(raw), workspace())).labels[FINGERPRINT_LABEL]
    const base = await fingerprint({})
    const two = await fingerprint({ [Input.Platforms]: 'linux/amd64,linux/arm64' })
    expect(two).not.toBe(base)
    expect(await fingerprint({ [Input.Platforms]: 'linux/amd64, linux/arm64' })).toBe(two)
    expect(await fingerprint({ [Input.Platforms]: 'linux/amd64' })).not.toBe(two)
  })

  // The label is part of the image: how it is tested must not change the digest of the same commit.
  test.each<[string, Partial<Record<Input, string>>]>([
    ['test-command', { [Input.TestCommand]: 'true' }],
    ['integration-command', { [Input.IntegrationCommand]: 'true' }],
    ['test-results', { [Input.TestResults]: '/tmp/results' }],
    ['compose-trust', { [Input.ComposeTrust]: 'host' }],
    // A provenance record beside the image leaves its bytes alone.
    ['provenance: true', { [Input.Provenance]: 'true' }],
    // Integration tests beside a compose file: the test-result record says so, not the image.
    ['compose-file and integration-command', { [Input.ComposeFile]: 'compose.yml', [Input.IntegrationCommand]: 'pytest' }]
  ])('fingerprint: the same with or without %s', async (_, raw) => {
    const fingerprint = async (r: Partial<Record<Input, string>>): Promise<string> => (await plan(inputs(r), workspace())).labels[FINGERPRINT_LABEL]
    expect(await fingerprint(raw)).toBe(await fingerprint({}))
  })
  test.each<[string, Partial<Record<Input, string>>]>([
    ['provenance: in-image', { [Input.Provenance]: 'in-image' }],
    ['compression', { [Input.Compression]: 'gzip' }],
    ['build-args', { [Input.BuildArgs]: 'FLAVOUR=other' }],
    ['mtime', { [Input.Mtime]: 'per-file' }]
  ])('fingerprint: differs with %s', async (_, raw) => {
    const fingerprint = async (r: Partial<Record<Input, string>>): Promise<string> => (await plan(inputs(r), workspace())).labels[FINGERPRINT_LABEL]
    expect(await fingerprint(raw)).not.toBe(await fingerprint({}))
  })
})

describe('plan: handing on and assembling', () => {
  test('an assembly needs no engine facts: it plans the platforms to assemble, in order, and builds nothing', async () => {
    const p = await planWith(inputs({ [Input.AssembleFrom]: scratch, [Input.Platforms]: 'linux/arm64,linux/amd64' }), workspace(), undefined)
    expect(p.assembleFrom).toBe(scratch)
    expect(p.strategy).toMatchObject({ platforms: ['linux/arm64', 'linux/amd64'], load: false, builder: { create: false } })
    expect(p.commit).toBe(c2)
  })

  test('export-dir and assemble-from become absolute directories, once', async () => {
    const p = await plan(inputs({ [Input.ExportDir]: 'handed-on', [Input.Platforms]: 'linux/amd64', [Input.TestCommand]: 'true' }), workspace())
    expect(p.exportDir).toBe(join(process.cwd(), 'handed-on'))
    expect(p.assembleFrom).toBe('')
  })

  test('an assemble-from that is not a directory is refused, naming the input', async () => {
    const error = await planWith(inputs({ [Input.AssembleFrom]: join(scratch, 'none'), [Input.Platforms]: 'linux/amd64' }), workspace(), undefined).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toMatch(/^assemble-from: '.*none' is not a directory; give the directory the platform jobs' images were downloaded into$/)
  })
})

describe('plan: what the adapter cannot do is said before any work', () => {
  test('cache: gha without the cache service', async () => {
    const error = await planError({ [Input.Cache]: 'gha' })
    expect(error.message).toBe("cache: 'gha' needs GitHub's cache service; use registry or none outside GitHub Actions")
    await expect(plan(inputs({ [Input.Cache]: 'gha' }), workspace(repo, { cacheStore: { dir: scratch, restore: async () => {}, save: async () => {} } }))).resolves.toBeDefined()
  })

  test('artifacts with nowhere to deliver them', async () => {
    const error = await planError({ [Input.Artifacts]: 'builder:/out' })
    expect(error.message).toBe('artifacts: this run has nowhere to deliver files to')
  })

  test.each<[string, Partial<Record<Input, string>>]>([
    ['provenance: in-image', { [Input.Provenance]: 'in-image' }],
    ['sbom', { [Input.Sbom]: 'true' }]
  ])('verify-reproducible with %s, whose record of build times makes every build differ', async (_, raw) => {
    const error = await planError({ [Input.VerifyReproducible]: 'true', ...raw })
    expect(error.message).toBe('verify-reproducible: provenance: in-image and sbom record inside the image when it was built, so two builds never agree; use provenance: true (beside the image) and no sbom to verify, or leave verify-reproducible off')
    await expect(plan(inputs({ [Input.VerifyReproducible]: 'true' }), workspace())).resolves.toBeDefined()
  })

  test('verify-reproducible with provenance beside the image: the build is left alone, and the record is planned for the push', async () => {
    const p = await plan(inputs({ [Input.VerifyReproducible]: 'true', [Input.Provenance]: 'true' }), workspace())
    expect(p.strategy).toMatchObject({ provenance: false, reproducible: true })
    expect(p.publish.provenance).toBe(true)
    expect((await plan(inputs({ [Input.Provenance]: 'in-image' }), workspace())).publish.provenance).toBe(false)
  })

  test('verify-reproducible in an assembly, which builds nothing', async () => {
    const error = await planWith(inputs({ [Input.AssembleFrom]: scratch, [Input.Platforms]: 'linux/amd64', [Input.VerifyReproducible]: 'true' }), workspace(), undefined).catch((e: unknown) => e)
    expect((error as InputError).message).toBe('verify-reproducible: an assembly builds nothing to compare; verify in the platform jobs')
  })
})

describe('plan decides once what the stages take', () => {
  const decided = (raw: Partial<Record<Input, string>>, event?: Workspace['event']): ReturnType<typeof specs> => specs(inputs(raw), event ? { event } : {})

  test.each<[string, Partial<Record<Input, string>>, { allowed: boolean; why?: string }]>([
    ['reuse off: no re-use, nothing to say', {}, { allowed: false }],
    ['reuse on: allowed', { [Input.Reuse]: 'true' }, { allowed: true }],
    ['rebuild wins, and says so', { [Input.Reuse]: 'true', [Input.Rebuild]: 'true' }, { allowed: false, why: 'rebuild is true' }],
    ['no-cache asks for a fresh build', { [Input.Reuse]: 'true', [Input.NoCache]: 'true' }, { allowed: false, why: 'no-cache asks for a fresh build' }],
    ['nothing to push, nothing to re-tag', { [Input.Reuse]: 'true', [Input.Push]: 'false' }, { allowed: false, why: 'push is false' }],
    ['artifacts need a build', { [Input.Reuse]: 'true', [Input.Artifacts]: 'build:/out/app.deb' }, { allowed: false, why: 'artifacts come out of a build' }]
  ])('%s', (_, raw, expected) => {
    expect(decided(raw).publish.reuse).toEqual(expected)
  })

  test('reuse signed: allowed only where the adapter can check a signature, else says why not', () => {
    const trust = { expected: { repository: 'acme/app' }, trustedRoots: [] } as unknown as NonNullable<Workspace['trust']>
    expect(specs(inputs({ [Input.Reuse]: 'signed' }), { trust }).publish.reuse).toEqual({ allowed: true })
    expect(specs(inputs({ [Input.Reuse]: 'signed' }), {}).publish.reuse).toEqual({
      allowed: false,
      why: "reuse is signed, and this run cannot check a record's signature (it needs id-token: write, and a public repository or sigstore-trusted-root)"
    })
    // What only a build gives still wins.
    expect(specs(inputs({ [Input.Reuse]: 'signed', [Input.Rebuild]: 'true' }), { trust }).publish.reuse).toEqual({ allowed: false, why: 'rebuild is true' })
  })

  test('logins are for pushing, or for a build that asks for them', () => {
    const login = { [Input.RegistryLogins]: 'ghcr.io=bot:not-a-real-token' }
    expect(decided(login).publish).toMatchObject({ logins: [expect.objectContaining({ registry: 'ghcr.io', username: 'bot' })], loginsUnused: false })
    expect(decided({ ...login, [Input.Push]: 'false' }).publish).toMatchObject({ logins: [], loginsUnused: true })
    expect(decided({ ...login, [Input.Push]: 'false', [Input.BuildLogin]: 'true' }).publish.logins).toHaveLength(1)
    expect(decided({ [Input.Push]: 'false' }).publish.loginsUnused).toBe(false)
  })

  test("a pull request's run writes no layer cache unless cache-pull-requests is write; any other run does", () => {
    expect(decided({}).build.cacheWrite).toBe(true)
    expect(decided({}, { branch: 'main' }).build.cacheWrite).toBe(true)
    expect(decided({}, { branch: 'feature', pr: 7 }).build.cacheWrite).toBe(false)
    expect(decided({ [Input.CachePullRequests]: 'write' }, { branch: 'feature', pr: 7 }).build.cacheWrite).toBe(true)
  })

  test('registry-timeout in seconds becomes the policy in milliseconds', () => {
    expect(decided({ [Input.RegistryTimeout]: '7', [Input.RegistryRetries]: '2' }).publish).toMatchObject({ timeoutMs: 7000, retries: 2 })
  })

  test('a plan carries typed specs, not the inputs', async () => {
    const p = await plan(inputs({ [Input.TestCommand]: 'make test', [Input.Target]: 'runtime', [Input.BuildArgs]: 'A=1' }), workspace())
    expect(p).not.toHaveProperty('inputs')
    expect(p).toMatchObject({ mode: 'build', target: 'runtime', wholeTree: true, mtime: 'content', test: { unit: 'make test', integration: '' }, build: { buildArgs: ['A=1'] } })
  })
})
