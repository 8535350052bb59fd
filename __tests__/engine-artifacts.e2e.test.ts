// Files out of a build stage on the second engine (no containerd store): the docker-container builder
// and a remote BuildKit, each cold, write the same .deb with the image clock as its time. It runs in the
// second engine's lane, since it builds there; artifacts.e2e covers the first engine.
import { beforeAll, expect, jest, test } from '@jest/globals'
import { lstatSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../test/support/cli.js'
import { engines, type TestEngine } from '../test/support/engines.js'
import { uniqueImage } from '../test/support/registry.js'
import { FixtureRepo, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const exampleDir = fileURLToPath(new URL('../examples/deb-service', import.meta.url))
const DEB = 'builder:out/greeter_1.0.0_all.deb'
const DEB_FILE = 'builder/out/greeter_1.0.0_all.deb'
const TEST = 'greeter greet hashdock | grep -x "Hello, hashdock!"'

let origin: FixtureRepo
beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir)
  origin.commit('a service shipped as a .deb', '2024-05-06T07:08:09Z')
})

async function deb(engine: TestEngine): Promise<string> {
  const dir = join(tempDir('artifacts-dir'), engine.name)
  const run = await runCli(
    ['build', '--repo', origin.clone(), '--image', uniqueImage('deb-service'), '--build-args', `BASE=${testbed.baseRef}`, '--registry-username', testbed.username, '--build-login', 'true',
      '--no-cache', 'true', '--test-command', TEST, '--artifacts', DEB, '--artifacts-dir', dir],
    { env: { ...engine.env, HASHDOCK_REGISTRY_PASSWORD: testbed.password } }
  )
  expect(run.stderr).not.toMatch(/^hashdock: /m)
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toMatch(/^Artifacts: written to /m)
  return join(dir, DEB_FILE)
}

test('a docker-container builder and a remote BuildKit, cold, write one .deb, byte for byte, at the image clock', async () => {
  const files = [await deb(engines.container), await deb(engines.remote)]
  expect(readFileSync(files[0]).length).toBeGreaterThan(0)
  expect(readFileSync(files[1])).toEqual(readFileSync(files[0]))
  for (const file of files) expect(lstatSync(file).mtimeMs).toBe(0)
})
