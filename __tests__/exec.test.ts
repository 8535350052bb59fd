// The environment child programs start from: an allow-list, never the action's inputs or the runner's tokens.
import { describe, expect, test } from '@jest/globals'
import { childEnvironment, output } from '../src/core/programs/exec.js'

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
