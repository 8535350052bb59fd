// Several platforms from one build: every platform's image is tested (arm64 under emulation) and one
// index of exactly the tested images is pushed, only when every platform passed.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { startSigstore, type SigstoreStandIn } from '../test/support/sigstore.js'
import { registryManifest, registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

// Two platforms, one of them emulated, built cold twice.
jest.setTimeout(1_200_000)

const PLATFORMS = ['linux/amd64', 'linux/arm64']
const MACHINES: Record<string, string> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64' }

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir)
  commit = origin.commit('one commit, two platforms', '2024-05-06T07:08:09Z')
})

/** A builder of the tests' own, emptied so the build is cold: never one that other tests share. */
const pruneBuilder = (): void => {
  execFileSync('docker', ['buildx', 'prune', '--all', '--force', '--builder', testbed.multiBuilder], { stdio: 'ignore' })
}

const build = (image: string, extra: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> =>
  runAction({
    workspace: origin.clone(),
    sha: commit,
    env,
    inputs: {
      image,
      platforms: PLATFORMS.join(','),
      builder: testbed.multiBuilder,
      'build-args': `BASE=${testbed.multiBaseRef}`,
      'test-command': 'echo "machine=$(uname -m)" && python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml',
      'test-results': '/tmp/results',
      'registry-username': testbed.username,
      'registry-password': testbed.password,
      // Runs that do not push read the base image with the login too.
      'build-login': 'true',
      ...extra
    }
  })

/** The lines of each log group, by the group's title. */
function groups(stdout: string): Map<string, string> {
  const found = new Map<string, string>()
  let title: string | undefined
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::group::')) title = line.slice('::group::'.length)
    else if (line.startsWith('::endgroup::')) title = undefined
    else if (title) found.set(title, `${found.get(title) ?? ''}${line}\n`)
  }
  return found
}

interface IndexEntry {
  digest: string
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

/** The index the registry holds for a tag: each platform's manifest digest, attestations left out. */
async function indexedPlatforms(image: string, tag: string): Promise<Record<string, string>> {
  const index = JSON.parse(await registryManifest(image, tag)) as { mediaType: string; manifests?: IndexEntry[] }
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  return Object.fromEntries(
    (index.manifests ?? [])
      .filter(m => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
      .map(m => [`${m.platform?.os}/${m.platform?.architecture}`, m.digest])
  )
}

describe('linux/amd64 and linux/arm64 from one build', () => {
  // Signed against the test bed's Sigstore, with provenance beside the index: what a release job does.
  const WORKFLOW = 'acme/app/.github/workflows/release.yml@refs/heads/main'
  let image: string
  let first: ActionRun
  let sigstore: SigstoreStandIn

  beforeAll(async () => {
    image = uniqueImage('multiplatform')
    sigstore = await startSigstore()
    pruneBuilder()
    first = await build(image, { 'sigstore-instance': sigstore.instance, 'github-attestations': 'false', provenance: 'true' }, { GITHUB_WORKFLOW_REF: WORKFLOW, ...sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit }) })
  })

  afterAll(() => sigstore?.close())

  test('passes, and each platform\'s test container ran on its own machine', () => {
    expect(first.errors).toEqual([])
    expect(first.exitCode).toBe(0)
    const log = groups(first.stdout)
    for (const platform of PLATFORMS) {
      const tests = log.get(`Unit tests on ${platform}`) ?? ''
      expect(tests.match(/^machine=\S+$/gm)).toEqual([`machine=${MACHINES[platform]}`])
      expect(tests).toMatch(/\d+ passed/)
    }
    expect(first.stdout.match(/^machine=/gm)).toHaveLength(PLATFORMS.length)
  })

  test('the registry holds one index, listing exactly the digests that were tested', async () => {
    const indexed = await indexedPlatforms(image, commit)
    expect(Object.keys(indexed).sort()).toEqual(PLATFORMS)
    const log = groups(first.stdout)
    for (const platform of PLATFORMS) {
      const tested = new RegExp(`^${platform}: image (sha256:[0-9a-f]{64})$`, 'm').exec(log.get(`Unit tests on ${platform}`) ?? '')?.[1]
      expect(tested).toBe(indexed[platform])
    }
    expect(first.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await registryTags(image)).toContain(commit)
  })

  test('the summary reports each platform\'s image, tests and JUnit results', () => {
    for (const platform of PLATFORMS) {
      expect(first.summary).toMatch(new RegExp(`\\| unit on ${platform}: pytest \\| [1-9]\\d* \\| 0 \\|`))
      expect(first.summary).toMatch(new RegExp(`\\| Image ${platform} \\| \`sha256:[0-9a-f]{64}\` \\|`))
      expect(first.summary).toMatch(new RegExp(`\\| Unit tests on ${platform} \\| passed in`))
    }
  })

  test('signed: hashdock verify accepts the record from the index and from each platform\'s manifest, with the provenance beside each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-test-multi-verify-'))
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [testbed.registry]: { auth: Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64') } } }))
    writeFileSync(join(dir, 'trusted_root.json'), JSON.stringify(sigstore.trustedRoot))
    expect(first.outputs['provenance-attestation']).toMatch(/^sha256:[0-9a-f]{64}$/)
    const indexed = await indexedPlatforms(image, commit)
    for (const digest of [first.outputs.digest, ...PLATFORMS.map(p => indexed[p])]) {
      const r = await runCli(['verify', `${image}@${digest}`, '--repository', 'acme/app', '--workflow', '.github/workflows/release.yml', '--trusted-root', join(dir, 'trusted_root.json'), '--json'], { env: { DOCKER_CONFIG: dir } })
      expect([digest, r.stderr, r.exitCode]).toEqual([digest, '', 0])
      const { record } = JSON.parse(r.stdout) as { record: { digest: string; commit: string; signed?: { workflow: string }; provenance?: { builder: string; signed?: object } } }
      expect(record).toMatchObject({ digest, commit, signed: { workflow: `https://github.com/${WORKFLOW}` }, provenance: { builder: `https://github.com/${WORKFLOW}`, signed: { workflow: `https://github.com/${WORKFLOW}` } } })
    }
  })

  test('with reuse, a re-run of the same inputs reuses the pushed index: no build, no test', async () => {
    const again = await build(image, { reuse: 'true' })
    expect(again.exitCode).toBe(0)
    expect(again.outputs.digest).toBe(first.outputs.digest)
    expect(again.summary).toMatch(/already tested, tags re-applied/)
    expect(again.stdout).not.toMatch(/^machine=/m)
  })

  test('a second cold build of the commit, without provenance beside it, gives the same index digest', async () => {
    pruneBuilder()
    const again = await build(uniqueImage('multiplatform-again'))
    expect(again.exitCode).toBe(0)
    expect(again.outputs.digest).toBe(first.outputs.digest)
  })
})

describe('a test that fails only on linux/arm64', () => {
  let image: string
  let run: ActionRun

  beforeAll(async () => {
    image = uniqueImage('multiplatform-armfails')
    run = await build(image, { 'test-command': 'echo "machine=$(uname -m)" && test "$(uname -m)" = x86_64' })
  })

  test('fails the step with one error line naming the platform', () => {
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/unit tests failed on linux\/arm64 \(exit 1\): nothing was pushed/)
    expect(run.errors[0]).not.toMatch(/linux\/amd64/)
  })

  test('ran on both platforms, and pushed nothing, not even the platform that passed', async () => {
    expect(run.summary).toMatch(/\| Unit tests on linux\/amd64 \| passed in/)
    expect(run.summary).toMatch(/\| Unit tests on linux\/arm64 \| failed \(exit 1\)/)
    expect(await registryTags(image)).toEqual([])
  })
})

describe('on an engine without the containerd image store', () => {
  const classic = { DOCKER_HOST: testbed.classicHost }
  let image: string
  let run: ActionRun

  beforeAll(async () => {
    image = uniqueImage('multiplatform-classic')
    run = await build(image, { 'test-command': 'echo "machine=$(uname -m)"', 'test-results': '' }, classic)
  })

  test('each platform\'s image is loaded on its own and tested on its machine; the index of both is pushed', async () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('loaded one platform at a time')
    const log = groups(run.stdout)
    const indexed = await indexedPlatforms(image, commit)
    for (const platform of PLATFORMS) {
      const tests = log.get(`Unit tests on ${platform}`) ?? ''
      expect(tests.match(/^machine=\S+$/gm)).toEqual([`machine=${MACHINES[platform]}`])
      expect(new RegExp(`^${platform}: image (sha256:[0-9a-f]{64})$`, 'm').exec(tests)?.[1]).toBe(indexed[platform])
    }
  })

  test('leaves none of its images in the engine', () => {
    const left = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8', env: { ...process.env, ...classic } })
    expect(left.split('\n').filter(ref => ref.startsWith('hashdock-run-') && ref.includes(commit))).toEqual([])
  })
})
