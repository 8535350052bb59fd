// The founding pipeline end to end: the bundled action against the real engine, registry and git.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type ActionOptions } from '../test/support/action.js'
import { pullFromRegistry, registryDigest, registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo, git, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const OLD_TIME = '2024-01-02T03:04:05Z'
const NEW_TIME = '2024-03-04T05:06:07Z'
const unix = (iso: string): number => Date.parse(iso) / 1000

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim()
/** The log as the runner shows it: it consumes ::add-mask:: lines (that is how setSecret reaches it). */
const shown = (stdout: string): string => stdout.split('\n').filter(l => !l.startsWith('::add-mask::')).join('\n')
/** Runs a shell command in a fresh container of an image. */
const inImage = (ref: string, script: string): string => docker('run', '--rm', '--entrypoint', '/bin/sh', ref, '-c', script)

let origin: FixtureRepo
let oldCommit: string
let newCommit: string

beforeAll(() => {
  origin = new FixtureRepo()
    .copy(exampleDir)
    .write('VERSION', '1\n')
    .write('notes/internal.txt', 'kept out of images by export-ignore\n')
    .write('.gitattributes', 'notes/ export-ignore\n')
  oldCommit = origin.commit('first version', OLD_TIME)
  newCommit = origin.write('VERSION', '2\n').write('app/extra.py', 'EXTRA = True\n').commit('second version', NEW_TIME)
})

const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }

function options(workspace: string, inputs: Record<string, string>): ActionOptions {
  return {
    workspace,
    sha: newCommit,
    inputs: { 'build-args': `BASE=${testbed.baseImage}`, 'test-command': 'python -m pytest -q tests/unit', ...inputs }
  }
}

describe('a commit becomes a tested image in the registry', () => {
  let image: string
  let run: Awaited<ReturnType<typeof runAction>>
  let workspace: string
  /** The image as the registry holds it, pulled by digest. */
  let pushed: string

  beforeAll(async () => {
    image = uniqueImage('app')
    workspace = origin.clone()
    // What a runner's checkout may hold beside the commit: none of it may reach the image.
    writeFileSync(join(workspace, 'untracked.txt'), 'not committed\n')
    writeFileSync(join(workspace, 'VERSION'), 'modified in the working tree\n')
    run = await runAction(options(workspace, { image, tags: 'latest\n{short}\nv-{date}', ...credentials }))
    pushed = pullFromRegistry(image, run.outputs.digest)
  })

  test('the step succeeds and reports the full commit, its time and every tag', () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs.githash).toBe(newCommit)
    expect(run.outputs['commit-time']).toBe(String(unix(NEW_TIME)))
    expect(run.outputs.image).toBe(image)
    expect(run.outputs.tags.split('\n')).toEqual([
      `${image}:${newCommit}`,
      `${image}:latest`,
      `${image}:${newCommit.slice(0, 7)}`,
      `${image}:v-20240304`
    ])
  })

  test('every tag in the registry names the digest the step reported', async () => {
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    for (const tag of [newCommit, 'latest', newCommit.slice(0, 7), 'v-20240304']) {
      expect(await registryDigest(image, tag)).toBe(run.outputs.digest)
    }
  })

  test('what was pushed is the image that was tested', () => {
    // With the containerd image store, the engine's ID of the tested image is its manifest digest.
    expect(run.outputs['image-id']).toBe(run.outputs.digest)
    expect(docker('image', 'inspect', '--format', '{{.Id}}', pushed)).toBe(run.outputs.digest)
    expect(run.stdout).toMatch(/3 passed/)
  })

  test('the image carries the commit in OCI labels, with the commit time and never the wall clock', () => {
    const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', pushed))
    expect(labels['org.opencontainers.image.revision']).toBe(newCommit)
    expect(labels['org.opencontainers.image.created']).toBe(NEW_TIME)
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/acme/app')
  })

  test('every file and directory the build wrote carries the image clock, not the wall clock; the image says it was created at the commit time', () => {
    const times = inImage(pushed, 'stat -c %Y /srv /srv/app /srv/tests /srv/requirements.txt /srv/app/__init__.py /srv/tests/unit/test_app.py /srv/VERSION')
    expect(new Set(times.split('\n'))).toEqual(new Set(['0']))
    expect(docker('image', 'inspect', '--format', '{{.Created}}', pushed)).toBe(NEW_TIME)
    expect(run.outputs.reproducible).toBe('true')
  })

  test('only tracked files of the commit reach the image: no untracked, modified or export-ignored file', () => {
    expect(inImage(pushed, 'cat /srv/VERSION')).toBe('2')
    expect(inImage(pushed, 'ls /srv')).not.toMatch(/untracked|notes/)
  })

  test('the push says each blob it sends, with its size: a slow uplink never looks hung', () => {
    expect(run.stdout).toMatch(/^ {2}blob sha256:[0-9a-f]{12}… \([\d.]+ MB\)(: the registry has it)?$/m)
    expect(run.stdout).toMatch(/^ {2}config sha256:[0-9a-f]{12}… \([\d.]+ MB\)/m)
  })

  test('the job summary reports commit, digest, size, durations and the test result', () => {
    expect(run.summary).toContain(newCommit)
    expect(run.summary).toContain(run.outputs.digest)
    expect(run.summary).toMatch(/\| Size \| [\d.]+ MB \|/)
    expect(run.summary).toMatch(/\| Build \| [\d.]+ s \|/)
    expect(run.summary).toMatch(/\| Unit tests \| passed in [\d.]+ s \|/)
  })

  test('the password appears nowhere: not in the log, outputs, summary or state', () => {
    for (const text of [shown(run.stdout), JSON.stringify(run.outputs), run.summary, JSON.stringify(run.state)]) {
      expect(text).not.toContain(testbed.password)
    }
  })

  test('nothing of the run is left on the runner', () => {
    expect(existsSync(run.state['hashdock-work-dir'])).toBe(false)
    expect(docker('ps', '--all', '--quiet', '--filter', `label=dev.hashdock.run=${run.state['hashdock-run-id']}`)).toBe('')
    expect(docker('image', 'ls', '--quiet', '--filter', `reference=hashdock-run-${run.state['hashdock-run-id']}`)).toBe('')
  })
})

test('githash builds an older commit, by short hash, and push: false pushes nothing', async () => {
  const image = uniqueImage('old')
  const probe = 'echo "version $(cat /srv/VERSION)"; test -e /srv/app/extra.py && echo "has extra" || true'
  const run = await runAction(options(origin.clone(), { image, githash: oldCommit.slice(0, 9), push: 'false', 'test-command': probe }))
  expect(run.errors).toEqual([])
  expect(run.outputs.githash).toBe(oldCommit)
  expect(run.outputs['commit-time']).toBe(String(unix(OLD_TIME)))
  expect(run.stdout).toMatch(/^version 1$/m)
  expect(run.stdout).not.toMatch(/^has extra$/m)
  expect(await registryTags(image)).toEqual([])
})

test('a failing test-command fails the step, shows its output and pushes nothing', async () => {
  const image = uniqueImage('failing')
  const run = await runAction(
    options(origin.clone(), { image, 'test-command': 'echo "checking the answer"; exit 3', ...credentials })
  )
  expect(run.exitCode).toBe(1)
  expect(run.errors).toEqual(['::error::unit tests failed (exit 3): nothing was pushed'])
  expect(run.stdout).toContain('checking the answer')
  expect(run.summary).toMatch(/Unit tests \| failed \(exit 3\)/)
  expect(await registryTags(image)).toEqual([])
})

test('test output cannot issue workflow commands', async () => {
  const run = await runAction(
    options(origin.clone(), { image: uniqueImage('commands'), push: 'false', 'test-command': 'echo "::error::forged"; echo "::set-output name=digest::forged"' })
  )
  expect(run.exitCode).toBe(0)
  // Printed neutralised (a word joiner before the ::), and inside the fence too.
  expect(run.stdout).not.toContain('\n::error::forged')
  const forged = run.stdout.indexOf('\n\u2060::error::forged')
  expect(forged).toBeGreaterThanOrEqual(0)
  const stop = run.stdout.lastIndexOf('::stop-commands::', forged)
  const token = run.stdout.slice(stop).split('\n')[0].replace('::stop-commands::', '')
  expect(stop).toBeGreaterThanOrEqual(0)
  expect(run.stdout.indexOf(`::${token}::`, forged)).toBeGreaterThan(forged)
  expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
})

describe('bad input fails with one line that names the input, and no stack trace', () => {
  // Rows are [name, inputs, expected error, environment]; every row has all four, or jest reads a
  // shorter row's missing argument as a done callback.
  const cases: [string, Record<string, string>, RegExp, Record<string, string>][] = [
    ['an invalid image reference', { image: 'Acme/App:latest' }, /^::error::image: 'Acme\/App:latest' must not carry a tag/, {}],
    ['an unknown githash', { githash: 'deadbeef' }, /^::error::githash: 'deadbeef' names no commit/, {}],
    ['a missing Dockerfile', { dockerfile: 'docker/Dockerfile.prod' }, /^::error::dockerfile: 'docker\/Dockerfile.prod' is not a file at commit/, {}],
    ['a context not in the commit', { context: 'services/api' }, /^::error::context: 'services\/api' is not a directory at commit/, {}],
    ['a build argument without =', { 'build-args': 'BASE' }, /^::error::build-args: 'BASE' is not KEY=VALUE/, {}],
    ['the image clock as a build argument', { 'build-args': 'SOURCE_DATE_EPOCH=5' }, /^::error::build-args: 'SOURCE_DATE_EPOCH=5': SOURCE_DATE_EPOCH is hashdock's image clock and cannot be set/, {}],
    ['push that is not a boolean', { push: 'maybe' }, /^::error::push: 'maybe' is not a boolean/, {}],
    ['an unknown tag placeholder', { tags: '{branchname}' }, /^::error::tags: '\{branchname\}' uses unknown placeholder/, {}],
    ['a refused login', { 'registry-username': testbed.username, 'registry-password': 'wrong-password' }, /^::error::registry-password: .* refused the login of /, {}],
    ['an unreachable registry', { image: '127.0.0.1:5999/acme/app', ...credentials }, /^::error::image: registry 127.0.0.1:5999 is unreachable/, {}],
    ['an unreachable engine', {}, /^::error::Docker engine unreachable: .*Start the Docker daemon/, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }]
  ]
  test.each(cases)('%s', async (_, inputs, message, env) => {
    const image = uniqueImage('bad')
    const run = await runAction({ ...options(origin.clone(), { image, ...inputs }), env })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(message)
    expect(run.stdout).not.toMatch(/^\s+at .*\.js:\d+/m)
    if (inputs['registry-password']) expect(shown(run.stdout)).not.toContain(inputs['registry-password'])
    // Where this run would have pushed: the test bed's registry under the run's own name (an image input
    // of a row's own names no registry that could take a push).
    expect(await registryTags(image)).toEqual([])
  })

  test('an older commit missing from a shallow clone asks for fetch-depth: 0', async () => {
    const run = await runAction(options(origin.clone(1), { image: uniqueImage('shallow'), githash: oldCommit }))
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/^::error::githash: .*shallow.*fetch-depth: 0/)
  })
})

test('the post step removes what a killed main step left behind', async () => {
  // State as the main step writes it: a run ID of twelve hex digits, its work directory under RUNNER_TEMP.
  const runId = randomBytes(6).toString('hex')
  const runnerTemp = tempDir('runner')
  const workDir = join(runnerTemp, `hashdock-${runId}`)
  mkdirSync(workDir)
  docker('create', '--label', `dev.hashdock.run=${runId}`, testbed.baseImage, 'true')
  const run = await runAction({
    ...options(origin.dir, { image: uniqueImage('post') }),
    runnerTemp,
    post: { 'hashdock-is-post': 'true', 'hashdock-run-id': runId, 'hashdock-work-dir': workDir }
  })
  expect(run.exitCode).toBe(0)
  expect(docker('ps', '--all', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`)).toBe('')
  expect(existsSync(workDir)).toBe(false)
})

test('the CLI runs the same pipeline on a developer checkout', () => {
  const checkout = origin.clone()
  const image = uniqueImage('cli')
  const cli = join(import.meta.dirname ?? '.', '..', 'dist', 'cli', 'index.js')
  const out = execFileSync(process.execPath, [cli, 'build', '--repo', checkout, '--image', image, '--build-args', `BASE=${testbed.baseImage}`, '--test-command', 'python -m pytest -q tests/unit', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  // Standard output is the JSON alone: logs and docker's output go to standard error.
  const outputs = JSON.parse(out)
  expect(outputs.githash).toBe(git(checkout, 'rev-parse', 'HEAD'))
  expect(outputs.imageId).toBe(outputs.digest)
  expect(outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
})

describe('keep-image: the tested bytes stay in the engine for a later step', () => {
  test('kept as <image>:<full hash>, the very image the tests ran (its ID), and it runs', async () => {
    const image = uniqueImage('kept')
    const run = await runAction(options(origin.clone(), { image, push: 'false', 'keep-image': 'true' }))
    const kept = `${image}:${newCommit}`
    try {
      expect(run.errors).toEqual([])
      expect(run.outputs['kept-image']).toBe(kept)
      expect(run.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(docker('image', 'inspect', '--format', '{{.Id}}', kept)).toBe(run.outputs['image-id'])
      expect(docker('run', '--rm', '--entrypoint', 'sh', kept, '-c', 'echo kept-and-running')).toBe('kept-and-running')
      expect(run.summary).toContain(`| Kept as | \`${kept}\` |`)
    } finally {
      docker('image', 'rm', kept)
    }
  })

  test('with no test command the image is loaded to be kept; without keep-image nothing stays', async () => {
    const image = uniqueImage('keptuntested')
    const run = await runAction(options(origin.clone(), { image, push: 'false', 'test-command': '', 'keep-image': 'true' }))
    const kept = `${image}:${newCommit}`
    try {
      expect(run.errors).toEqual([])
      expect(docker('image', 'inspect', '--format', '{{.Id}}', kept)).toBe(run.outputs['image-id'])
    } finally {
      docker('image', 'rm', kept)
    }
    const other = uniqueImage('notkept')
    const without = await runAction(options(origin.clone(), { image: other, push: 'false' }))
    expect(without.errors).toEqual([])
    expect(without.outputs['kept-image']).toBeUndefined()
    expect(docker('image', 'ls', '--quiet', `${other}:${newCommit}`)).toBe('')
  })

  test('the CLI: --keep-image, and the JSON names what was kept', async () => {
    const image = uniqueImage('keptcli')
    const cli = join(import.meta.dirname ?? '.', '..', 'dist', 'cli', 'index.js')
    const checkout = origin.clone()
    const out = JSON.parse(execFileSync(process.execPath, [cli, 'build', '--repo', checkout, '--image', image, '--build-args', `BASE=${testbed.baseImage}`, '--test-command', 'true', '--keep-image', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
    const kept = `${image}:${git(checkout, 'rev-parse', 'HEAD')}`
    try {
      expect(out.keptImages).toEqual([kept])
      expect(docker('image', 'inspect', '--format', '{{.Id}}', kept)).toBe(out.imageId)
    } finally {
      docker('image', 'rm', kept)
    }
  })
})
