// Integration tests beside the project's own compose services, on the real engine: results, failures,
// unhealthy services, and nothing of the run left behind.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { actionEntry, actionNode, parseFileCommands, runAction, type ActionOptions } from '../test/support/action.js'
import { registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

jest.setTimeout(300_000)

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim()
/** Containers, networks and volumes on the engine: what a run must leave as it found. */
const resources = (): string[] => [
  ...docker('ps', '--all', '--quiet').split('\n'),
  ...docker('network', 'ls', '--quiet').split('\n'),
  ...docker('volume', 'ls', '--quiet').split('\n')
].filter(Boolean).sort()

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  // The example lives in a sub-directory, as in a monorepo: reported paths must map back to it.
  origin = new FixtureRepo()
    .copy(exampleDir, 'service')
    .write('service/tests/integration/test_broken.py', 'def test_redis_remembers_everything():\n    assert 1 + 1 == 3, "arithmetic is broken"\n')
    .write('service/compose.unhealthy.yaml', [
      'services:',
      '  cache:',
      '    image: ${HASHDOCK_IMAGE}',
      '    command: ["sleep", "600"]',
      '    healthcheck:',
      '      test: ["CMD", "false"]',
      '      interval: 1s',
      '      retries: 2',
      '  app:',
      '    build: .',
      ''
    ].join('\n'))
    .write('service/compose.slow.yaml', [
      'services:',
      '  cache:',
      '    image: ${HASHDOCK_IMAGE}',
      '    command: ["sh", "-c", "sleep 12; touch /tmp/ready; sleep 600"]',
      '    healthcheck:',
      '      test: ["CMD", "test", "-f", "/tmp/ready"]',
      '      interval: 1s',
      '      start_period: 60s',
      '  app:',
      '    build: .',
      ''
    ].join('\n'))
    .write('service/compose.invalid.yaml', 'services:\n  app:\n    build: .\n    ports: 12\n    bogus_key: true\n')
  commit = origin.commit('service with integration tests', '2024-05-06T07:08:09Z')
})

const integration = (pattern: string): string => `python -m pytest -q tests/integration -k '${pattern}' --junitxml=/tmp/results/integration.xml`

function options(inputs: Record<string, string>): ActionOptions {
  return {
    workspace: origin.clone(),
    sha: commit,
    inputs: {
      context: 'service',
      'build-args': `BASE=${testbed.baseImage}`,
      'compose-env': `BASE=${testbed.baseImage}`,
      'test-command': 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml',
      'compose-file': 'service/compose.yaml',
      'compose-service': 'app',
      'test-results': '/tmp/results',
      'wait-timeout': '60',
      'registry-username': testbed.username,
      'registry-password': testbed.password,
      ...inputs
    }
  }
}

describe('integration tests pass beside the services', () => {
  let run: Awaited<ReturnType<typeof runAction>>
  let image: string
  let before: string[]
  let squatter: Server

  beforeAll(async () => {
    // The compose file publishes port 8000; holding it proves the service under test runs without it.
    squatter = createServer().listen(8000, '0.0.0.0')
    before = resources()
    image = uniqueImage('integration')
    run = await runAction(options({ image, 'integration-command': integration('not broken') }))
    squatter.close()
  })

  test('the step succeeds and pushes the tested image', async () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(await registryTags(image)).toContain(commit)
  })

  test('the integration tests reached the app over HTTP, with Redis behind it', () => {
    expect(run.stdout).toMatch(/2 passed, 1 deselected/)
    expect(run.summary).toMatch(/\| Integration tests \| passed in/)
  })

  test('the JUnit results of both test containers are in the summary', () => {
    expect(run.summary).toMatch(/5 passed, 0 failed, 0 skipped/)
    expect(run.summary).toContain('test&#95;visits&#95;are&#95;counted&#95;in&#95;redis')
  })

  test('no container, network or volume of the run is left', () => {
    expect(resources()).toEqual(before)
  })
})

test('a failing integration test fails the step, is named in the summary and annotated on its file, and nothing is pushed', async () => {
  const before = resources()
  const image = uniqueImage('broken')
  const run = await runAction(options({ image, 'integration-command': integration('broken') }))
  expect(run.exitCode).toBe(1)
  expect(run.errors.at(-1)).toBe('::error::integration tests failed (exit 1): nothing was pushed')
  expect(run.errors).toContainEqual(expect.stringMatching(/^::error title=.*test_redis_remembers_everything.*,file=service\/tests\/integration\/test_broken.py,line=2::/))
  expect(run.summary).toContain('test&#95;redis&#95;remembers&#95;everything')
  expect(run.summary).toContain('arithmetic is broken')
  expect(run.stdout).toMatch(/::group::Logs of redis/)
  expect(await registryTags(image)).toEqual([])
  expect(resources()).toEqual(before)
})

test('a service that never becomes healthy fails with its name and health, and nothing is pushed', async () => {
  const before = resources()
  const image = uniqueImage('unhealthy')
  const run = await runAction(
    options({ image, 'compose-file': 'service/compose.unhealthy.yaml', 'integration-command': 'true', 'wait-timeout': '20' })
  )
  expect(run.exitCode).toBe(1)
  expect(run.errors).toHaveLength(1)
  expect(run.errors[0]).toMatch(/^::error::compose-file: service 'cache' did not become healthy within 20 s \(wait-timeout\): state \w+, health unhealthy/)
  expect(await registryTags(image)).toEqual([])
  expect(resources()).toEqual(before)
})

test('a service slow to become healthy: a countdown while compose waits, then the tests run', async () => {
  const run = await runAction(options({ image: uniqueImage('slowservice'), 'compose-file': 'service/compose.slow.yaml', 'integration-command': 'true', 'wait-timeout': '50' }))
  expect(run.exitCode).toBe(0)
  // compose prints nothing of its own while it waits: the countdown says the run is still going.
  expect(run.stdout).toMatch(/^Waiting for [\w, -]*cache[\w, -]* to be healthy: 40 s left$/m)
})

describe('bad compose input gets one line naming the input', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a service not in the file', { 'compose-service': 'web' }, /^::error::compose-service: 'web' is not a service of service\/compose.yaml; it has: redis, app$|^::error::compose-service: 'web' is not a service of service\/compose.yaml; it has: app, redis$/],
    ['an invalid compose file, with compose\'s own message', { 'compose-file': 'service/compose.invalid.yaml' }, /^::error::compose-file: .*(bogus_key|ports)/],
    ['a compose file not in the commit', { 'compose-file': 'service/docker-compose.yml' }, /^::error::compose-file: 'service\/docker-compose.yml' is not a file at commit/]
  ]
  test.each(cases)('%s', async (_, inputs, message) => {
    const image = uniqueImage('badcompose')
    const run = await runAction(options({ image, 'integration-command': 'true', ...inputs }))
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(message)
    expect(await registryTags(image)).toEqual([])
  })
})

test('integration-command without compose-file runs alone, and missing test-results is only a warning', async () => {
  const run = await runAction(
    options({ image: uniqueImage('alone'), push: 'false', 'compose-file': '', 'compose-service': '', 'test-results': '/nowhere', 'integration-command': 'echo integration ran alone' })
  )
  expect(run.errors).toEqual([])
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toContain('integration ran alone')
  expect(run.stdout).toMatch(/::warning::test-results: '\/nowhere' was not found in the unit test container/)
})

test('a killed step leaves services running; its post step removes every one', async () => {
  const before = resources()
  const runnerTemp = tempDir('runner')
  const opts = options({ image: uniqueImage('killed'), 'integration-command': 'sleep 300' })
  const stateFile = join(runnerTemp, 'state')
  for (const f of ['output', 'state', 'summary']) writeFileSync(join(runnerTemp, f), '')
  const env = {
    ...process.env,
    BASE: testbed.baseImage,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_SHA: commit,
    GITHUB_STATE: stateFile,
    GITHUB_OUTPUT: join(runnerTemp, 'output'),
    GITHUB_STEP_SUMMARY: join(runnerTemp, 'summary'),
    RUNNER_TEMP: runnerTemp,
    ...Object.fromEntries(Object.entries(opts.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
  }
  const main = spawn(actionNode(), [actionEntry], { env, stdio: 'ignore' })
  // Wait until the integration container runs beside the services, then kill the step as a runner's cancel would.
  const deadline = Date.now() + 120_000
  while (!docker('ps', '--quiet', '--filter', 'name=-integration').length && Date.now() < deadline) await new Promise(r => setTimeout(r, 500))
  expect(docker('ps', '--quiet', '--filter', 'label=com.docker.compose.project').split('\n').filter(Boolean).length).toBeGreaterThan(0)
  main.kill('SIGKILL')
  await new Promise(r => main.on('close', r))
  expect(resources()).not.toEqual(before)

  const state = parseFileCommands(readFileSync(stateFile, 'utf8'))
  const post = await runAction({ ...opts, runnerTemp, post: state })
  expect(post.exitCode).toBe(0)
  expect(resources()).toEqual(before)
  expect(existsSync(state['hashdock-work-dir'])).toBe(false)
})

test('the override keeps the user file unchanged but gives the service under test the built image, without build, host ports or bind mounts', async () => {
  const { overrideFor } = await import('../src/core/programs/compose.js')
  const dir = tempDir('override')
  const file = join(exampleDir, 'compose.yaml')
  const base = ['compose', '--project-directory', exampleDir, '--file', file]
  const config = JSON.parse(docker(...base, 'config', '--format', 'json'))
  writeFileSync(join(dir, 'override.yaml'), overrideFor('app', config.services.app, 'example/app:tested'))
  const merged = JSON.parse(docker(...base, '--file', join(dir, 'override.yaml'), 'config', '--format', 'json'))
  const app = merged.services.app
  expect(app.image).toBe('example/app:tested')
  expect(app.pull_policy).toBe('never')
  expect(app.build).toBeUndefined()
  expect(app.ports ?? []).toEqual([])
  expect((app.volumes ?? []).filter((v: { type: string }) => v.type === 'bind')).toEqual([])
  expect(app.environment.REDIS_URL).toBe('redis://redis:6379/0')
  expect(merged.services.redis.build).toBeDefined()
})
