// The environment child programs start from: an allow-list, never the action's inputs or the runner's tokens.
import { afterEach, describe, expect, test } from '@jest/globals'
import { Writable } from 'node:stream'
import { childEnvironment, OUTPUT_TAIL_BYTES, output, run, setExecOutput } from '../../../src/core/programs/exec.js'

const runner = {
  PATH: '/usr/bin',
  HOME: '/home/runner',
  DOCKER_HOST: 'unix:///var/run/docker.sock',
  DOCKER_CONFIG: '/home/runner/.docker',
  BUILDX_BUILDER: 'ci',
  HTTPS_PROXY: 'http://proxy:3128',
  no_proxy: 'localhost',
  LC_ALL: 'C.UTF-8',
  RUNNER_TEMP: '/tmp/runner',
  SSH_AUTH_SOCK: '/tmp/agent',
  'INPUT_REGISTRY-PASSWORD': 'secret',
  INPUT_IMAGE: 'ghcr.io/acme/app',
  HASHDOCK_REGISTRY_PASSWORD: 'secret',
  ACTIONS_RUNTIME_TOKEN: 'token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token',
  ACTIONS_CACHE_URL: 'https://cache',
  GITHUB_TOKEN: 'ghs_x',
  GITHUB_ENV: '/home/runner/work/_temp/_runner_file_commands/set_env',
  GITHUB_OUTPUT: '/out',
  AWS_SECRET_ACCESS_KEY: 'aws',
  NODE_OPTIONS: '--require /evil.js',
  LD_PRELOAD: '/evil.so',
  COMPOSE_FILE: '/etc/compose.yaml',
  GIT_DIR: '/elsewhere'
}

describe('childEnvironment', () => {
  test('programs get what finds the engine, the network and configuration, and nothing else', () => {
    expect(childEnvironment(false, runner)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      DOCKER_CONFIG: '/home/runner/.docker',
      BUILDX_BUILDER: 'ci',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      LC_ALL: 'C.UTF-8',
      RUNNER_TEMP: '/tmp/runner',
      SSH_AUTH_SOCK: '/tmp/agent'
    })
  })

  test('compose, which copies variables into containers, gets only what reaches the engine', () => {
    expect(childEnvironment(true, runner)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      DOCKER_CONFIG: '/home/runner/.docker',
      BUILDX_BUILDER: 'ci'
    })
  })
})

describe('run', () => {
  test('a child sees neither the inputs nor the tokens of this process', async () => {
    process.env['INPUT_REGISTRY-PASSWORD'] = 'unit-secret'
    process.env.ACTIONS_RUNTIME_TOKEN = 'unit-token'
    try {
      const env = await output('env', [], { env: { GIVEN: 'yes' } })
      expect(env).toMatch(/^GIVEN=yes$/m)
      expect(env).toMatch(/^PATH=/m)
      expect(env).not.toContain('unit-secret')
      expect(env).not.toContain('unit-token')
    } finally {
      delete process.env['INPUT_REGISTRY-PASSWORD']
      delete process.env.ACTIONS_RUNTIME_TOKEN
    }
  }, 20_000)
})

/** A sink that counts what it is given: streamed output is shown whole, whatever the result keeps. */
function countingSink(): { bytes: () => number } {
  let bytes = 0
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done()
    }
  })
  setExecOutput({ stdout: counter, stderr: counter, command: () => {} })
  return { bytes: () => bytes }
}

afterEach(() => setExecOutput({ stdout: process.stdout, stderr: process.stderr, command: () => {} }))

// 3 MiB of 'a' on one line, with no newline at all, then an end marker.
const PRINT_3_MIB = ['-c', 'head -c 3145728 /dev/zero | tr "\\0" a; printf END']

describe('what a run keeps of its output', () => {
  test('a streamed run keeps only the tail, and shows everything', async () => {
    const sink = countingSink()
    const r = await run('sh', PRINT_3_MIB, { stream: true })
    expect(r.stdout).toHaveLength(OUTPUT_TAIL_BYTES)
    expect(r.stdout.endsWith('aaaEND')).toBe(true)
    expect(sink.bytes()).toBe(3 * (1 << 20) + 3)
  }, 30_000)

  test('standard error is kept as a tail too, and is what a failure says', async () => {
    countingSink()
    const script = 'head -c 3145728 /dev/zero | tr "\\0" e >&2; echo >&2; echo "Error: the last words" >&2; exit 3'
    const r = await run('sh', ['-c', script], { stream: true, allowFailure: true })
    expect(r.exitCode).toBe(3)
    expect(r.stderr.length).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES)
    expect(r.stderr.endsWith('Error: the last words')).toBe(true)
    await expect(run('sh', ['-c', script], { stream: true })).rejects.toThrow(/^sh -c failed \(exit 3\): Error: the last words$/)
  }, 30_000)

  test("output that is parsed is kept whole: unstreamed runs by default, or keep: 'all'", async () => {
    countingSink()
    expect(await output('sh', PRINT_3_MIB)).toHaveLength(3 * (1 << 20) + 3)
    expect((await run('sh', PRINT_3_MIB, { stream: true, keep: 'all' })).stdout).toHaveLength(3 * (1 << 20) + 3)
  }, 30_000)

  test('a tail does not start in the middle of a character', async () => {
    countingSink()
    // 'é' is two bytes; the one byte after them puts the cut in the middle of one.
    const r = await run('sh', ['-c', 'head -c 1048576 /dev/zero | sed "s/\\x0/é/g"; printf x'], { keep: 'tail' })
    expect(r.stdout.startsWith('é')).toBe(true)
    expect(r.stdout.endsWith('éx')).toBe(true)
    expect(r.stdout).not.toContain('\ufffd')
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(OUTPUT_TAIL_BYTES)
  }, 30_000)
})

describe('run', () => {
  test('input reaches the program on its standard input', async () => {
    expect(await output('cat', [], { input: 'to the program\n' })).toBe('to the program')
  })

  test('a program that is not there is one line naming it', async () => {
    await expect(run('hashdock-no-such-program', [])).rejects.toThrow(/^hashdock-no-such-program is not installed, or not on PATH: install hashdock-no-such-program$/)
    // A working directory that is not there is ENOENT too, and is said as it is.
    await expect(run('cat', [], { cwd: '/nonexistent/hashdock' })).rejects.toThrow(/^cat: could not be started: .*ENOENT/)
  })

  test('standard output can go into a stream, which gets all of it', async () => {
    const chunks: Buffer[] = []
    const into = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk)
        done()
      }
    })
    const r = await run('sh', PRINT_3_MIB, { stdoutTo: into })
    expect(r.stdout).toBe('')
    expect(Buffer.concat(chunks).length).toBe(3 * (1 << 20) + 3)
  }, 30_000)

  test('a stream that refuses more stops the program, and its error is the run’s', async () => {
    let bytes = 0
    const into = new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length
        done(bytes > 1 << 20 ? new Error('more than 1 MiB') : undefined)
      }
    })
    // `yes` never ends on its own: the run returns only because it was stopped.
    await expect(run('yes', [], { stdoutTo: into })).rejects.toThrow('more than 1 MiB')
  }, 30_000)
})
