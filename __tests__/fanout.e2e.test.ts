// Native fan-out: each platform is built and tested by a run of its own, which hands its tested image
// on; a last run assembles one index of exactly those images and pushes it, only if every platform passed.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { pullFromRegistry, registryBlob, registryDigest, registryManifest, registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

// Two builds, one of them emulated, and a third emulated run whose test fails.
jest.setTimeout(1_800_000)

const PLATFORMS = ['linux/amd64', 'linux/arm64']
const MACHINES: Record<string, string> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64' }
const login = { 'registry-username': testbed.username, 'registry-password': testbed.password, 'build-login': 'true' }

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir)
  commit = origin.commit('one commit, a job per platform', '2024-05-06T07:08:09Z')
})

/** One platform's job: built and tested on its own, never pushed, its tested image handed on to `dir`. */
const platformJob = (platform: string, dir: string, testCommand = 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml'): Promise<ActionRun> =>
  runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: {
      image: uniqueImage('fanout-job'),
      platforms: platform,
      builder: testbed.multiBuilder,
      'build-args': `BASE=${testbed.multiBaseRef}`,
      'test-command': `echo "machine=$(uname -m)" && ${testCommand}`,
      'test-results': '/tmp/results',
      push: 'false',
      'export-dir': dir,
      ...login
    }
  })

/** The last job: the handed-on images of `dir`, assembled and pushed to `image`. */
const assembleJob = (image: string, dir: string): Promise<ActionRun> =>
  runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: { image, platforms: PLATFORMS.join(','), 'assemble-from': dir, tags: 'latest', ...login }
  })

/** The index the registry holds for a tag: each platform's manifest digest. */
async function indexed(image: string, tag: string): Promise<Record<string, string>> {
  const index = JSON.parse(await registryManifest(image, tag)) as { mediaType: string; manifests: { digest: string; platform?: { os: string; architecture: string } }[] }
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  return Object.fromEntries(index.manifests.map(m => [`${m.platform?.os}/${m.platform?.architecture}`, m.digest]))
}

/** Directories of image archives this file made: removed at the end, as they are large. */
const made: string[] = []
const madeDir = (prefix: string): string => {
  const dir = tempDir(prefix)
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A directory of hard links to `from`'s files (the archives are large), with some records rewritten. */
function copyOf(from: string, edit: (file: string, record: Record<string, unknown>) => void = () => undefined): string {
  const dir = madeDir('handed-on-copy')
  for (const name of readdirSync(from)) {
    if (!name.endsWith('.json')) {
      linkSync(join(from, name), join(dir, name))
      continue
    }
    const record = JSON.parse(readFileSync(join(from, name), 'utf8')) as Record<string, unknown>
    edit(name, record)
    writeFileSync(join(dir, name), JSON.stringify(record))
  }
  return dir
}

describe('linux/amd64 and linux/arm64, each in a job of its own, then one index', () => {
  const handedOn = madeDir('handed-on')
  const jobs: Record<string, ActionRun> = {}
  let image: string
  let assembled: ActionRun

  beforeAll(async () => {
    for (const platform of PLATFORMS) jobs[platform] = await platformJob(platform, handedOn)
    image = uniqueImage('fanout')
    assembled = await assembleJob(image, handedOn)
  })

  test.each(PLATFORMS)('the %s job passes on its own machine, pushes nothing, and hands on the image it tested', async platform => {
    const job = jobs[platform]
    expect(job.errors).toEqual([])
    expect(job.exitCode).toBe(0)
    expect(job.stdout.match(/^machine=\S+$/gm)).toEqual([`machine=${MACHINES[platform]}`])
    const slug = platform.replace('/', '-')
    expect(job.outputs.exported).toBe(join(handedOn, `${slug}.tar`))
    const record = JSON.parse(readFileSync(join(handedOn, `${slug}.json`), 'utf8')) as { platform: string; digest: string; commit: string; tests: { passed: boolean }[] }
    expect(record).toMatchObject({ platform, commit, digest: job.outputs.digest })
    expect(record.tests.map(t => t.passed)).toEqual([true])
    expect(await registryTags(job.outputs.image)).toEqual([])
  })

  test('the assembly pushes one index listing exactly the two tested digests, and every tag names it', async () => {
    expect(assembled.errors).toEqual([])
    expect(assembled.exitCode).toBe(0)
    expect(await indexed(image, commit)).toEqual(Object.fromEntries(PLATFORMS.map(p => [p, jobs[p].outputs.digest])))
    expect(assembled.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await registryDigest(image, commit)).toBe(assembled.outputs.digest)
    expect(await registryDigest(image, 'latest')).toBe(assembled.outputs.digest)
    expect(assembled.outputs.tags.split('\n')).toEqual([`${image}:${commit}`, `${image}:latest`])
    // No build, no test container: the tests that count are the jobs' own, reported per platform.
    expect(assembled.stdout).not.toMatch(/^machine=/m)
    // A platform job measures its Dockerfile; the assembly, which builds nothing, does not.
    expect(jobs['linux/amd64'].stdout).toMatch(/Dockerfile advice/)
    expect(assembled.stdout).not.toMatch(/Dockerfile advice/)
    for (const platform of PLATFORMS) expect(assembled.summary).toMatch(new RegExp(`\\| Unit tests on ${platform} \\| passed in`))
    // The assembled layout lived in the run's scratch directory, removed with it.
    expect(readdirSync(assembled.runnerTemp).filter(n => n.startsWith('hashdock-'))).toEqual([])
  })

  test('the jobs\' test results vouch for the index and each platform\'s manifest: one test-result attestation beside each, naming both platforms\' tests', async () => {
    expect(assembled.outputs.attestation).toMatch(/^sha256:[0-9a-f]{64}$/)
    const fallback = JSON.parse(await registryManifest(image, assembled.outputs.digest.replace(':', '-'))) as { manifests: { digest: string }[] }
    expect(fallback.manifests.map(m => m.digest)).toEqual([assembled.outputs.attestation])
    const record = JSON.parse(await registryManifest(image, assembled.outputs.attestation)) as { subject: { digest: string }; layers: { digest: string }[] }
    expect(record.subject.digest).toBe(assembled.outputs.digest)
    const statement = JSON.parse(await registryBlob(image, record.layers[0].digest)) as {
      subject: { digest: { sha256: string } }[]
      predicate: { result: string; passedTests: string[]; configuration: { digest?: { gitCommit?: string } }[] }
    }
    expect(statement.subject.map(s => `sha256:${s.digest.sha256}`)).toEqual([assembled.outputs.digest, ...PLATFORMS.map(p => jobs[p].outputs.digest)])
    // The same statement beside each platform's manifest, bound to it: found from the digest a deployer pulls.
    for (const platform of PLATFORMS) {
      const beside = JSON.parse(await registryManifest(image, jobs[platform].outputs.digest.replace(':', '-'))) as { manifests: { digest: string }[] }
      expect(beside.manifests).toHaveLength(1)
      const platformRecord = JSON.parse(await registryManifest(image, beside.manifests[0].digest)) as { subject: { digest: string }; layers: { digest: string }[] }
      expect(platformRecord.subject.digest).toBe(jobs[platform].outputs.digest)
      expect(platformRecord.layers[0].digest).toBe(record.layers[0].digest)
    }
    expect(statement.predicate.result).toBe('PASSED')
    expect(statement.predicate.configuration[0].digest?.gitCommit).toBe(commit)
    for (const platform of PLATFORMS) {
      expect(statement.predicate.passedTests.filter(t => t.endsWith(` [${platform}]`)).length).toBeGreaterThan(0)
    }
  })

  test('the index pulls as an image, and the engine\'s own platform of it runs', () => {
    const ref = pullFromRegistry(image, assembled.outputs.digest)
    try {
      expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'uname', ref, '-m'], { encoding: 'utf8' }).trim()).toBe('x86_64')
    } finally {
      execFileSync('docker', ['image', 'rm', ref], { stdio: 'ignore' })
    }
  })

  test('a second assembly of the same archives, from the CLI, gives the same index digest', async () => {
    const again = uniqueImage('fanout-again')
    const cli = await runCli(['build', '--image', again, '--platforms', PLATFORMS.join(','), '--assemble-from', handedOn, '--push', 'true', '--json', '--registry-username', testbed.username], {
      cwd: origin.clone(),
      env: { HASHDOCK_REGISTRY_PASSWORD: testbed.password }
    })
    expect(cli.stderr).not.toMatch(/Failed at/)
    expect(cli.exitCode).toBe(0)
    expect((JSON.parse(cli.stdout) as { digest: string }).digest).toBe(assembled.outputs.digest)
    expect(await registryDigest(again, commit)).toBe(assembled.outputs.digest)
  })

  test('a record whose digest is not its archive\'s image is refused in one line, and nothing is pushed', async () => {
    const tampered = copyOf(handedOn, (file, record) => {
      if (file === 'linux-arm64.json') record.digest = jobs['linux/amd64'].outputs.digest
    })
    const target = uniqueImage('fanout-tampered')
    const run = await assembleJob(target, tampered)
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`assemble-from: linux-arm64.json names the linux/arm64 image ${jobs['linux/amd64'].outputs.digest}, but linux-arm64.tar holds the linux/arm64 image ${jobs['linux/arm64'].outputs.digest}`)
    expect(await registryTags(target)).toEqual([])
  })

  test('a platform handed on twice, or images of two commits, are refused', async () => {
    const twice = copyOf(handedOn)
    writeFileSync(join(twice, 'linux-arm64-again.json'), readFileSync(join(handedOn, 'linux-arm64.json')))
    const target = uniqueImage('fanout-twice')
    const run = await assembleJob(target, twice)
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain('assemble-from: linux/arm64 is handed on twice (linux-arm64-again.json and linux-arm64.json)')

    const other = copyOf(handedOn, (file, record) => {
      if (file === 'linux-amd64.json') record.commit = 'f'.repeat(40)
    })
    const mixed = await assembleJob(target, other)
    expect(mixed.exitCode).toBe(1)
    expect(mixed.errors[0]).toContain('assemble-from: the images are of different commits')
    expect(await registryTags(target)).toEqual([])
  })

  describe('a test that fails only on linux/arm64', () => {
    let partial: string
    let armJob: ActionRun
    let refused: ActionRun
    let target: string

    beforeAll(async () => {
      // The linux/amd64 job's hand-on as it was; the linux/arm64 job runs again, and fails.
      partial = madeDir('handed-on-partial')
      for (const name of ['linux-amd64.tar', 'linux-amd64.json']) linkSync(join(handedOn, name), join(partial, name))
      armJob = await platformJob('linux/arm64', partial, 'test "$(uname -m)" = x86_64')
      target = uniqueImage('fanout-armfails')
      refused = await assembleJob(target, partial)
    })

    test('the linux/arm64 job fails on its own machine and hands nothing on', () => {
      expect(armJob.exitCode).toBe(1)
      expect(armJob.stdout.match(/^machine=\S+$/gm)).toEqual(['machine=aarch64'])
      expect(armJob.outputs.exported).toBeUndefined()
      expect(readdirSync(partial).sort()).toEqual(['linux-amd64.json', 'linux-amd64.tar'])
      expect(existsSync(join(partial, 'linux-arm64.tar'))).toBe(false)
    })

    test('the assembly refuses in one line naming the missing platform, and pushes nothing', async () => {
      expect(refused.exitCode).toBe(1)
      expect(refused.errors).toHaveLength(1)
      expect(refused.errors[0]).toMatch(/assemble-from: holds no tested image for linux\/arm64: /)
      expect(refused.errors[0]).not.toMatch(/linux\/amd64/)
      expect(await registryTags(target)).toEqual([])
    })
  })
})
