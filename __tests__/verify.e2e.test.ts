// Signed end to end, offline: the action signs the test-result record against the test bed's Sigstore
// (through sigstore-instance), and `hashdock verify` accepts it — and rejects a forged, a re-pointed and a
// tampered record, an unsigned one, and a signature by another repository or workflow, one line each.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { bundleFromJSON } from '@sigstore/bundle'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { PolicyError, toSignedEntity, toTrustMaterial, VerificationError, Verifier } from '@sigstore/verify'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli, type CliRun } from '../test/support/cli.js'
import { exampleDir, FixtureRepo } from '../test/support/repo.js'
import { startSigstore, type SigstoreStandIn } from '../test/support/sigstore.js'
import { startReferrersRegistry, type ReferrersRegistry } from '../test/support/referrers-registry.js'
import { registryTags } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'
import { canonicalJson } from '../src/core/attestation/statement.js'
import { githubSigner } from '../src/action/signer.js'
import { parseSigstoreInstance } from '../src/core/attestation/instance.js'
import { attest, type StoredAttestation, type StoredProvenance } from '../src/core/stages/attest.js'
import type { Plan } from '../src/core/stages/plan.js'
import type { Log } from '../src/core/log.js'
import { digestOf, fallbackTag, OCI_INDEX, OCI_MANIFEST, type Descriptor } from '../src/core/oci.js'
import { RegistryApi } from '../src/core/programs/registry-api.js'

jest.setTimeout(600_000)

const UNIT = 'python -m pytest -q tests/unit --junitxml=/tmp/results/unit.xml'
const WORKFLOW = 'acme/app/.github/workflows/hashdock.yml@refs/heads/main'
const unique = (what: string): string => `${testbed.registry}/verify-${what}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

let sigstore: SigstoreStandIn

/** A run that tests the example and signs its record with the Sigstore stand-in, pushing to `image`. */
const signedInputs = (image: string, extra: Record<string, string> = {}): Record<string, string> => ({
  image,
  'registry-username': testbed.username,
  'registry-password': testbed.password,
  'build-args': `BASE=${testbed.baseImage}`,
  'test-command': UNIT,
  'test-results': '/tmp/results',
  'sigstore-instance': sigstore.instance,
  'github-attestations': 'false',
  ...extra
})
let origin: FixtureRepo
let commit: string
let image: string
let run: ActionRun
/** A docker configuration with the test bed's login, as a user who can read the registry has. */
let dockerConfig: string
let trustedRoot: string

beforeAll(async () => {
  sigstore = await startSigstore()
  origin = new FixtureRepo().copy(exampleDir).write('VERSION', 'verified\n')
  commit = origin.commit('a commit to sign', '2024-05-06T07:08:09Z')
  dockerConfig = mkdtempSync(join(tmpdir(), 'hashdock-test-verify-'))
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [testbed.registry]: { auth: Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64') } } }))
  trustedRoot = join(dockerConfig, 'trusted_root.json')
  writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRoot))
  image = unique('app')
  run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: signedInputs(image),
    env: { GITHUB_RUN_ID: '4242', ...sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit }) }
  })
  if (run.errors.length) console.log(run.stdout.split('\n').slice(-80).join('\n'))
})

afterAll(() => sigstore?.close())

const api = (repo: string) => RegistryApi.open(repo, { authfile: join(dockerConfig, 'config.json') })
const verify = (reference: string, ...flags: string[]): Promise<CliRun> => runCli(['verify', reference, '--trusted-root', trustedRoot, ...flags], { env: { DOCKER_CONFIG: dockerConfig } })
const expected = ['--repository', 'acme/app']

/** The record and its signature beside `digest` in `repo`: their descriptors, manifests and contents. */
async function stored(repo: string, digest: string) {
  const registry = await api(repo)
  const { listed } = await registry.referrersOf(digest)
  const read = async (d: Descriptor) => {
    const held = await registry.manifest(d.digest)
    const manifest = JSON.parse(held!.bytes.toString('utf8')) as { layers: Descriptor[]; subject: Descriptor; config: Descriptor; artifactType: string }
    return { descriptor: d, manifest, content: (await registry.fetchBlob(manifest.layers[0].digest))! }
  }
  // The test-result record (a provenance record may stand beside it), and the bundle that signs it.
  const records = await Promise.all(listed.filter(d => d.artifactType === 'application/vnd.in-toto+json').map(read))
  const record = records.find(r => r.content.toString('utf8').includes('"https://in-toto.io/attestation/test-result/v0.1"'))!
  const bundles = await Promise.all(listed.filter(d => d.artifactType?.startsWith('application/vnd.dev.sigstore.bundle')).map(read))
  const payload = (b: (typeof bundles)[number]): string => Buffer.from((JSON.parse(b.content.toString('utf8')) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, 'base64').toString('utf8')
  const bundle = bundles.find(b => canonicalJson(JSON.parse(payload(b))) === record.content.toString('utf8')) ?? bundles[0]
  return { registry, record, bundle }
}

/** Stores `content` as an artifact with `subject`, as hashdock does (or as someone with push access could). */
async function putArtifact(registry: RegistryApi, artifactType: string, content: Buffer, subject: Descriptor): Promise<Descriptor> {
  const config = await registry.putBlob(Buffer.from('{}'))
  const layer = await registry.putBlob(content)
  const body = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { ...config, mediaType: 'application/vnd.oci.empty.v1+json' },
      layers: [{ ...layer, mediaType: artifactType }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
    })
  )
  await registry.putManifest(digestOf(body), OCI_MANIFEST, body)
  return { mediaType: OCI_MANIFEST, digest: digestOf(body), size: body.length, artifactType }
}

/** Lists exactly `referrers` under the fallback tag of `digest`: what a writer of the repository can do. */
async function listUnder(registry: RegistryApi, digest: string, referrers: Descriptor[]): Promise<void> {
  await registry.putManifest(fallbackTag(digest), OCI_INDEX, Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: referrers })))
}

/** A copy of the tested image (or of `from`'s) in a repository of its own, so a test can rewrite what is listed beside it. */
function copyImage(to: string, from = image): void {
  execFileSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', '--authfile', join(dockerConfig, 'config.json'), '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${from}:${commit}`, `docker://${to}:${commit}`])
}

/** copyImage into a new repository named after `what`: the repository, its registry, and the tested digest's descriptor there. */
async function copyOf(what: string, from = image): Promise<{ repo: string; registry: RegistryApi; subject: Descriptor }> {
  const repo = unique(what)
  copyImage(repo, from)
  const registry = await api(repo)
  return { repo, registry, subject: (await registry.manifest(run.outputs.digest))!.descriptor }
}

/**
 * What an independent verifier does with the record and bundle beside `digest`, with sigstore-js alone and
 * none of hashdock's code: the bundle verifies against the instance's trusted root and was signed by the
 * expected workflow; the statement stored is the one signed; and it names `digest`. Throws when any fails.
 */
function independentlyVerify(bundle: object, statement: Buffer, digest: string): void {
  const json = bundle as { dsseEnvelope: { payload: string } }
  new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(json)), {
    subjectAlternativeName: `https://github.com/${WORKFLOW}`,
    extensions: { issuer: 'https://token.actions.githubusercontent.com' }
  })
  const signed = Buffer.from(json.dsseEnvelope.payload, 'base64')
  if (canonicalJson(JSON.parse(signed.toString('utf8'))) !== statement.toString('utf8')) throw new Error('the stored statement is not the one signed')
  const subjects = (JSON.parse(signed.toString('utf8')) as { subject: { digest: { sha256: string } }[] }).subject
  if (!subjects.some(s => `sha256:${s.digest.sha256}` === digest)) throw new Error(`the signed statement does not name ${digest}`)
}

/** The genuine bundle with its envelope's payload replaced by `statement`, its signature left as it was. */
function withPayload(bundle: Buffer, statement: object): object {
  const json = JSON.parse(bundle.toString('utf8')) as { dsseEnvelope: { payload: string } }
  json.dsseEnvelope.payload = Buffer.from(canonicalJson(statement)).toString('base64')
  return json
}

const oneLine = (r: CliRun): string => {
  expect(r.exitCode).toBe(1)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]
}

describe('a record the action signed against the test bed\'s Sigstore', () => {
  test('the run signs through the instance named, and stores the record and its bundle beside the digest', async () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).not.toMatch(/not signed/)
    expect(sigstore.requests()).toEqual(expect.arrayContaining(['POST /api/v2/signingCert', 'POST /api/v1/log/entries', 'POST /api/v1/timestamp']))
    const { record, bundle } = await stored(image, run.outputs.digest)
    expect(record.descriptor.digest).toBe(run.outputs.attestation)
    expect(bundle.manifest.subject.digest).toBe(run.outputs.digest)
  })

  test('an independent verifier (sigstore-js\'s own, with the instance\'s trusted root) accepts the bundle, and it signs the stored statement', async () => {
    const { record, bundle } = await stored(image, run.outputs.digest)
    const json = JSON.parse(bundle.content.toString('utf8')) as { dsseEnvelope: { payload: string } }
    const signer = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(json)))
    expect(signer.identity?.subjectAlternativeName).toBe(`https://github.com/${WORKFLOW}`)
    expect(canonicalJson(JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8')))).toBe(record.content.toString('utf8'))
  })

  describe('the independent verifier (sigstore-js, none of hashdock\'s code)', () => {
    test('accepts the genuine record beside the digest it was signed for', async () => {
      const { record, bundle } = await stored(image, run.outputs.digest)
      expect(() => independentlyVerify(JSON.parse(bundle.content.toString('utf8')) as object, record.content, run.outputs.digest)).not.toThrow()
    })

    test('rejects a forged record: signed for real, by a Sigstore the trusted root does not name', async () => {
      const { record } = await stored(image, run.outputs.digest)
      const rogue = await startSigstore()
      try {
        const forged = await rogue.sign({ repository: 'acme/app', jobWorkflowRef: WORKFLOW }, record.content)
        expect(() => independentlyVerify(forged, record.content, run.outputs.digest)).toThrow(VerificationError)
      } finally {
        await rogue.close()
      }
    })

    test('rejects a re-pointed record: the genuine signature for another digest, and its statement re-bound to that digest', async () => {
      const { record, bundle } = await stored(image, run.outputs.digest)
      const other = `sha256:${'1'.repeat(64)}`
      expect(() => independentlyVerify(JSON.parse(bundle.content.toString('utf8')) as object, record.content, other)).toThrow(`the signed statement does not name ${other}`)
      const statement = JSON.parse(record.content.toString('utf8')) as { subject: { digest: { sha256: string } }[] }
      statement.subject = statement.subject.map(s => ({ ...s, digest: { sha256: other.slice('sha256:'.length) } }))
      expect(() => independentlyVerify(withPayload(bundle.content, statement), Buffer.from(canonicalJson(statement)), other)).toThrow(VerificationError)
    })

    test('rejects a tampered record: a changed statement beside the genuine signature, or inside its envelope', async () => {
      const { record, bundle } = await stored(image, run.outputs.digest)
      const statement = JSON.parse(record.content.toString('utf8')) as { predicate: { configuration: { digest?: { gitCommit?: string } }[] } }
      statement.predicate.configuration[0].digest = { gitCommit: 'f'.repeat(40) }
      const changed = Buffer.from(canonicalJson(statement))
      expect(() => independentlyVerify(JSON.parse(bundle.content.toString('utf8')) as object, changed, run.outputs.digest)).toThrow('the stored statement is not the one signed')
      expect(() => independentlyVerify(withPayload(bundle.content, statement), changed, run.outputs.digest)).toThrow(VerificationError)
    })

    test('rejects the genuine record when another workflow is expected', async () => {
      const { bundle } = await stored(image, run.outputs.digest)
      const entity = toSignedEntity(bundleFromJSON(JSON.parse(bundle.content.toString('utf8')) as object))
      const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 })
      expect(() => verifier.verify(entity, { subjectAlternativeName: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main', extensions: {} })).toThrow(PolicyError)
    })
  })

  test('hashdock verify accepts it and prints the commit, the command, the result and the test counts', async () => {
    const r = await verify(`${image}@${run.outputs.digest}`, ...expected, '--workflow', '.github/workflows/hashdock.yml')
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    const rows = r.stdout.split('\n').map(l => l.trim().replace(/ {2,}/g, ' | '))
    expect(rows).toEqual(
      expect.arrayContaining([
        `Commit | ${commit} (git+https://github.com/acme/app@${commit})`,
        `test-command | ${UNIT}`,
        'Result | PASSED: 3 passed, 0 failed, 0 warned tests named',
        `Signed by | https://github.com/${WORKFLOW} (https://github.com/acme/app, refs/heads/main)`,
        'Run | https://github.com/acme/app/actions/runs/4242'
      ])
    )
    expect(r.stdout).toContain(`Verified: ${run.outputs.digest} passed its tests, signed by a workflow run of https://github.com/acme/app.`)
  })

  test('--json gives the same facts', async () => {
    const r = await verify(`${image}@${run.outputs.digest}`, ...expected, '--json')
    expect(r.exitCode).toBe(0)
    const out = JSON.parse(r.stdout) as { status: string; record: Record<string, unknown> }
    expect(out.status).toBe('passed')
    expect(out.record).toMatchObject({
      image,
      digest: run.outputs.digest,
      record: run.outputs.attestation,
      via: 'tag',
      commit,
      result: 'PASSED',
      commands: [{ name: 'test-command', command: UNIT }],
      passed: 3,
      failed: 0,
      signed: { workflow: `https://github.com/${WORKFLOW}`, repository: 'https://github.com/acme/app', issuer: 'https://token.actions.githubusercontent.com' }
    })
  })

  test.each([
    [['--repository', 'other/app'], /^hashdock: not verified: record sha256:[0-9a-f]{64}: signed by a workflow run of https:\/\/github\.com\/acme\/app, not of other\/app$/],
    [[...expected, '--workflow', '.github/workflows/release.yml'], /signed by https:\/\/github\.com\/acme\/app\/\.github\/workflows\/hashdock\.yml@refs\/heads\/main, not by the workflow acme\/app\/\.github\/workflows\/release\.yml$/]
  ])('another expected identity (%j) is refused in one line', async (flags, line) => {
    expect(oneLine(await verify(`${image}@${run.outputs.digest}`, ...flags))).toMatch(line)
  })

  test('another instance\'s trusted root does not verify it; both roots, one a line, do', async () => {
    const other = await startSigstore()
    try {
      const root = join(dockerConfig, 'other-root.json')
      writeFileSync(root, JSON.stringify(other.trustedRoot))
      const r = await runCli(['verify', `${image}@${run.outputs.digest}`, '--trusted-root', root, ...expected], { env: { DOCKER_CONFIG: dockerConfig } })
      expect(oneLine(r)).toMatch(/^hashdock: not verified: record sha256:[0-9a-f]{64}: its signature sha256:[0-9a-f]{64} does not verify: /)
      // Both roots, one a line as gh attestation trusted-root writes them: the one that signed verifies it.
      const both = join(dockerConfig, 'both-roots.jsonl')
      writeFileSync(both, `${JSON.stringify(other.trustedRoot)}\n${JSON.stringify(sigstore.trustedRoot)}\n`)
      const accepted = await runCli(['verify', `${image}@${run.outputs.digest}`, '--trusted-root', both, ...expected], { env: { DOCKER_CONFIG: dockerConfig } })
      expect([accepted.stderr, accepted.exitCode]).toEqual(['', 0])
    } finally {
      await other.close()
    }
  })

  test('forged: a record written by someone who can push, signed by another Sigstore, is refused', async () => {
    const { repo, registry, subject } = await copyOf('forged')
    const { record } = await stored(image, run.outputs.digest)
    const statement = JSON.parse(record.content.toString('utf8')) as { predicate: { passedTests: string[] } }
    statement.predicate.passedTests = ['tests.everything_is_fine']
    const forgedRecord = await putArtifact(registry, 'application/vnd.in-toto+json', Buffer.from(canonicalJson(statement)), subject)
    // Signed for real, by a Sigstore the verifier does not trust, with the right repository's name in the token.
    const rogue = await startSigstore()
    try {
      const bundle = await rogue.sign({ repository: 'acme/app', jobWorkflowRef: WORKFLOW }, Buffer.from(canonicalJson(statement)))
      const forgedBundle = await putArtifact(registry, 'application/vnd.dev.sigstore.bundle.v0.3+json', Buffer.from(canonicalJson(bundle)), subject)
      await listUnder(registry, run.outputs.digest, [forgedRecord, forgedBundle])
    } finally {
      await rogue.close()
    }
    expect(oneLine(await verify(`${repo}@${run.outputs.digest}`, ...expected))).toMatch(new RegExp(`^hashdock: not verified: record ${forgedRecord.digest}: its signature ${'sha256:[0-9a-f]{64}'} does not verify: `))
  })

  test('forged and unsigned: refused unless --allow-unsigned, which says so', async () => {
    const { repo, registry, subject } = await copyOf('unsigned')
    const { record } = await stored(image, run.outputs.digest)
    const unsigned = await putArtifact(registry, 'application/vnd.in-toto+json', record.content, subject)
    await listUnder(registry, run.outputs.digest, [unsigned])
    expect(oneLine(await verify(`${repo}@${run.outputs.digest}`, ...expected))).toBe(
      `hashdock: not verified: record ${unsigned.digest} is not signed; anyone who can push to ${repo} could have written it (--allow-unsigned accepts it)`
    )
    const allowed = await verify(`${repo}@${run.outputs.digest}`, '--allow-unsigned')
    expect(allowed.exitCode).toBe(0)
    expect(allowed.stdout).toMatch(/^ {2}Signed by +nobody: unsigned, accepted with --allow-unsigned$/m)
    expect(allowed.stdout).toContain(`Accepted unsigned: anyone who can push to ${repo} could have written this record.`)
  })

  test('re-pointed: the genuine record and signature listed beside another digest are refused, however they are bound', async () => {
    const registry = await api(image)
    // Another digest in the same repository: an artifact of its own, standing in for another image.
    const other = await putArtifact(registry, 'application/vnd.example.other', Buffer.from('another image'), (await registry.manifest(run.outputs.digest))!.descriptor)
    const { record, bundle } = await stored(image, run.outputs.digest)
    // Listed as they are: their subject is still the tested digest.
    await listUnder(registry, other.digest, [record.descriptor, bundle.descriptor])
    expect(oneLine(await verify(`${image}@${other.digest}`, ...expected))).toBe(`hashdock: not verified: record ${record.descriptor.digest} is bound to ${run.outputs.digest}, not ${other.digest}`)
    // Re-bound: new artifacts whose subject is the other digest, holding the genuine statement and bundle.
    const otherSubject = (await registry.manifest(other.digest))!.descriptor
    const moved = await putArtifact(registry, 'application/vnd.in-toto+json', record.content, otherSubject)
    const movedBundle = await putArtifact(registry, bundle.descriptor.artifactType!, bundle.content, otherSubject)
    await listUnder(registry, other.digest, [moved, movedBundle])
    expect(oneLine(await verify(`${image}@${other.digest}`, ...expected))).toBe(
      `hashdock: not verified: record ${moved.digest} names ${run.outputs.digest}, not ${other.digest}: it was moved here from another image`
    )
  })

  test('tampered: a changed statement beside the genuine signature is refused', async () => {
    const { repo, registry, subject } = await copyOf('tampered')
    const { record, bundle } = await stored(image, run.outputs.digest)
    const statement = JSON.parse(record.content.toString('utf8')) as { predicate: { configuration: { digest?: { gitCommit?: string } }[] } }
    statement.predicate.configuration[0].digest = { gitCommit: 'f'.repeat(40) }
    const tampered = await putArtifact(registry, 'application/vnd.in-toto+json', Buffer.from(canonicalJson(statement)), subject)
    const genuineBundle = await putArtifact(registry, bundle.descriptor.artifactType!, bundle.content, subject)
    await listUnder(registry, run.outputs.digest, [tampered, genuineBundle])
    expect(oneLine(await verify(`${repo}@${run.outputs.digest}`, ...expected))).toBe(`hashdock: not verified: record ${tampered.digest} is not the statement that was signed: it was changed after signing`)
  })

  test('another signed in-toto record beside the digest (a SLSA provenance statement) neither hides nor stands in for the test-result record', async () => {
    const { repo, registry, subject } = await copyOf('beside')
    const { record, bundle } = await stored(image, run.outputs.digest)
    const provenance = Buffer.from(
      canonicalJson({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: repo, digest: { sha256: run.outputs.digest.slice('sha256:'.length) } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: { buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: {} }, runDetails: { builder: { id: 'https://example.com/builder' } } }
      })
    )
    const signedProvenance = await sigstore.sign({ repository: 'acme/app', jobWorkflowRef: WORKFLOW }, provenance)
    // Listed first, signed by the same workflow: verify must still pick the test-result record and its own bundle.
    const other = await putArtifact(registry, 'application/vnd.in-toto+json', provenance, subject)
    const otherBundle = await putArtifact(registry, bundle.descriptor.artifactType!, Buffer.from(canonicalJson(signedProvenance)), subject)
    const genuine = await putArtifact(registry, 'application/vnd.in-toto+json', record.content, subject)
    const genuineBundle = await putArtifact(registry, bundle.descriptor.artifactType!, bundle.content, subject)
    await listUnder(registry, run.outputs.digest, [other, otherBundle, genuine, genuineBundle])
    expect(() => independentlyVerify(signedProvenance, provenance, run.outputs.digest)).not.toThrow()
    const r = await verify(`${repo}@${run.outputs.digest}`, ...expected, '--json')
    expect([r.stderr, r.exitCode]).toEqual(['', 0])
    expect((JSON.parse(r.stdout) as { record: { record: string; signed: { bundle: string } } }).record).toMatchObject({ record: genuine.digest, result: 'PASSED', signed: { bundle: genuineBundle.digest } })
    // Alone, the provenance record is not a test-result record, however well signed.
    await listUnder(registry, run.outputs.digest, [other, otherBundle])
    expect(oneLine(await verify(`${repo}@${run.outputs.digest}`, ...expected))).toBe(`hashdock: not verified: record ${other.digest} is not a test-result statement`)
  })

  test('a digest with no record beside it, and one the registry does not hold, are one line each', async () => {
    const bare = unique('bare')
    copyImage(bare)
    expect(oneLine(await verify(`${bare}@${run.outputs.digest}`, ...expected))).toBe(`hashdock: not verified: ${bare}@${run.outputs.digest} has no test-result attestation (looked in the fallback tag ${fallbackTag(run.outputs.digest)})`)
    const missing = `sha256:${'0'.repeat(64)}`
    expect(oneLine(await verify(`${bare}@${missing}`, ...expected))).toBe(`hashdock: not verified: ${bare} does not hold ${missing}`)
  })
})

describe('provenance beside the image (provenance: true)', () => {
  // The same commit and inputs with a provenance record asked for: the image is the same bytes, and a
  // second signed record, SLSA provenance, stands beside it.
  let repo: string
  let provenanceRun: ActionRun
  beforeAll(async () => {
    repo = unique('provenance')
    provenanceRun = await runAction({
      workspace: origin.clone(),
      sha: commit,
      inputs: signedInputs(repo, { provenance: 'true', advice: 'false' }),
      env: { GITHUB_RUN_ID: '4243', GITHUB_WORKFLOW_REF: WORKFLOW, ...sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit }) }
    })
  })

  /** The SLSA record and its bundle beside `digest` in `repo`. */
  async function provenanceBeside(digest: string) {
    const registry = await api(repo)
    const { listed } = await registry.referrersOf(digest)
    const contents = await Promise.all(
      listed.map(async d => {
        const manifest = JSON.parse((await registry.manifest(d.digest))!.bytes.toString('utf8')) as { layers: Descriptor[]; subject: Descriptor }
        return { descriptor: d, subject: manifest.subject.digest, content: (await registry.fetchBlob(manifest.layers[0].digest))! }
      })
    )
    const record = contents.find(c => c.descriptor.artifactType === 'application/vnd.in-toto+json' && c.content.toString('utf8').includes('"https://slsa.dev/provenance/v1"'))!
    const bundle = contents.find(c => c.descriptor.artifactType?.startsWith('application/vnd.dev.sigstore.bundle') && Buffer.from((JSON.parse(c.content.toString('utf8')) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, 'base64').toString('utf8') === record.content.toString('utf8'))
    return { listed, record, bundle }
  }

  test('the digest is the one without it, reproducible, and the record is an output and in the log', () => {
    expect(provenanceRun.errors).toEqual([])
    expect(provenanceRun.exitCode).toBe(0)
    expect(provenanceRun.outputs.digest).toBe(run.outputs.digest)
    expect(provenanceRun.outputs.reproducible).toBe('true')
    expect(provenanceRun.outputs['provenance-attestation']).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(provenanceRun.stdout).toContain(`Provenance ${provenanceRun.outputs['provenance-attestation']} stored beside ${repo}@${provenanceRun.outputs.digest} (tag ${fallbackTag(provenanceRun.outputs.digest)})`)
    expect(provenanceRun.stdout).not.toMatch(/not signed|not stored/)
  })

  test('beside the digest: the test-result record, the SLSA provenance record, and a signature of each', async () => {
    const { listed, record, bundle } = await provenanceBeside(provenanceRun.outputs.digest)
    expect(listed.map(d => d.artifactType).sort()).toEqual(['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.in-toto+json', 'application/vnd.in-toto+json'])
    expect(record.descriptor.digest).toBe(provenanceRun.outputs['provenance-attestation'])
    expect(record.subject).toBe(provenanceRun.outputs.digest)
    expect(bundle).toBeDefined()
  })

  test('it names the commit, the workflow that built it and the run, and no build argument\'s value', async () => {
    const { record } = await provenanceBeside(provenanceRun.outputs.digest)
    const statement = JSON.parse(record.content.toString('utf8')) as { subject: { name: string; digest: { sha256: string } }[]; predicate: { buildDefinition: { externalParameters: Record<string, unknown>; resolvedDependencies: unknown[] }; runDetails: unknown } }
    expect(statement.subject).toEqual([{ name: repo, digest: { sha256: provenanceRun.outputs.digest.slice('sha256:'.length) } }])
    expect(statement.predicate.buildDefinition.externalParameters).toMatchObject({ source: `git+https://github.com/acme/app@${commit}`, context: '.', dockerfile: 'Dockerfile', buildArgs: ['BASE'] })
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([{ uri: `git+https://github.com/acme/app@${commit}`, digest: { gitCommit: commit } }])
    expect(statement.predicate.runDetails).toEqual({ builder: { id: `https://github.com/${WORKFLOW}` }, metadata: { invocationId: 'https://github.com/acme/app/actions/runs/4243' } })
    expect(record.content.toString('utf8')).not.toContain(testbed.baseImage)
  })

  test('the independent verifier accepts its signature, by the workflow, over the stored statement naming the digest', async () => {
    const { record, bundle } = await provenanceBeside(provenanceRun.outputs.digest)
    expect(() => independentlyVerify(JSON.parse(bundle!.content.toString('utf8')) as object, record.content, provenanceRun.outputs.digest)).not.toThrow()
    // Moved beside another digest, it is refused: the signed statement names this one only.
    expect(() => independentlyVerify(JSON.parse(bundle!.content.toString('utf8')) as object, record.content, `sha256:${'0'.repeat(64)}`)).toThrow(/does not name/)
  })

  test('hashdock verify accepts the test-result record beside it, and says who built it from what, signed', async () => {
    const r = await verify(`${repo}@${provenanceRun.outputs.digest}`, ...expected, '--json')
    expect([r.stderr, r.exitCode]).toEqual(['', 0])
    const out = JSON.parse(r.stdout) as { record: { record: string; provenance?: object } }
    expect(out.record.record).toBe(provenanceRun.outputs.attestation)
    expect(out.record.provenance).toMatchObject({ record: provenanceRun.outputs['provenance-attestation'], builder: `https://github.com/${WORKFLOW}`, source: `git+https://github.com/acme/app@${commit}`, signed: { workflow: `https://github.com/${WORKFLOW}` } })
    const text = await verify(`${repo}@${provenanceRun.outputs.digest}`, ...expected)
    expect(text.stdout).toMatch(new RegExp(`^  Provenance +built by https://github.com/${WORKFLOW} from git\\+https://github.com/acme/app@${commit}, SLSA record ${provenanceRun.outputs['provenance-attestation']} \\(signed by https://github.com/${WORKFLOW}\\)$`, 'm'))
  })

  test('a provenance record whose signature is another workflow\'s, or none, is not reported as signed provenance', async () => {
    const { record } = await provenanceBeside(provenanceRun.outputs.digest)
    // The same digest as the first run's (the first test says so): copyOf finds it in the copy.
    const { repo: copy, registry, subject } = await copyOf('provenance-forged', repo)
    const { record: testRecord, bundle: testBundle } = await stored(repo, provenanceRun.outputs.digest)
    const otherWorkflow = await sigstore.sign({ repository: 'acme/app', jobWorkflowRef: 'acme/app/.github/workflows/other.yml@refs/heads/main' }, record.content)
    const listed = [
      await putArtifact(registry, 'application/vnd.in-toto+json', testRecord.content, subject),
      await putArtifact(registry, testBundle.descriptor.artifactType!, testBundle.content, subject),
      await putArtifact(registry, 'application/vnd.in-toto+json', record.content, subject),
      await putArtifact(registry, testBundle.descriptor.artifactType!, Buffer.from(canonicalJson(otherWorkflow)), subject)
    ]
    await listUnder(registry, provenanceRun.outputs.digest, listed)
    const r = await verify(`${copy}@${provenanceRun.outputs.digest}`, ...expected, '--workflow', '.github/workflows/hashdock.yml', '--json')
    expect([r.stderr, r.exitCode]).toEqual(['', 0])
    expect((JSON.parse(r.stdout) as { record: { provenance?: object } }).record.provenance).toBeUndefined()
  })
})

describe('a multi-platform record', () => {
  // A two-platform index from the test bed (the multi-platform base image), attested by the core with
  // the action's signer against the stand-in: the subjects are the index and each platform's manifest.
  let repo: string
  let index: string
  let platforms: { platform: string; digest: string }[]
  let stored: StoredAttestation
  let provenance: StoredProvenance

  beforeAll(async () => {
    repo = unique('multi')
    execFileSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', '--authfile', join(dockerConfig, 'config.json'), '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${testbed.multiBaseRef}`, `docker://${repo}:${commit}`])
    const registry = await api(repo)
    const held = await registry.manifest(commit)
    index = held!.descriptor.digest
    const saved = { ...process.env }
    const env = sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit })
    Object.assign(process.env, env)
    try {
      const signer = githubSigner(process.env, { instance: parseSigstoreInstance(sigstore.instance), warn: () => {} })
      const plan = { images: [repo], commit, workspace: { repoDir: origin.dir, workDir: dockerConfig, runId: 'verifymulti', defaultRef: commit, sourceUrl: 'https://github.com/acme/app', signer }, test: { unit: '', integration: '', results: '' }, publish: { provenance: true }, contextPath: '.', dockerfilePath: 'Dockerfile', target: '', namedContexts: [], mtime: 'content', build: { buildArgs: [], secrets: [] }, strategy: { builder: { driver: 'docker-container' }, platforms: ['linux/amd64', 'linux/arm64'], compression: 'zstd' } } as unknown as Plan
      const quiet: Log = { info: () => {}, warning: m => { throw new Error(m) }, notice: () => {}, debug: () => {}, error: () => {}, group: (_, f) => f(), untrusted: f => f() }
      const tests = [{ kind: 'unit' as const, command: UNIT, exitCode: 0, passed: true, seconds: 1 }]
      const records = await attest(plan, index, tests, [], { registries: [], authfile: join(dockerConfig, 'config.json') }, quiet)
      stored = records.attestation!
      provenance = records.provenance!
    } finally {
      process.env = saved
    }
    platforms = stored.platforms ?? []
  })

  test('names the index and every platform\'s manifest, and is signed', () => {
    expect(platforms.map(p => p.platform)).toEqual(['linux/amd64', 'linux/arm64'])
    expect(stored.signature).toMatch(/^sha256:/)
    expect(stored.statement.subject.map(s => `sha256:${s.digest.sha256}`)).toEqual([index, ...platforms.map(p => p.digest)])
  })

  test('its provenance record names the same subjects, is signed, and stands beside the index and each platform\'s manifest', async () => {
    expect(provenance.signature).toMatch(/^sha256:/)
    expect(provenance.platforms).toEqual(platforms)
    expect(provenance.statement.subject.map(s => `sha256:${s.digest.sha256}`)).toEqual([index, ...platforms.map(p => p.digest)])
    expect(provenance.statement.predicate.buildDefinition.externalParameters.platforms).toEqual(['linux/amd64', 'linux/arm64'])
    const registry = await api(repo)
    expect((await registry.referrersOf(index)).listed.map(d => d.digest).sort()).toEqual([provenance.digest, provenance.signature, stored.digest, stored.signature].sort())
    // Beside each platform's manifest, the same two statements and signatures, in artifacts bound to it.
    for (const platform of platforms) {
      const { listed } = await registry.referrersOf(platform.digest)
      expect(listed.map(d => d.artifactType).sort()).toEqual(['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.in-toto+json', 'application/vnd.in-toto+json'])
    }
  })

  test('hashdock verify accepts it from the index and from each platform\'s manifest, each record bound to the digest asked', async () => {
    for (const digest of [index, ...platforms.map(p => p.digest)]) {
      const r = await verify(`${repo}@${digest}`, ...expected, '--json')
      expect([digest, r.stderr, r.exitCode]).toEqual([digest, '', 0])
      const out = JSON.parse(r.stdout) as { record: { digest: string; record: string; commit: string; signed?: object } }
      expect(out.record).toMatchObject({ digest, commit, signed: { repository: 'https://github.com/acme/app' } })
      const registry = await api(repo)
      const manifest = JSON.parse((await registry.manifest(out.record.record))!.bytes.toString('utf8')) as { subject: Descriptor }
      expect(manifest.subject.digest).toBe(digest)
    }
  })

  test('a platform\'s record moved beside the other platform is refused', async () => {
    const registry = await api(repo)
    const [amd64, arm64] = platforms
    const { listed } = await registry.referrersOf(amd64.digest)
    await listUnder(registry, arm64.digest, listed)
    expect(oneLine(await verify(`${repo}@${arm64.digest}`, ...expected))).toMatch(new RegExp(`^hashdock: not verified: record sha256:[0-9a-f]{64} is bound to ${amd64.digest}, not ${arm64.digest}$`))
  })
})

describe('through a registry with the referrers API', () => {
  // The test bed's registry behind a proxy that implements GET /v2/<name>/referrers/<digest>: the
  // record is stored and found through the API, and no fallback tag is written.
  let registry: ReferrersRegistry
  let repo: string
  let proxied: string
  let signedRun: ActionRun

  beforeAll(async () => {
    registry = await startReferrersRegistry(testbed.registry)
    repo = `verify-referrers-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
    proxied = `${registry.host}/${repo}`
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as { auths: Record<string, object> }
    config.auths[registry.host] = config.auths[testbed.registry]
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(config))
    signedRun = await runAction({
      workspace: origin.clone(),
      sha: commit,
      inputs: signedInputs(proxied, { advice: 'false' }),
      env: { GITHUB_RUN_ID: '4242', ...sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit }) }
    })
  })

  afterAll(() => registry?.close())

  test('the action stores the signed record through the API, and writes no fallback tag', async () => {
    expect(signedRun.errors).toEqual([])
    expect(signedRun.exitCode).toBe(0)
    expect(signedRun.stdout).toContain(`Test-result attestation ${signedRun.outputs.attestation} stored beside ${proxied}@${signedRun.outputs.digest} (referrers API)`)
    expect(signedRun.summary).toContain(`${proxied} (referrers API)`)
    expect(await registryTags(`${testbed.registry}/${repo}`)).toEqual([commit])
    const { listed, via } = await (await api(proxied)).referrersOf(signedRun.outputs.digest)
    expect(via).toBe('referrers')
    expect(listed.map(d => d.artifactType).sort()).toEqual(['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.in-toto+json'])
  })

  test('hashdock verify finds it through the API and accepts it', async () => {
    const r = await verify(`${proxied}@${signedRun.outputs.digest}`, ...expected, '--json')
    expect([r.stderr, r.exitCode]).toEqual(['', 0])
    expect(JSON.parse(r.stdout).record).toMatchObject({ via: 'referrers', record: signedRun.outputs.attestation, commit, signed: { repository: 'https://github.com/acme/app' } })
  })

  test('the same record read from the registry behind, which has no API and no fallback tag, is not found', async () => {
    expect(oneLine(await verify(`${testbed.registry}/${repo}@${signedRun.outputs.digest}`, ...expected))).toMatch(/has no test-result attestation \(looked in the fallback tag sha256-/)
  })

  test('an unsigned record pushed beside a copy through the API is refused, and accepted only with --allow-unsigned', async () => {
    const copy = `${registry.host}/${repo}-copy`
    // Copied in the registry behind: the proxy has seen no referrer of the copy.
    execFileSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', '--authfile', join(dockerConfig, 'config.json'), '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${testbed.registry}/${repo}:${commit}`, `docker://${testbed.registry}/${repo}-copy:${commit}`], { timeout: 120_000 })
    const target = await api(copy)
    const subject = (await target.manifest(signedRun.outputs.digest))!.descriptor
    const { record } = await stored(proxied, signedRun.outputs.digest)
    const unsigned = await putArtifact(target, 'application/vnd.in-toto+json', record.content, subject)
    expect((await target.referrersOf(signedRun.outputs.digest)).listed.map(d => d.digest)).toEqual([unsigned.digest])
    expect(oneLine(await verify(`${copy}@${signedRun.outputs.digest}`, ...expected))).toBe(
      `hashdock: not verified: record ${unsigned.digest} is not signed; anyone who can push to ${copy} could have written it (--allow-unsigned accepts it)`
    )
    expect((await verify(`${copy}@${signedRun.outputs.digest}`, '--allow-unsigned')).exitCode).toBe(0)
  })
})

describe('re-use where the run signs', () => {
  // The same inputs as the signed run, with reuse on and the instance's trusted root: the run can check
  // signatures, so only a record this repository's workflow signed lets it skip the build and the tests.
  const again = (target: string, extra: Record<string, string> = { 'sigstore-trusted-root': trustedRoot, reuse: 'true' }) =>
    runAction({
      workspace: origin.clone(),
      sha: commit,
      inputs: signedInputs(target, extra),
      env: { GITHUB_RUN_ID: '4243', ...sigstore.env({ repository: 'acme/app', jobWorkflowRef: WORKFLOW, sha: commit }) }
    })

  test('beside the signed record, the image is reused', async () => {
    const rerun = await again(image)
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).not.toMatch(/::group::Build /)
    expect(rerun.summary).toContain('already tested, tags re-applied')
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
  })

  test('reuse: signed, beside the signed record, reuses the image', async () => {
    const rerun = await again(image, { 'sigstore-trusted-root': trustedRoot, reuse: 'signed' })
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).not.toMatch(/::group::Build /)
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
  })

  test('reuse: signed, where the run cannot check a signature (no trusted root for its instance), builds and tests, and says why', async () => {
    const rerun = await again(image, { reuse: 'signed' })
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).toContain("Not looking for an image to reuse: reuse is signed, and this run cannot check a record's signature (it needs id-token: write, and a public repository or sigstore-trusted-root)")
    expect(rerun.stdout).toMatch(/::group::Build /)
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
  })

  test('beside an unsigned record of the same image, it is built and tested again, and said why', async () => {
    // The same last path component, so the same title label and fingerprint: only the signature is missing.
    const bare = `${unique('reuse')}/${image.split('/').pop()}`
    copyImage(bare)
    const registry = await api(bare)
    const subject = (await registry.manifest(run.outputs.digest))!.descriptor
    const { record } = await stored(image, run.outputs.digest)
    const statement = JSON.parse(record.content.toString('utf8')) as { subject: { name: string }[] }
    for (const s of statement.subject) s.name = bare
    const unsigned = await putArtifact(registry, 'application/vnd.in-toto+json', Buffer.from(canonicalJson(statement)), subject)
    await listUnder(registry, run.outputs.digest, [unsigned])
    const rerun = await again(bare)
    if (rerun.errors.length) console.log(rerun.stdout.split('\n').slice(-60).join('\n'))
    expect(rerun.errors).toEqual([])
    expect(rerun.stdout).toContain(`::notice::Not reusing ${bare}:${commit}: record ${unsigned.digest} is not signed; anyone who can push to ${bare} could have written it; building and testing it again`)
    expect(rerun.stdout).toMatch(/::group::Build /)
    expect(rerun.outputs.digest).toBe(run.outputs.digest)
  })
})
