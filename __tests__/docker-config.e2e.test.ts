// The user's docker configuration stays whole: earlier logins, the selected builder and image names as
// users write them, on the engine without the containerd store.
import { beforeAll, expect, jest, test } from '@jest/globals'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../test/support/action.js'
import { engines } from '../test/support/engines.js'
import { registryDigest, uniqueImage } from '../test/support/registry.js'
import { FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const engine = engines.container
let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo().write('Dockerfile', 'ARG BASE\nFROM ${BASE}\nCOPY app.py /srv/\n').write('app.py', 'print("hi")\n')
  commit = origin.commit('an app', '2024-01-01T00:00:00Z')
})

/** A user's docker configuration: a login made before (docker/login-action), and the testbed's builders with one selected by `docker buildx use`. */
function userConfig(): { dir: string; configJson: string } {
  const dir = tempDir('docker-config')
  cpSync(join(homedir(), '.docker', 'buildx'), join(dir, 'buildx'), { recursive: true })
  cpSync(join(homedir(), '.docker', 'contexts'), join(dir, 'contexts'), { recursive: true })
  const configJson = JSON.stringify({ auths: { [testbed.registry]: { auth: Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64') } } }, null, '\t')
  writeFileSync(join(dir, 'config.json'), configJson)
  engine.docker('--config', dir, 'buildx', 'use', testbed.containerBuilder)
  return { dir, configJson: readFileSync(join(dir, 'config.json'), 'utf8') }
}

const env = (configDir: string): Record<string, string> => ({ DOCKER_HOST: engine.env.DOCKER_HOST, DOCKER_CONFIG: configDir })

test('a login made before the step pushes, and the builder selected with docker buildx use builds', async () => {
  const user = userConfig()
  const image = uniqueImage('userlogin')
  const run = await runAction({ workspace: origin.clone(), sha: commit, env: env(user.dir), inputs: { image, 'build-args': `BASE=${testbed.baseRef}` } })
  expect(run.errors).toEqual([])
  expect(run.stdout).toContain(`built by '${testbed.containerBuilder}' (docker-container driver)`)
  expect(await registryDigest(image, commit)).toBe(run.outputs.digest)
})

test("the step's own login reaches the build and goes with the step; the user's configuration is left as it was", async () => {
  const user = userConfig()
  // The user's login is for another registry: the step's own must be the one the build reads with.
  writeFileSync(join(user.dir, 'config.json'), JSON.stringify({ auths: { 'registry.example': { auth: 'dXNlcjpwYXNz' } }, currentContext: 'default' }))
  const before = readFileSync(join(user.dir, 'config.json'), 'utf8')
  const image = uniqueImage('ownlogin')
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    env: env(user.dir),
    inputs: { image, 'build-args': `BASE=${testbed.baseRef}`, 'registry-username': testbed.username, 'registry-password': testbed.password }
  })
  expect(run.errors).toEqual([])
  expect(run.stdout).toContain(`built by '${testbed.containerBuilder}'`)
  expect(await registryDigest(image, commit)).toBe(run.outputs.digest)
  expect(readFileSync(join(user.dir, 'config.json'), 'utf8')).toBe(before)
  expect(readFileSync(join(user.dir, 'buildx', 'current'), 'utf8')).toContain(testbed.containerBuilder)
})

test.each([
  ['localhost:<port>/…', (): string => uniqueImage('names').replace(/^127\.0\.0\.1:/, 'localhost:')],
  ['<ip>:<port>/…', (): string => uniqueImage('names')]
])('an image named %s is built, pushed and reported by the registry under that name', async (_, name) => {
  const image = name()
  const dir = tempDir('docker-config-empty')
  mkdirSync(join(dir, 'buildx'))
  cpSync(join(homedir(), '.docker', 'buildx'), join(dir, 'buildx'), { recursive: true })
  cpSync(join(homedir(), '.docker', 'contexts'), join(dir, 'contexts'), { recursive: true })
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    env: { ...env(dir), BUILDX_BUILDER: 'default' },
    // The base image is named the same way, so the run's login (for the image's registry, as named) reads it.
    inputs: {
      image,
      'build-args': `BASE=${image.replace(/\/e2e\/.*$/, '')}/${testbed.baseRef.slice(testbed.registry.length + 1)}`,
      'registry-username': testbed.username,
      'registry-password': testbed.password,
      'test-command': 'test -f /srv/app.py'
    }
  })
  expect(run.errors).toEqual([])
  expect(run.outputs.tags.split('\n')[0]).toBe(`${image}:${commit}`)
  expect(await registryDigest(image.replace(/^localhost:/, '127.0.0.1:'), commit)).toBe(run.outputs.digest)
})

test("a registry whose login is in the user's credential store (credsStore) keeps it beside the step's own registry-logins: both are pushed to", async () => {
  const user = userConfig()
  // The user's login for the first registry lives in a credential store, as docker login leaves it with a
  // desktop keychain or pass: only the helper knows it.
  const bin = tempDir('credential-helper')
  const helper = join(bin, 'docker-credential-hashdock-test')
  writeFileSync(
    helper,
    `#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\n[ "$server" = "${testbed.registry}" ] || { echo 'credentials not found in native keychain'; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${testbed.username}","Secret":"${testbed.password}"}' "$server"\n`,
    { mode: 0o755 }
  )
  writeFileSync(join(user.dir, 'config.json'), JSON.stringify({ auths: { [testbed.registry]: {} }, credsStore: 'hashdock-test' }))
  const images = [uniqueImage('credsstore'), `${testbed.registry2}/e2e/credsstore-second-${Date.now().toString(36)}`]
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    env: { ...env(user.dir), PATH: `${bin}:${process.env.PATH}` },
    inputs: { image: images.join('\n'), 'build-args': `BASE=${testbed.baseRef}`, 'registry-logins': `${testbed.registry2}=${testbed.username2}:${testbed.password2}` }
  })
  expect(run.errors).toEqual([])
  expect(await registryDigest(images[0], commit)).toBe(run.outputs.digest)
  // The secret went through the helper's standard input and output, never into the log.
  expect(run.stdout).not.toContain(testbed.password)
})
