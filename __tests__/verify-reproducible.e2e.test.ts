// verify-reproducible on the real engine: a builder stage that packages with dpkg-deb, as users write it,
// with and without `ARG SOURCE_DATE_EPOCH`. Without it the package holds the build's wall clock: the run
// fails naming the layer and the file, the advice names the line, and nothing is pushed. With it, the
// second build gives the same digest and the run says the digest was measured.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { registryDigest, uniqueImage } from '../test/support/registry.js'
import { FixtureRepo } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

/** Line numbers matter: the advice names them. */
const packaged = (declare: boolean): string => `ARG BASE
FROM \${BASE} AS pkg
${declare ? 'ARG SOURCE_DATE_EPOCH' : '# (no ARG SOURCE_DATE_EPOCH)'}
RUN mkdir -p /pkg/DEBIAN /pkg/usr/share/greeting && echo hello > /pkg/usr/share/greeting/hello.txt && printf 'Package: greeting\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: Test <test@example.com>\\nDescription: a greeting\\n' > /pkg/DEBIAN/control && dpkg-deb --build /pkg /greeting.deb

FROM \${BASE}
COPY --from=pkg /greeting.deb /opt/greeting.deb
`

const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }

function repo(declare: boolean): { workspace: string; commit: string } {
  const origin = new FixtureRepo().write('Dockerfile', packaged(declare)).write('README.md', 'a package\n')
  const commit = origin.commit('package it', '2024-04-01T00:00:00Z')
  return { workspace: origin.clone(), commit }
}

/** The action on the packaging Dockerfile, with verify-reproducible, pushing to an image of its own. */
async function verified(declare: boolean, name: string): Promise<{ run: ActionRun; image: string; commit: string }> {
  const { workspace, commit } = repo(declare)
  const image = uniqueImage(name)
  const run = await runAction({ workspace, sha: commit, inputs: { image, 'build-args': `BASE=${testbed.baseImage}`, 'verify-reproducible': 'true', push: 'true', ...credentials } })
  return { run, image, commit }
}

describe('a stage that packages with dpkg-deb, without ARG SOURCE_DATE_EPOCH', () => {
  let run: ActionRun
  let image: string
  let commit: string

  beforeAll(async () => {
    ;({ run, image, commit } = await verified(false, 'verify-clock'))
  })

  test('the run fails in one line naming the second digest, the layer, the step that made it and the file', () => {
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::error::verify-reproducible: a second build of ${commit} without any cache gave sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}; ` +
            'first difference: layer \\d+ of \\d+ \\(COPY /greeting.deb /opt/greeting.deb\\): opt/greeting.deb differs in its content \\(docs/reproducibility.md says what makes a build differ\\)$'
        )
      )
    ])
  })

  test('the advice names the line, the tool and the fix', () => {
    expect(run.stdout).toMatch(/^::warning file=Dockerfile,line=4::RUN mkdir .* runs dpkg-deb, which writes the build's own clock into what it makes, .*declare ARG SOURCE_DATE_EPOCH in stage pkg/m)
  })

  test('nothing is pushed', async () => {
    expect(await registryDigest(image, commit)).toBeUndefined()
  })
})

describe('the same stage declaring ARG SOURCE_DATE_EPOCH', () => {
  let run: ActionRun
  let image: string
  let commit: string

  beforeAll(async () => {
    ;({ run, image, commit } = await verified(true, 'verify-declared'))
  })

  test('the second build gives the same digest: pushed, and the summary says the digest was measured', async () => {
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(`Reproducible, verified: a second build without any cache gave the same digest, ${run.outputs.digest}`)
    expect(run.summary).toContain('yes, verified: a second build without any cache gave the same digest')
    expect(run.outputs.reproducible).toBe('true')
    expect(await registryDigest(image, commit)).toBe(run.outputs.digest)
  })

  test('no clock advice', () => {
    expect(run.stdout).not.toContain('runs dpkg-deb')
  })
})

test('the CLI: a commit whose package holds the wall clock exits 1 with the same line, and no stack', async () => {
  const r = repo(false)
  const cli = await runCli(['build', '--repo', r.workspace, '--image', uniqueImage('verify-cli'), '--build-args', `BASE=${testbed.baseImage}`, '--verify-reproducible'])
  expect(cli.exitCode).toBe(1)
  expect(cli.stderr).toMatch(/verify-reproducible: a second build of [0-9a-f]{40} without any cache gave .*opt\/greeting\.deb differs in its content/)
  expect(cli.stderr).not.toMatch(/\n\s+at /)
})
