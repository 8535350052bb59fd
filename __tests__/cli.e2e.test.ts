// The CLI as a developer meets it, against the real engine: a report on a terminal, JSON alone through a
// pipe, and usage errors that say what was wrong.
import { execFileSync } from 'node:child_process'
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { runCli, runCliOnTerminal } from '../test/support/cli.js'
import { registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const ESC = '\x1b'

let checkout: string
let commit: string

beforeAll(() => {
  const origin = new FixtureRepo().copy(exampleDir)
  commit = origin.commit('the example', '2024-05-06T07:08:09Z')
  checkout = origin.clone()
})

const build = (image: string, ...extra: string[]): string[] => [
  'build', '--repo', checkout, '--image', image, '--build-args', `BASE=${testbed.baseImage}`,
  '--test-command', 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml', '--test-results', '/tmp/results', ...extra
]

describe('--json through a pipe', () => {
  let run: Awaited<ReturnType<typeof runCli>>
  let image: string

  beforeAll(async () => {
    image = uniqueImage('clijson')
    run = await runCli(build(image, '--json'))
  })

  test('standard output is the JSON alone, parsed whole: typed values, one key style, a schema version', () => {
    expect(run.exitCode).toBe(0)
    const outputs = JSON.parse(run.stdout)
    expect(Object.keys(outputs)).toEqual([
      'schemaVersion', 'command', 'status', 'outcome', 'failedStage', 'error', 'githash', 'commitTime', 'images', 'tags', 'digest', 'imageId', 'keptImages',
      'reproducible', 'pushed', 'reused', 'buildSeconds', 'sizeBytes', 'platforms', 'tests', 'exported', 'artifacts', 'attestation', 'provenance', 'metadata'
    ])
    expect(outputs).toMatchObject({ schemaVersion: 1, command: 'build', status: 'passed', outcome: 'tested', failedStage: null, error: null, githash: commit, images: [image] })
    expect(outputs.commitTime).toBe(Date.parse('2024-05-06T07:08:09Z') / 1000)
    expect(outputs.tags).toEqual([`${image}:${commit}`])
    // Not pushed, but built and tested: the digest is the tested image's, its ID in a containerd-store engine.
    expect(outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(outputs.imageId).toBe(outputs.digest)
    expect(outputs).toMatchObject({ reproducible: true, pushed: false, reused: false, artifacts: [], attestation: null })
    expect(outputs.tests).toEqual([{ kind: 'unit', platform: null, passed: true, exitCode: 0, seconds: expect.any(Number) }])
    expect(typeof outputs.sizeBytes).toBe('number')
    expect(typeof outputs.metadata).toBe('object')
  })

  test("the phases, BuildKit's progress and the tests' output go to standard error", () => {
    expect(run.stderr).toMatch(/^▸ Build /m)
    expect(run.stderr).toMatch(/^#\d+ \[internal\] load build definition/m)
    expect(run.stderr).toContain('3 passed')
    expect(run.stderr).not.toContain('[command]')
  })

  test('without --push true nothing is pushed', async () => {
    expect(await registryTags(image)).toEqual([])
  })
})

describe('on a terminal', () => {
  test('a report in aligned plain text, with colour, after the log', async () => {
    const run = await runCliOnTerminal(build(uniqueImage('clitty')), { env: { NO_COLOR: '' } })
    expect(run.exitCode).toBe(0)
    const report = run.stdout.slice(run.stdout.lastIndexOf(`${ESC}[32m✔`))
    expect(report).toMatch(new RegExp(`^${ESC}\\[32m✔${ESC}\\[39m ${ESC}\\[1m[^\\n]*clitty[^\\n]*${ESC}\\[22m: ${ESC}\\[32mtested, not pushed`))
    expect(report).toMatch(new RegExp(`\\n {2}Commit +${commit} \\(2024-05-06T07:08:09Z\\)\\n`))
    expect(report).toMatch(/\n {2}Unit tests +\x1b\[32mpassed\x1b\[39m in [\d.]+ s\n/)
    expect(report).toMatch(/\n {2}Digest +sha256:[0-9a-f]{64} \(not pushed\)\n/)
    expect(report).toMatch(/\n {2}Tags \(push is false\) +\S+:[0-9a-f]{40}\n/)
    expect(report).toMatch(/\n\x1b\[1mTest results:\x1b\[22m \x1b\[32m3 passed\x1b\[39m, 0 failed, 0 skipped in /)
    expect(report).toContain('Not pushed: pass --push true')
    expect(report).not.toMatch(/\||<br>|&#95;|\*\*/)
  })

  test("BuildKit's own view on a terminal; every step's lines in a pipe, or with BUILDKIT_PROGRESS=plain", async () => {
    const plainStep = /^#\d+ \[internal\] load build definition/m
    const tty = await runCliOnTerminal(build(uniqueImage('cliview')), { env: { NO_COLOR: '1' } })
    expect(tty.exitCode).toBe(0)
    expect(tty.stdout).toMatch(/\[\+\] Building [\d.]+s/)
    expect(tty.stdout).not.toMatch(plainStep)
    const asked = await runCliOnTerminal(build(uniqueImage('cliviewplain')), { env: { NO_COLOR: '1', BUILDKIT_PROGRESS: 'plain' } })
    expect(asked.stdout).toMatch(plainStep)
    expect(asked.stdout).not.toMatch(/\[\+\] Building/)
    const piped = await runCli(build(uniqueImage('cliviewpipe')))
    expect(piped.stderr).toMatch(plainStep)
    expect(piped.stderr).not.toMatch(/\[\+\] Building/)
    // docker load prints nothing until it is done: the log says what is loading, and how large it is.
    expect(piped.stderr).toMatch(/^Loading the image \([\d.]+ MB\) into the engine$/m)
  })

  test('a step that fails on a terminal: its error in the view, then one line that points to it, exit 1', async () => {
    const broken = new FixtureRepo().write('Dockerfile', `ARG BASE\nFROM \${BASE}\nRUN echo the-step-broke >&2 && exit 7\n`)
    broken.commit('a step that fails', '2024-05-06T07:08:09Z')
    const run = await runCliOnTerminal(['build', '--repo', broken.clone(), '--image', uniqueImage('cliviewfail'), '--build-args', `BASE=${testbed.baseImage}`], { env: { NO_COLOR: '1' } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('the-step-broke')
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^hashdock: failed at build: .*its error is shown above$/)
  })

  test('NO_COLOR: the same report without a colour code', async () => {
    const run = await runCliOnTerminal(build(uniqueImage('clinocolor')), { env: { NO_COLOR: '1' } })
    expect(run.exitCode).toBe(0)
    const report = run.stdout.slice(run.stdout.lastIndexOf('\n✔ ') + 1)
    expect(report).toMatch(/^✔ \S+\/clinocolor-\w+: tested, not pushed\n/)
    expect(report).toMatch(/\n {2}Reproducible +yes\n/)
    expect(report).not.toContain(ESC)
  })
})

describe('the command line is checked before anything runs', () => {
  test.each<[string, string[], RegExp]>([
    ['no image', ['build', '--repo', '.'], /^hashdock: --image: is required/],
    ['push that is not a boolean', ['build', '--image', 'acme/app', '--push', 'yes'], /^hashdock: --push: 'yes' is not a boolean; use true or false$/m],
    ['an unknown flag', ['build', '--image', 'acme/app', '--imgae', 'latest'], /^hashdock: unknown flag --imgae; did you mean --image\?$/m],
    ['an unknown command', ['push', '--image', 'acme/app'], /^hashdock: unknown command 'push'/],
    ['context without --out', ['context'], /^hashdock: --out: give the directory/],
    ['a flag advise does not read', ['advise', '--image', 'x'], /^hashdock: --image: only hashdock build \(and plan\) reads it$/m],
    ['a flag context does not read', ['context', '--out', 'x', '--push', 'true'], /^hashdock: --push: only hashdock build \(and plan\) reads it$/m]
  ])('%s: exit 2, one line naming it, nothing on standard output', async (_, args, message) => {
    const run = await runCli(args, { cwd: checkout })
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(message)
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1)
  })

  test.each<[string, string[], RegExp]>([
    ['a Dockerfile the commit does not have', ['--dockerfile', 'Nope'], /^hashdock: --dockerfile: 'Nope' is not a file at commit [0-9a-f]{12}; pass its path in the repository with --dockerfile$/],
    ['a context that is not a directory', ['--context', 'pytest.ini'], /^hashdock: --context: 'pytest.ini' is not a directory at commit [0-9a-f]{12}$/],
    ['a tag no registry takes', ['--tags', 'not a tag'], /^hashdock: --tags: 'not a tag' gives 'not a tag', not a valid tag/],
    ['the GitHub cache outside GitHub Actions', ['--cache', 'gha'], /^hashdock: --cache: 'gha' needs GitHub's cache service/]
  ])('an input the run finds wrong (%s): exit 2, one line in terminal words, no report', async (_, extra, message) => {
    const run = await runCli(['build', '--repo', checkout, '--image', uniqueImage('cliinput'), '--build-args', `BASE=${testbed.baseImage}`, ...extra])
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    const errors = run.stderr.split('\n').filter(l => l.startsWith('hashdock:'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(message)
    expect(run.stderr).not.toMatch(/^\s+at |set \w+ to|the \w+ input/m)
  })

  test('--help: the commands; build --help: every build flag, exit 0', async () => {
    const overview = await runCli(['--help'])
    expect(overview.exitCode).toBe(0)
    expect(overview.stdout).toMatch(/^build +builds one commit/m)
    const run = await runCli(['build', '--help'])
    expect(run.exitCode).toBe(0)
    for (const flag of ['--push', '--provenance', '--sbom', '--json', '--registry-password-stdin', '--rebuild']) expect(run.stdout).toContain(flag)
    const advise = await runCli(['advise', '--help'])
    expect(advise.stdout).toContain('--commits N')
    expect(advise.stdout).not.toContain('--push')
  })

  test('no docker on PATH: one line saying so and what to do, exit 1, nothing run to clean up', async () => {
    const bin = tempDir('nodocker')
    symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'))
    const run = await runCli(['build', '--repo', checkout, '--image', uniqueImage('clinodocker')], { env: { PATH: bin, HASHDOCK_DEBUG: '1' } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toBe('')
    const lines = run.stderr.split('\n').filter(l => l && !l.startsWith('debug:'))
    expect(lines).toEqual(['hashdock: docker is not installed, or not on PATH: install Docker Engine (or Docker Desktop), then check that `docker version` answers in this shell'])
    expect(run.stderr).not.toMatch(/Unable to locate|warning|could not remove/)
  })

  test('a directory that is not a git checkout: exit 2, naming --repo', async () => {
    const run = await runCli(['build', '--repo', tempDir('plain'), '--image', uniqueImage('cliplain'), '--json'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/^hashdock: --repo: \S+ is not a git checkout; run hashdock inside a git repository, or pass its directory with --repo$/m)
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'input-error', failedStage: 'plan', failedInput: '--repo' })
    expect(run.stderr).not.toContain('actions/checkout')
  })

  test('a missing commit: exit 2, and the fix a developer applies, not a workflow setting', async () => {
    const shallow = new FixtureRepo().copy(exampleDir)
    const first = shallow.commit('one', '2024-01-01T00:00:00Z')
    shallow.write('VERSION', '2\n').commit('two', '2024-01-02T00:00:00Z')
    const run = await runCli(['build', '--repo', shallow.clone(1), '--image', uniqueImage('clishallow'), '--githash', first, '--json'])
    expect(run.exitCode).toBe(2)
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'input-error', failedStage: 'plan', failedInput: '--githash', images: [expect.stringContaining('clishallow')], digest: null })
    expect(run.stderr).toMatch(/^hashdock: --githash: '[0-9a-f]{40}' names no commit in this repository, and this clone is shallow; fetch the full history first: git fetch --unshallow$/m)
    expect(run.stderr).not.toMatch(/fetch-depth|actions\/checkout/)
  })
})

test('a failed test, in text mode: the report on standard output, and the failure on standard error too', async () => {
  const run = await runCli(['build', '--repo', checkout, '--image', uniqueImage('clifailed'), '--build-args', `BASE=${testbed.baseImage}`, '--test-command', 'exit 3'])
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/^✘ \S+: failed at unit tests\n/)
  expect(run.stderr.trimEnd().split('\n').at(-1)).toBe('hashdock: failed at unit tests: unit tests failed (exit 3): nothing was pushed')
})

test('no docker, with --json: the JSON says why, typed as ever, and so does standard error', async () => {
  const bin = tempDir('nodockerjson')
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'))
  const run = await runCli(['build', '--repo', checkout, '--image', 'localhost/acme/app', '--json'], { env: { PATH: bin } })
  expect(run.exitCode).toBe(1)
  expect(JSON.parse(run.stdout)).toMatchObject({ schemaVersion: 1, status: 'failed', failedStage: null, error: expect.stringMatching(/^docker is not installed/), images: ['localhost/acme/app'], tags: [] })
  expect(run.stderr).toMatch(/^hashdock: docker is not installed/)
})

test('a registry that does not answer: a failed run (exit 1), not a usage error, one line naming the image', async () => {
  const run = await runCli(['build', '--repo', checkout, '--image', '127.0.0.1:5999/acme/app', '--build-args', `BASE=${testbed.baseImage}`, '--push', '--json'])
  expect(run.exitCode).toBe(1)
  expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', failedStage: 'push', error: expect.stringMatching(/^--image: /) })
  expect(run.stderr.split('\n').filter(l => l.startsWith('hashdock:'))).toEqual([expect.stringMatching(/^hashdock: failed at push: --image: .*127\.0\.0\.1:5999/)])
})

describe('hashdock plan: what a build would do, and nothing done', () => {
  test('the commit, the tags, a skipped line and why, the labels, and the exact command lines; nothing built or pushed', async () => {
    const image = uniqueImage('cliplan')
    const run = await runCli(['plan', '--repo', checkout, '--image', image, '--build-args', `BASE=${testbed.baseImage}`, '--tags', 'latest', '--tags', '{version}', '--push'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(`  Commit  ${commit} (2024-05-06T07:08:09Z)\n`)
    expect(run.stdout).toContain(`\nTags\n  ${image}:${commit}\n  ${image}:latest\n`)
    expect(run.stdout).toMatch(/^ {2}tags: '\{version\}' skipped: no semver tag/m)
    expect(run.stdout).toContain(`  org.opencontainers.image.revision=${commit}\n`)
    const buildx = run.stdout.split('\n').find(l => l.startsWith('  docker buildx build ')) ?? ''
    expect(buildx).toContain(`--build-arg SOURCE_DATE_EPOCH=0 --build-arg BASE=${testbed.baseImage}`)
    expect(buildx).toMatch(/--output type=docker,dest=\S+\/image\.tar,oci-mediatypes=true,rewrite-timestamp=true,compression=zstd,force-compression=true,name=hashdock-run-\w+:[0-9a-f]{40} \S+\/context\/tree$/)
    expect(run.stdout).toMatch(new RegExp(`^ {2}skopeo --command-timeout 300s copy .* oci-archive:\\S+/image\\.tar 'docker://${image.replace(/[.]/g, '\\.')}@<digest>'$`, 'm'))
    // Nothing happened: no build ran, no tag was written.
    expect(run.stderr).not.toMatch(/^#\d+ /m)
    expect(await registryTags(image)).toEqual([])
  })

  test('build --dry-run is the same plan, and --json gives it typed', async () => {
    const image = uniqueImage('clidryrun')
    const run = await runCli(['build', '--dry-run', '--repo', checkout, '--image', image, '--build-args', `BASE=${testbed.baseImage}`, '--json'])
    expect(run.exitCode).toBe(0)
    const planned = JSON.parse(run.stdout)
    expect(planned).toMatchObject({ schemaVersion: 1, command: 'plan', status: 'passed', commit, images: [image], references: [`${image}:${commit}`] })
    expect(planned.commands).toHaveLength(1)
    expect(planned.commands[0].slice(0, 3)).toEqual(['docker', 'buildx', 'build'])
  })

  test('a wrong input is found as the build would find it: exit 2, one line', async () => {
    const run = await runCli(['plan', '--repo', checkout, '--image', uniqueImage('cliplanbad'), '--dockerfile', 'Nope'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr.split('\n').filter(l => l.startsWith('hashdock:'))).toEqual([expect.stringMatching(/^hashdock: --dockerfile: 'Nope' is not a file at commit/)])
  })
})

describe('context --out, as `tar -x -C DIR` takes it', () => {
  test('a new directory, or an existing empty one: the context is written there', async () => {
    for (const out of [join(tempDir('ctxnew'), 'context'), tempDir('ctxempty')]) {
      const run = await runCli(['context', '--repo', checkout, '--out', out])
      expect(run.exitCode).toBe(0)
      expect(readdirSync(out)).toContain('Dockerfile')
    }
  })

  test('no engine is needed: with none reachable, the context is written and nothing is said of one', async () => {
    const out = join(tempDir('ctxnoengine'), 'context')
    const run = await runCli(['context', '--repo', checkout, '--out', out], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', HASHDOCK_DEBUG: '1' } })
    expect(run.exitCode).toBe(0)
    expect(readdirSync(out)).toContain('Dockerfile')
    expect(run.stderr).toMatch(/^debug: \$ git .* archive /m)
    expect(run.stderr).not.toMatch(/^debug: \$ docker |warning|could not/im)
  })

  test('a directory that is not empty: exit 2, and nothing in it touched', async () => {
    const out = tempDir('ctxfull')
    writeFileSync(join(out, 'mine.txt'), 'keep\n')
    const run = await runCli(['context', '--repo', checkout, '--out', out])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/^hashdock: --out: '\S+' is not empty; give a new or empty directory$/m)
    expect(readdirSync(out)).toEqual(['mine.txt'])
  })
})
