// hashdock doctor against the real engines: every check a fact of this machine, what to do under each
// that is not ok, and no credential from the docker configuration on any stream.
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { runCli } from '../test/support/cli.js'
import { exampleDir, FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(120_000)

interface Check {
  id: string
  state: 'ok' | 'warn' | 'fail'
  found: string
  fix?: string
}
const byId = (checks: Check[]): Record<string, Check> => Object.fromEntries(checks.map(c => [c.id, c]))

let full: string
let shallow: string

beforeAll(() => {
  const origin = new FixtureRepo().copy(exampleDir)
  origin.commit('one', '2024-01-01T00:00:00Z')
  origin.write('VERSION', '2\n').commit('two', '2024-01-02T00:00:00Z')
  full = origin.clone()
  shallow = origin.clone(1)
})

describe('on the first engine, from a full clone', () => {
  let run: Awaited<ReturnType<typeof runCli>>
  let checks: Record<string, Check>

  beforeAll(async () => {
    run = await runCli(['doctor', '--repo', full, '--json'])
    checks = byId(JSON.parse(run.stdout).checks)
  })

  test('--json: typed, versioned, every check once; exit 0', () => {
    expect(run.exitCode).toBe(0)
    const json = JSON.parse(run.stdout)
    expect(json).toMatchObject({ schemaVersion: 1, command: 'doctor', status: 'passed', ready: true })
    expect(Object.keys(checks).sort()).toEqual(['builder', 'buildx', 'checkout', 'compose', 'docker', 'emulation', 'engine', 'image-store', 'logins', 'skopeo'])
  })

  test('the engine, its store, buildx, the builder and its driver, compose and skopeo, as the programs say', () => {
    const version = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim()
    expect(checks.engine).toMatchObject({ state: 'ok', found: expect.stringContaining(`Docker Engine ${version}`) })
    expect(checks['image-store']).toEqual({ id: 'image-store', state: 'ok', found: 'containerd image store' })
    expect(checks.buildx.state).toBe('ok')
    const builder = execFileSync('docker', ['buildx', 'inspect'], { encoding: 'utf8' })
    const name = /^Name:\s*(\S+)/m.exec(builder)?.[1]
    const driver = /^Driver:\s*(\S+)/m.exec(builder)?.[1]
    expect(checks.builder.found).toMatch(new RegExp(`^${name} \\(${driver} driver\\); platforms `))
    expect(checks.compose.found).toMatch(/^Docker Compose \d/)
    expect(checks.skopeo).toMatchObject({ state: 'ok', found: expect.stringMatching(/^\d+\.\d+/) })
    // The test bed registers QEMU for arm64 (provision.sh).
    expect(checks.emulation).toMatchObject({ state: 'ok', found: expect.stringContaining('aarch64') })
    expect(checks.checkout).toEqual({ id: 'checkout', state: 'ok', found: `${full}: full history` })
  })

  test('on a terminal: a line per check, and the verdict', async () => {
    const text = await runCli(['doctor', '--repo', full])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/^✔ docker +client \S+$/m)
    expect(text.stdout).toMatch(/^✔ Image store +containerd image store$/m)
    expect(text.stdout).toMatch(/^(A build can run here|Everything a build needs is here)/m)
  })
})

test('a shallow clone is a warning, with the command that fixes it', async () => {
  const run = await runCli(['doctor', '--repo', shallow, '--json'])
  expect(run.exitCode).toBe(0)
  expect(byId(JSON.parse(run.stdout).checks).checkout).toEqual({
    id: 'checkout',
    state: 'warn',
    found: `${shallow}: a shallow clone`,
    fix: expect.stringContaining('git fetch --unshallow')
  })
})

test('the engine without the containerd image store: a warning saying what that costs and how to turn it on', async () => {
  const run = await runCli(['doctor', '--repo', full, '--json'], { env: { DOCKER_HOST: testbed.classicHost } })
  expect(run.exitCode).toBe(0)
  expect(byId(JSON.parse(run.stdout).checks)['image-store']).toMatchObject({ state: 'warn', found: 'classic image store', fix: expect.stringContaining('containerd-snapshotter') })
})

test('no engine answering: a failure naming what to do, exit 1', async () => {
  const run = await runCli(['doctor', '--repo', full], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/^✘ Engine +unreachable: .*\n +→ start the Docker daemon/m)
  expect(run.stdout).toContain('No build can run here')
})

test('registry logins by name from the docker configuration, never a credential', async () => {
  const config = tempDir('doctorconfig')
  const secret = 'do-not-print-this-password'
  const auth = Buffer.from(`robot:${secret}`).toString('base64')
  writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth }, 'ghcr.io': { identitytoken: secret } }, credHelpers: { 'example.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' } }))
  for (const args of [['doctor', '--repo', full, '--json'], ['doctor', '--repo', full]]) {
    const run = await runCli(args, { env: { DOCKER_CONFIG: config, HASHDOCK_DEBUG: '1' } })
    for (const stream of [run.stdout, run.stderr]) {
      expect(stream).not.toContain(secret)
      expect(stream).not.toContain(auth)
      expect(stream).not.toContain('robot')
    }
    expect(run.stdout).toContain('example.dkr.ecr.us-east-1.amazonaws.com, ghcr.io, registry.example.com')
  }
})

test('no docker on PATH: the first check fails with what to do, the others still run, exit 1', async () => {
  const bin = tempDir('doctornodocker')
  mkdirSync(bin, { recursive: true })
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'))
  const run = await runCli(['doctor', '--repo', full, '--json'], { env: { PATH: bin } })
  expect(run.exitCode).toBe(1)
  const json = JSON.parse(run.stdout)
  expect(json).toMatchObject({ status: 'failed', ready: false })
  const checks = byId(json.checks)
  expect(checks.docker).toMatchObject({ state: 'fail', found: 'not installed, or not on PATH', fix: expect.stringMatching(/^install Docker Engine/) })
  expect(checks.engine).toBeUndefined()
  expect(checks.checkout.state).toBe('ok')
  expect(run.stderr).not.toMatch(/Unable to locate/)
})
