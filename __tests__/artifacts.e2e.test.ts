// Files out of a build stage, end to end: the deb-service example's builder stage makes a .deb, the
// runtime stage installs it, and the .deb is uploaded (to a stand-in of GitHub's artifact service) or
// written to --artifacts-dir only once the tests passed, the same bytes on every cold build.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runAction, type ActionRun } from '../test/support/action.js'
import { startArtifactServer, type ArtifactServer } from '../test/support/artifact-server.js'
import { runCli } from '../test/support/cli.js'
import { registryDigest, uniqueImage } from '../test/support/registry.js'
import { FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const exampleDir = fileURLToPath(new URL('../examples/deb-service', import.meta.url))
const DEB = 'builder:out/greeter_1.0.0_all.deb'
const DEB_FILE = 'builder/out/greeter_1.0.0_all.deb'
const TEST = 'greeter greet hashdock | grep -x "Hello, hashdock!" && dpkg -s greeter | grep -x "Status: install ok installed"'
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

interface Listed {
  name: string
  size: number
  sha256: string
}

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir)
  commit = origin.commit('a service shipped as a .deb', '2024-05-06T07:08:09Z')
})

const inputs = (extra: Record<string, string>): Record<string, string> => ({
  image: uniqueImage('deb-service'),
  'build-args': `BASE=${testbed.baseImage}`,
  'test-command': TEST,
  artifacts: DEB,
  push: 'false',
  ...extra
})

/** Every file of an uploaded zip, by path. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const dir = tempDir('unzip')
  writeFileSync(join(dir, 'artifact.zip'), zip)
  execFileSync('unzip', ['-q', join(dir, 'artifact.zip'), '-d', join(dir, 'out')])
  const names = execFileSync('find', ['.', '-type', 'f'], { cwd: join(dir, 'out'), encoding: 'utf8' }).split('\n').filter(Boolean)
  return new Map(names.map(n => [n.replace(/^\.\//, ''), readFileSync(join(dir, 'out', n))]))
}

describe('two cold builds of the example, through the action', () => {
  const runs: { run: ActionRun; server: ArtifactServer }[] = []

  beforeAll(async () => {
    for (const push of ['true', 'false']) {
      const server = await startArtifactServer()
      const extra = { 'no-cache': 'true', push, ...(push === 'true' ? { 'registry-username': testbed.username, 'registry-password': testbed.password } : {}) }
      runs.push({ server, run: await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs(extra), env: server.env }) })
    }
  })
  afterAll(async () => {
    for (const { server } of runs) await server.close()
  })

  test('each passes, pushes what it tested, and uploads one workflow artifact named after the commit', async () => {
    for (const { run, server } of runs) {
      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(server.artifacts().map(a => a.name)).toEqual([`hashdock-${commit.slice(0, 7)}`])
    }
    const pushed = runs[0].run
    expect(await registryDigest(pushed.outputs.image, commit)).toBe(pushed.outputs.digest)
  })

  test('the .deb is byte for byte the same on both, as the outputs, the summary and the uploaded zip say', () => {
    const listed = runs.map(({ run }) => JSON.parse(run.outputs.artifacts) as Listed[])
    const debs = runs.map(({ server }) => unzip(server.artifacts()[0].zip))
    for (const [i, { run }] of runs.entries()) {
      expect([...debs[i].keys()]).toEqual([DEB_FILE])
      const bytes = debs[i].get(DEB_FILE) as Buffer
      expect(listed[i]).toEqual([{ name: DEB, size: bytes.length, sha256: sha256(bytes) }])
      expect(run.summary).toContain(`| ${DEB.replace(/_/g, '&#95;')} | ${bytes.length.toLocaleString('en-US')} B | \`${sha256(bytes)}\` |`)
      expect(run.summary).toContain(`### Artifacts: workflow artifact hashdock-${commit.slice(0, 7)}`)
      // A real Debian package, as dpkg-deb reads it.
      const deb = join(tempDir('deb'), 'greeter.deb')
      writeFileSync(deb, bytes)
      expect(execFileSync('dpkg-deb', ['--field', deb, 'Package', 'Version'], { encoding: 'utf8' })).toBe('Package: greeter\nVersion: 1.0.0\n')
    }
    expect(sha256(debs[0].get(DEB_FILE) as Buffer)).toBe(sha256(debs[1].get(DEB_FILE) as Buffer))
    expect(listed[0]).toEqual(listed[1])
    // Both image builds ran the builder stage itself, not a cached result; the export then reused it.
    for (const { run } of runs) {
      const at = run.stdout.indexOf('Exporting builder:')
      expect(at).toBeGreaterThan(0)
      const [image, exported] = [run.stdout.slice(0, at), run.stdout.slice(at)]
      expect(image).toMatch(/\[builder 3\/3\] RUN mkdir \/out && dpkg-deb[^\n]*\n(?!#\d+ CACHED)/)
      expect(exported).toMatch(/\[builder 3\/3\] RUN mkdir \/out && dpkg-deb[^\n]*\n#\d+ CACHED/)
    }
  })
})

test("a fan-out's platform job uploads its files under a name of its platform's own", async () => {
  const server = await startArtifactServer()
  try {
    const run = await runAction({
      workspace: origin.clone(),
      sha: commit,
      inputs: inputs({ platforms: 'linux/amd64', 'export-dir': join(tempDir('handed-on'), 'out') }),
      env: server.env
    })
    expect(run.errors).toEqual([])
    expect(server.artifacts().map(a => a.name)).toEqual([`hashdock-${commit.slice(0, 7)}-linux-amd64`])
    expect([...unzip(server.artifacts()[0].zip).keys()]).toEqual([DEB_FILE])
  } finally {
    await server.close()
  }
})

describe('nothing is delivered unless the tests pass', () => {
  test('a failing test uploads nothing and sets no artifacts output', async () => {
    const server = await startArtifactServer()
    try {
      const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ 'test-command': 'greeter greet hashdock | grep -x "Goodbye"' }), env: server.env })
      expect(run.exitCode).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toMatch(/unit tests failed/)
      expect(server.requests()).toEqual([])
      expect(run.outputs.artifacts).toBeUndefined()
      expect(run.summary).toContain('### Artifacts: exported, not delivered: the run did not pass')
    } finally {
      await server.close()
    }
  })

  test('a failing test writes nothing into --artifacts-dir', async () => {
    const dir = join(tempDir('artifacts-dir'), 'out')
    const cli = await runCli(['build', '--repo', origin.clone(), '--image', uniqueImage('deb-service'), '--build-args', `BASE=${testbed.baseImage}`, '--test-command', 'false', '--artifacts', DEB, '--artifacts-dir', dir])
    expect(cli.exitCode).toBe(1)
    expect(existsSync(dir)).toBe(false)
  })
})

describe('bad artifacts are one line naming the input, before anything is built', () => {
  test.each([
    ['a line without a stage', 'out/greeter.deb', /^::error::artifacts: 'out\/greeter.deb' is not STAGE:PATH/],
    ['a path out of the stage', 'builder:out/../../etc', /^::error::artifacts: 'out\/..\/..\/etc' in .* must be a path inside the stage's root/],
    ['the stage\'s root itself', 'builder:/', /^::error::artifacts: '\/' in 'builder:\/' must be a path inside the stage's root, not the root itself/],
    ['a stage the Dockerfile does not have', 'packager:out/greeter.deb', /^::error::artifacts: 'packager:out\/greeter.deb': Dockerfile has no stage 'packager'; its stages: builder, runtime$/]
  ])('%s', async (_what, line, error) => {
    const server = await startArtifactServer()
    try {
      const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ artifacts: line }), env: server.env })
      expect(run.exitCode).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toMatch(error)
      expect(run.stdout).not.toMatch(/^#\d+ /m)
      expect(run.stdout).not.toMatch(/\n\s+at .*\.js:\d+/)
    } finally {
      await server.close()
    }
  })

  test('a runner without the artifact service is told so before the build', async () => {
    const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({}) })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([expect.stringMatching(/^::error::artifacts: needs GitHub's artifact service/)])
    expect(run.stdout).not.toMatch(/^#\d+ /m)
  })
})

describe('the CLI writes the files to --artifacts-dir', () => {
  let dir: string
  let cli: Awaited<ReturnType<typeof runCli>>

  beforeAll(async () => {
    dir = join(tempDir('artifacts-dir'), 'new')
    // A directory of the stage, named as its Dockerfile names it (/out): every file in it, each at its path.
    cli = await runCli(['build', '--repo', origin.clone(), '--image', uniqueImage('deb-service'), '--build-args', `BASE=${testbed.baseImage}`, '--test-command', TEST, '--artifacts', 'builder:/out', '--artifacts-dir', dir, '--json'])
  })

  test('the .deb lands at its stage and path, with the image clock as its time, as the JSON says', () => {
    expect(cli.exitCode).toBe(0)
    const file = join(dir, DEB_FILE)
    const bytes = readFileSync(file)
    expect(lstatSync(file).mtimeMs).toBe(0)
    expect((JSON.parse(cli.stdout) as { artifacts: unknown }).artifacts).toEqual([{ name: DEB, size: bytes.length, sha256: sha256(bytes) }])
    expect(cli.stderr).toContain(`Delivered 1 file(s): written to ${dir}`)
  })

  test.each([
    ['a path the stage does not have', 'builder:out/missing.deb', /^hashdock: --artifacts: 'builder:out\/missing.deb': the stage builder has no \/out\/missing.deb; check the path, relative to the stage's root$/m],
    ['an empty directory', 'builder:tmp', /^hashdock: --artifacts: 'builder:tmp' is an empty directory in the stage; name a file or a directory that holds one$/m]
  ])('%s fails the run at artifacts, before the tests, and writes nothing', async (_what, line, message) => {
    const none = join(tempDir('artifacts-dir'), 'none')
    const run = await runCli(['build', '--repo', origin.clone(), '--image', uniqueImage('deb-service'), '--build-args', `BASE=${testbed.baseImage}`, '--test-command', TEST, '--artifacts', line, '--artifacts-dir', none, '--json'])
    // A path the stage does not have is a wrong input, found once the stage is built.
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toContain('Unit tests')
    expect(existsSync(none)).toBe(false)
  })

  test('--artifacts without --artifacts-dir is a usage error naming the flag', async () => {
    const bad = await runCli(['build', '--repo', origin.dir, '--image', uniqueImage('deb-service'), '--artifacts', DEB])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr.split('\n')[0]).toBe('hashdock: --artifacts-dir: give the directory --artifacts are written to, e.g. --artifacts-dir dist')
  })
})
