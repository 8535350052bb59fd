// The tested-by attestation end to end: stored beside the pushed digest in the real registries, read back
// through their HTTP API, and required by a re-run before it reuses anything.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { registryTags } from '../test/support/registry.js'
import { exampleDir, FixtureRepo } from '../test/support/repo.js'
import { bothRegistries, testbed } from '../test/support/testbed.js'
import { attest, whyUnattested } from '../src/core/stages/attest.js'
import type { Plan } from '../src/core/stages/plan.js'
import type { Log } from '../src/core/log.js'

jest.setTimeout(600_000)

const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json'
const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

type Descriptor = { mediaType: string; digest: string; size: number; artifactType?: string }
type Manifest = { mediaType: string; artifactType?: string; config: Descriptor; layers: Descriptor[]; subject?: Descriptor; manifests?: Descriptor[] }

/** One registry's HTTP API, with the test bed's login for it; every answer checked against its digest. */
function registryApi(host: string, username: string, password: string) {
  const headers = { Accept: accept, Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
  const repo = (image: string): string => image.slice(image.indexOf('/') + 1)
  const get = async (url: string): Promise<Buffer | undefined> => {
    const r = await fetch(url, { headers })
    const body = Buffer.from(await r.arrayBuffer())
    if (r.status === 404) return undefined
    if (!r.ok) throw new Error(`${host} answered ${r.status} for ${url}`)
    return body
  }
  return {
    async manifest(image: string, reference: string): Promise<{ digest: string; body: Manifest } | undefined> {
      const bytes = await get(`http://${host}/v2/${repo(image)}/manifests/${reference}`)
      return bytes && { digest: sha256(bytes), body: JSON.parse(bytes.toString('utf8')) as Manifest }
    },
    async blob(image: string, digest: string): Promise<Buffer> {
      const bytes = await get(`http://${host}/v2/${repo(image)}/blobs/${digest}`)
      if (!bytes || sha256(bytes) !== digest) throw new Error(`${host} has no blob ${digest} in ${image}`)
      return bytes
    }
  }
}

const first = registryApi(testbed.registry, testbed.username, testbed.password)
const second = registryApi(testbed.registry2, testbed.username2, testbed.password2)

/** What the registry lists under the fallback tag for `digest`, each artifact manifest and its statement. */
async function attestations(api: typeof first, image: string, digest: string) {
  const index = await api.manifest(image, digest.replace(':', '-'))
  const found = []
  for (const d of index?.body.manifests ?? []) {
    const manifest = await api.manifest(image, d.digest)
    if (!manifest) throw new Error(`the fallback index lists ${d.digest}, which ${image} does not hold`)
    const layer = manifest.body.layers[0]
    found.push({ descriptor: d, manifest, statement: JSON.parse((await api.blob(image, layer.digest)).toString('utf8')) })
  }
  return { index, found }
}

const UNIT = 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml'

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo().copy(exampleDir).write('VERSION', 'attested\n')
  commit = origin.commit('a commit to attest', '2024-05-06T07:08:09Z')
})

function inputs(images: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...bothRegistries(images),
    'build-args': `BASE=${testbed.baseImage}`,
    'test-command': UNIT,
    'test-results': '/tmp/results',
    ...extra
  }
}

const unique = (): string => `e2e/attest-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

describe('a passing run pushed to two registries', () => {
  const name = unique()
  const images = [`${testbed.registry}/${name}`, `${testbed.registry2}/${name}`]
  let run: ActionRun

  beforeAll(async () => {
    run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs(images), env: { GITHUB_RUN_ID: '4242' } })
  })

  test('succeeds and names the attestation in an output, a notice and the summary', () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs.attestation).toMatch(/^sha256:[0-9a-f]{64}$/)
    // No identity token here: stored unsigned, and said once.
    expect(run.stdout).toMatch(/^::notice::test-result attestation not signed: the workflow has no id-token: write$/m)
    expect(run.summary).toContain(`| Attestation | test-result \`${run.outputs.attestation}\`, 3 passed tests named`)
    expect(run.summary).toContain(`${images[1]} (tag \`${run.outputs.digest.replace(':', '-')}\`)`)
  })

  test.each([
    ['the first registry', 0],
    ['the second registry', 1]
  ])('%s holds the statement beside the pushed digest, bound to it by subject', async (_, i) => {
    const api = [first, second][i]
    const { index, found } = await attestations(api, images[i], run.outputs.digest)
    expect(index?.body.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(found.map(f => f.descriptor.artifactType)).toEqual(['application/vnd.in-toto+json'])
    const [{ manifest, statement, descriptor }] = found
    expect(descriptor.digest).toBe(run.outputs.attestation)
    expect(manifest.digest).toBe(run.outputs.attestation)
    expect(manifest.body.artifactType).toBe('application/vnd.in-toto+json')
    expect(manifest.body.config).toEqual({ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(Buffer.from('{}')), size: 2 })
    expect(manifest.body.subject?.digest).toBe(run.outputs.digest)
    // The subject's descriptor is the manifest the registry holds under the commit's tag.
    expect((await api.manifest(images[i], commit))?.digest).toBe(run.outputs.digest)

    const hex = run.outputs.digest.slice('sha256:'.length)
    expect(statement._type).toBe('https://in-toto.io/Statement/v1')
    expect(statement.subject).toEqual(images.map(name => ({ name, digest: { sha256: hex } })))
    expect(statement.predicateType).toBe('https://in-toto.io/attestation/test-result/v0.1')
    expect(statement.predicate.result).toBe('PASSED')
    expect(statement.predicate.url).toBe('https://github.com/acme/app/actions/runs/4242')
    expect(statement.predicate.configuration).toEqual([
      { name: 'commit', uri: `git+https://github.com/acme/app@${commit}`, digest: { gitCommit: commit } },
      { name: 'test-command', annotations: { command: UNIT } }
    ])
    expect(statement.predicate.passedTests).toEqual([
      'tests.unit.test_app.test_health',
      'tests.unit.test_app.test_visits_count_up',
      'tests.unit.test_app.test_unknown_name_has_no_visits'
    ])
    expect(statement.predicate.failedTests).toEqual([])
  })

  test('a re-run with reuse finds the attestation and reuses the digest; the attestation stays one', async () => {
    const again = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs(images, { reuse: 'true' }) })
    expect(again.errors).toEqual([])
    expect(again.stdout).not.toMatch(/::group::Build /)
    expect(again.summary).toContain('already tested, tags re-applied')
    expect(again.outputs.digest).toBe(run.outputs.digest)
    const { found } = await attestations(first, images[0], run.outputs.digest)
    expect(found.map(f => f.descriptor.digest)).toEqual([run.outputs.attestation])
  })

  test('a re-run with reuse that adds a repository copies the digest and its attestation there, byte for byte', async () => {
    const added = `${testbed.registry2}/${unique()}/${name.split('/').pop()}`
    const again = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs([images[0], added], { reuse: 'true' }) })
    expect(again.errors).toEqual([])
    expect(again.stdout).not.toMatch(/::group::Build /)
    expect(again.stdout).toContain(`Copied the test-result attestation of ${run.outputs.digest} to ${added}`)
    const { found } = await attestations(second, added, run.outputs.digest)
    expect(found.map(f => f.descriptor.digest)).toEqual([run.outputs.attestation])
    expect(found[0].manifest.body.subject?.digest).toBe(run.outputs.digest)
  })

  test('with a signer, the bundle it returns is stored beside the statement and both are listed; a re-run still finds the statement', async () => {
    // The core with a stand-in for the adapter's signer: offline there is no identity to sign with.
    const signedRepo = `${testbed.registry}/${unique()}`
    const auth = mkdtempSync(join(tmpdir(), 'hashdock-test-auth-'))
    const authfile = join(auth, 'auth.json')
    writeFileSync(authfile, JSON.stringify({ auths: { [testbed.registry]: { auth: Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64') } } }))
    try {
      execFileSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', '--authfile', authfile, '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${images[0]}:${commit}`, `docker://${signedRepo}:${commit}`])
      const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: { payloadType: 'application/vnd.in-toto+json', payload: 'c3RhbmQtaW4=' } }
      const signed: object[] = []
      const workspace = { repoDir: origin.dir, workDir: auth, runId: 'attesttest', defaultRef: commit, signer: { sign: async (s: object) => (signed.push(s), { bundle, mediaType: bundle.mediaType }) } }
      const plan = { images: [signedRepo], commit, workspace, test: { unit: UNIT, integration: '', results: '' }, publish: { provenance: false } } as unknown as Plan
      const quiet: Log = { info: () => {}, warning: () => {}, notice: () => {}, debug: () => {}, error: () => {}, group: (_, f) => f(), untrusted: f => f() }
      const tests = [{ kind: 'unit' as const, command: UNIT, exitCode: 0, passed: true, seconds: 1 }]
      const stored = (await attest(plan, run.outputs.digest, tests, [], { registries: [], authfile }, quiet)).attestation!
      expect(signed).toEqual([stored.statement])
      expect(stored.signature).toMatch(/^sha256:[0-9a-f]{64}$/)

      const { found } = await attestations(first, signedRepo, run.outputs.digest)
      expect(found.map(f => f.descriptor.artifactType).sort()).toEqual(['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.in-toto+json'])
      const sig = found.find(f => f.descriptor.digest === stored.signature)
      expect(sig?.statement).toEqual(bundle)
      expect(sig?.manifest.body.subject?.digest).toBe(run.outputs.digest)
      expect(await whyUnattested(signedRepo, run.outputs.digest, commit, { registries: [], authfile })).toBeUndefined()
      expect(await whyUnattested(signedRepo, run.outputs.digest, 'f'.repeat(40), { registries: [], authfile })).toMatch(/it is not of commit f{40}/)
    } finally {
      rmSync(auth, { recursive: true, force: true })
    }
  })

  test('the same image without the attestation beside it is not reused: the re-run builds, tests and attests', async () => {
    // Same last path component, so the same title label and fingerprint: only the attestation is missing.
    const bare = `${testbed.registry}/${unique()}/${name.split('/').pop()}`
    const auth = mkdtempSync(join(tmpdir(), 'hashdock-test-auth-'))
    const file = join(auth, 'auth.json')
    writeFileSync(file, JSON.stringify({ auths: { [testbed.registry]: { auth: Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64') } } }))
    try {
      execFileSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', '--authfile', file, '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${images[0]}:${commit}`, `docker://${bare}:${commit}`])
    } finally {
      rmSync(auth, { recursive: true, force: true })
    }
    expect((await first.manifest(bare, commit))?.digest).toBe(run.outputs.digest)
    expect((await attestations(first, bare, run.outputs.digest)).index).toBeUndefined()

    const rerun = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs([bare], { reuse: 'true' }) })
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).toContain(`::notice::Not reusing ${bare}:${commit}: ${bare} holds no test-result attestation for ${run.outputs.digest}; building and testing it again`)
    expect(rerun.stdout).toMatch(/::group::Build /)
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
    const { found } = await attestations(first, bare, run.outputs.digest)
    expect(found).toHaveLength(1)
    expect(found[0].statement.subject).toEqual([{ name: bare, digest: { sha256: run.outputs.digest.slice('sha256:'.length) } }])
  })

  // Last of this group: it stores a second record beside the digest.
  test('a re-run that tests otherwise is not reused: it says how the record says it was tested, then builds and tests, to the same digest', async () => {
    const integration = 'python -m pytest -q tests/unit'
    const rerun = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs(images, { reuse: 'true', 'integration-command': integration }) })
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).toContain(
      `::notice::Not reusing ${images[0]}:${commit}: attestation ${run.outputs.attestation}: it was tested otherwise (test-command '${UNIT}') than this run tests (test-command '${UNIT}', integration-command '${integration}'); building and testing it again`
    )
    expect(rerun.stdout).toMatch(/::group::Build /)
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
  })
})

test('a failing test run pushes nothing and stores no attestation', async () => {
  const image = `${testbed.registry}/${unique()}`
  const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs([image], { 'test-command': 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml -k health && exit 3' }) })
  expect(run.exitCode).not.toBe(0)
  expect(run.outputs.attestation).toBeUndefined()
  expect(run.summary).not.toContain('Attestation')
  expect(await registryTags(image)).toEqual([])
})

test('the CLI stores it too, names the origin remote in the commit, and reports it in its report and --json', async () => {
  const image = `${testbed.registry}/${unique()}`
  const checkout = origin.clone()
  execFileSync('git', ['-C', checkout, 'remote', 'set-url', 'origin', 'git@github.com:acme/app.git'])
  const args = ['build', '--repo', checkout, '--image', image, '--registry-username', testbed.username, '--build-args', `BASE=${testbed.baseImage}`, '--test-command', UNIT, '--test-results', '/tmp/results', '--push', 'true', '--advice', 'false']
  const env = { HASHDOCK_REGISTRY_PASSWORD: testbed.password }
  const json = await runCli([...args, '--json'], { env })
  expect(json.exitCode).toBe(0)
  const outputs = JSON.parse(json.stdout) as Record<string, string>
  expect(outputs.attestation).toMatch(/^sha256:[0-9a-f]{64}$/)
  const { found } = await attestations(first, image, outputs.digest)
  expect(found.map(f => f.descriptor.digest)).toEqual([outputs.attestation])
  expect(found[0].statement.predicate.configuration[0]).toEqual({ name: 'commit', uri: `git+https://github.com/acme/app@${commit}`, digest: { gitCommit: commit } })
  expect(found[0].statement).not.toHaveProperty('predicate.url')

  // The same facts again: the same statement, so the same record, and the fallback index lists it once.
  const report = await runCli(args, { env })
  expect(report.exitCode).toBe(0)
  expect(report.stdout).toMatch(new RegExp(`Attestation +test-result ${outputs.attestation} \\(not signed\\)\n +${image.replace(/\./g, '\\.')} \\(tag ${outputs.digest.replace(':', '-')}\\)`))
  expect((await attestations(first, image, outputs.digest)).found.map(f => f.descriptor.digest)).toEqual([outputs.attestation])
})
