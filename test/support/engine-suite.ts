// hashdock's promises, checked on one engine and builder: the same suite runs on every one the test bed has.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { runAction, type ActionRun } from './action.js'
import type { TestEngine } from './engines.js'
import { registryDigest, registryManifest, uniqueImage } from './registry.js'
import { FixtureRepo } from './repo.js'
import { testbed } from './testbed.js'

const RECIPE = (extra = ''): string => `ARG BASE
FROM \${BASE}
WORKDIR /srv/matrix
COPY requirements.txt .
# The dependency step writes files, as pip install does: their times are the build's own.
RUN mkdir /deps && cp -r /usr/lib/python3/dist-packages/flask requirements.txt /deps/ && touch /deps/installed && echo "dependency step ran: $((6 * 7))"
COPY . .
${extra}CMD ["python3", "-m", "app"]
`

/** A project of three commits: A; B changes application code only; C changes the Dockerfile below the dependency step. */
function project(): { origin: FixtureRepo; a: string; b: string; c: string } {
  const origin = new FixtureRepo()
    .write('Dockerfile', RECIPE())
    .write('requirements.txt', 'flask\n')
    .write('app/__init__.py', '')
    .write('app/__main__.py', 'from app.version import VERSION\nprint(VERSION)\n')
    .write('app/version.py', 'VERSION = 1\n')
  const a = origin.commit('A', '2024-01-01T00:00:00Z')
  const b = origin.write('app/version.py', 'VERSION = 2\n').commit('B: application code', '2024-02-01T00:00:00Z')
  const c = origin.write('Dockerfile', RECIPE('ENV GREETING=hello\n')).commit('C: the recipe, below the dependency step', '2024-03-01T00:00:00Z')
  return { origin, a, b, c }
}

// Builds that do not push log in only with build-login: the base image is behind the registry's login.
const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password, 'build-login': 'true' }
const layers = async (image: string, tag: string): Promise<string[]> =>
  (JSON.parse(await registryManifest(image, tag)) as { layers: { digest: string }[] }).layers.map(l => l.digest)
const configDigest = async (image: string, tag: string): Promise<string> => (JSON.parse(await registryManifest(image, tag)) as { config: { digest: string } }).config.digest

/** Whether the build log shows the dependency step as a cache hit: its command did not run (its own words are not in the log). */
export function dependencyStepCached(stdout: string): boolean {
  return /RUN mkdir \/deps/.test(stdout) && !/^\s*#\d+ [\d.]+ dependency step ran: 42$/m.test(stdout)
}

export function engineSuite(engine: TestEngine): void {
  let repo: ReturnType<typeof project>
  let workspace: string
  beforeAll(() => {
    repo = project()
    workspace = repo.origin.clone()
  })

  const runIds: string[] = []
  async function build(commit: string, inputs: Record<string, string>): Promise<ActionRun> {
    const run = await runAction({
      workspace,
      sha: commit,
      env: engine.env,
      inputs: { githash: commit, 'build-args': `BASE=${testbed.baseRef}`, rebuild: 'true', push: 'false', ...credentials, ...inputs }
    })
    runIds.push(run.state['hashdock-run-id'])
    expect({ errors: run.errors, exitCode: run.exitCode }).toEqual({ errors: [], exitCode: 0 })
    return run
  }

  describe.each(['content', 'per-file'])(`${engine.name}: mtime %s`, mtime => {
    let cold: string

    test('two cold builds of one commit push one digest, the one the step reports, and the tests ran that image', async () => {
      const image = uniqueImage(`${engine.name}-cold`)
      const unit = { 'test-command': 'test -f /deps/flask/__init__.py && python3 -m app' }
      engine.coldBuilder()
      const first = await build(repo.b, { image, mtime, push: 'true', ...unit })
      engine.coldBuilder()
      const second = await build(repo.b, { image, mtime, push: 'true', ...unit })
      cold = first.outputs.digest
      expect(cold).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(second.outputs.digest).toBe(cold)
      expect(await registryDigest(image, repo.b)).toBe(cold)
      expect(first.outputs.reproducible).toBe('true')
      // The engine ran the built image: its ID is the digest, or (without the containerd store) the config's.
      expect(first.outputs['image-id']).toBe(engine.containerdStore ? cold : await configDigest(image, repo.b))
      expect(first.stdout).toMatch(/^2$/m)
    })

    test('built on a warm builder right after its parent, the commit has its cold digest', async () => {
      const image = uniqueImage(`${engine.name}-warm`)
      engine.coldBuilder()
      await build(repo.a, { image, mtime })
      const warm = await build(repo.b, { image, mtime })
      expect(warm.outputs.digest).toBe(cold)
    })

    test('on a cold builder with the registry cache its parent wrote: the dependency step is a cache hit, the digest the cold one, and only the code layer differs', async () => {
      const image = uniqueImage(`${engine.name}-regcache`)
      engine.coldBuilder()
      const parent = await build(repo.a, { image, mtime, cache: 'registry', push: 'true' })
      expect(dependencyStepCached(parent.stdout)).toBe(false)
      expect(await registryDigest(image, 'buildcache')).toMatch(/^sha256:/)
      engine.coldBuilder()
      const next = await build(repo.b, { image, mtime, cache: 'registry', push: 'true' })
      expect(dependencyStepCached(next.stdout)).toBe(true)
      expect(next.outputs.digest).toBe(cold)
      const [before, after] = [await layers(image, repo.a), await layers(image, repo.b)]
      expect(after.length).toBe(before.length)
      expect(after.slice(0, -1)).toEqual(before.slice(0, -1))
      expect(after.at(-1)).not.toBe(before.at(-1))
    })

    test('a Dockerfile changed below the dependency step: built after its parent or cold, one digest', async () => {
      const image = uniqueImage(`${engine.name}-recipe`)
      engine.coldBuilder()
      const alone = await build(repo.c, { image, mtime })
      engine.coldBuilder()
      await build(repo.b, { image, mtime })
      const afterParent = await build(repo.c, { image, mtime })
      // A builder of the run's own starts empty every time; any other holds the parent's dependency step.
      expect(dependencyStepCached(afterParent.stdout)).toBe(engine.cachesAcrossRuns)
      expect(afterParent.outputs.digest).toBe(alone.outputs.digest)
    })
  })

  test(`${engine.name}: with reuse, a re-run of a pushed commit tags the tested digest again without building`, async () => {
    const image = uniqueImage(`${engine.name}-rerun`)
    // Only a tested push leaves the test-result attestation a re-run requires.
    const first = await build(repo.a, { image, push: 'true', reuse: 'true', 'test-command': 'python3 -m app' })
    const again = await build(repo.a, { image, push: 'true', rebuild: 'false', reuse: 'true', tags: 'stable', 'test-command': 'python3 -m app' })
    expect(again.stdout).not.toContain('::group::Build')
    expect(again.outputs.digest).toBe(first.outputs.digest)
    expect(await registryDigest(image, 'stable')).toBe(first.outputs.digest)
  })

  test(`${engine.name}: a provenance attestation inside the image (in-image) stays attached to what was tested and pushed`, async () => {
    const image = uniqueImage(`${engine.name}-provenance`)
    const run = await build(repo.a, { image, push: 'true', provenance: 'in-image', 'test-command': 'python3 -m app' })
    expect(run.outputs.reproducible).toBe('false')
    expect(await registryDigest(image, repo.a)).toBe(run.outputs.digest)
    const index = JSON.parse(await registryManifest(image, repo.a)) as { manifests: { annotations?: Record<string, string> }[] }
    expect(index.manifests.some(m => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')).toBe(true)
    expect(run.stdout).toMatch(/^1$/m)
  })

  test(`${engine.name}: the base image behind the registry's login is read with the step's own login, and only with it`, async () => {
    const image = uniqueImage(`${engine.name}-private`)
    engine.coldBuilder()
    const refused = await runAction({ workspace, sha: repo.a, env: engine.env, inputs: { image, githash: repo.a, 'build-args': `BASE=${testbed.baseRef}`, push: 'false' } })
    expect(refused.exitCode).toBe(1)
    expect(refused.errors).toHaveLength(1)
    expect(refused.errors[0]).toMatch(/401|unauthorized|authorization/i)
    // With the login, the same build reads it (every build of this suite does).
    await build(repo.a, { image })
  })

  afterAll(() => {
    // Nothing left behind: no loaded image, no builder of a run.
    expect(runIds.length).toBeGreaterThan(10)
    for (const id of runIds) {
      expect(engine.docker('image', 'ls', '--quiet', '--filter', `reference=hashdock-run-${id}`)).toBe('')
      expect(() => engine.docker('buildx', 'inspect', `hashdock-${id}`)).toThrow()
    }
  })
}
