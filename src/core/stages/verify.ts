// hashdock verify: the test-result record beside a digest, checked to hold — bound to that digest, signed
// by the expected workflow's identity, and the statement stored the one signed — and its facts returned,
// with the provenance record beside it when one holds the same way.
import { bundleFromJSON } from '@sigstore/bundle'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { getTrustedRoot } from '@sigstore/tuf'
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify'
import { signerIdentity, whyNotExpected, type ExpectedIdentity, type SignerIdentity } from '../attestation/identity.js'
import { SLSA_PROVENANCE_PREDICATE, type ProvenanceStatement } from '../attestation/provenance.js'
import { canonicalJson, IN_TOTO_MEDIA_TYPE, STATEMENT_TYPE, TEST_RESULT_PREDICATE, type Subject, type TestResultStatement } from '../attestation/statement.js'
import { NotVerified } from '../errors.js'
import type { RegistrySession } from '../programs/docker-config.js'
import { fallbackTag, hexOf, type Descriptor, type Manifest } from '../oci.js'
import { RegistryApi } from '../programs/registry-api.js'

export interface VerifyRequest {
  image: string
  digest: string
  /** Who may have signed; unset only with allowUnsigned. */
  expected?: ExpectedIdentity
  /** Sigstore trusted roots (JSON), e.g. `gh attestation trusted-root`'s lines; public-good's when empty. */
  trustedRoots: object[]
  /** Accept a record without a signature (and say so): a registry writer could have written it. */
  allowUnsigned: boolean
}

export interface VerifiedRecord {
  image: string
  digest: string
  /** The artifact manifest holding the statement. */
  record: string
  via: 'referrers' | 'tag'
  /** Who signed, and the artifact holding the Sigstore bundle; unset for an unsigned record (allowUnsigned). */
  signed?: SignerIdentity & { bundle: string }
  commit: string
  /** git+URL@commit, when the record names the repository. */
  source?: string
  url?: string
  result: TestResultStatement['predicate']['result']
  commands: { name: string; command: string }[]
  /** The record's configuration: the commit, and how the image was tested (testConfiguration). */
  configuration: TestResultStatement['predicate']['configuration']
  passed: number
  failed: number
  warned: number
  /** A provenance record beside the digest, bound to it and signed by the same expected identity (or unsigned, with allowUnsigned). */
  provenance?: VerifiedProvenance
}

export interface VerifiedProvenance {
  record: string
  /** Who built: the workflow file and ref on GitHub, or the CLI's package. */
  builder: string
  /** What was built: git+URL@commit, or the commit. */
  source?: string
  signed?: SignerIdentity & { bundle: string }
}

/** Marks the problem of an unsigned record among the others. */
const UNSIGNED = '\0unsigned:'

const BUNDLE_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v[\d.]+)?\+json/

interface Artifact {
  descriptor: Descriptor
  subject?: string
  bytes?: Buffer
}

/**
 * A verifier per trusted root: public-good's (through its TUF repository) unless roots are given. Each
 * instance is held to what it has: a transparency-log entry and a certificate-transparency proof where
 * its root lists those logs (public-good), a signed timestamp alone where it lists none (GitHub's own
 * instance, for private repositories, or an organisation's with a timestamp authority only).
 */
async function verifiers(roots: object[]): Promise<Verifier[]> {
  const parsed = roots.length ? roots.map(r => TrustedRoot.fromJSON(r)) : [await getTrustedRoot()]
  return parsed.map(r => new Verifier(toTrustMaterial(r), { tlogThreshold: r.tlogs.length ? 1 : 0, ctlogThreshold: r.ctlogs.length ? 1 : 0, timestampThreshold: 1 }))
}

export async function verifyRecord(req: VerifyRequest, session: Pick<RegistrySession, 'authfile' | 'retry'>): Promise<VerifiedRecord> {
  const { image, digest } = req
  const api = await RegistryApi.open(image, session)
  if (!(await api.manifest(digest))) throw new NotVerified(`${image} does not hold ${digest}`)
  const { listed, via } = await api.referrersOf(digest)
  const read = async (d: Descriptor): Promise<Artifact> => {
    const held = await api.manifest(d.digest)
    if (!held || held.descriptor.digest !== d.digest) return { descriptor: d }
    const manifest = JSON.parse(held.bytes.toString('utf8')) as Partial<Manifest>
    const layer = manifest.layers?.[0]
    return { descriptor: d, subject: manifest.subject?.digest, bytes: layer ? await api.fetchBlob(layer.digest) : undefined }
  }
  const records = await Promise.all(listed.filter(d => d.artifactType === IN_TOTO_MEDIA_TYPE).map(read))
  const bundles = await Promise.all(listed.filter(d => BUNDLE_TYPE.test(d.artifactType ?? '')).map(read))
  if (!records.length) throw new NotVerified(`${image}@${digest} has no test-result attestation (looked in the ${via === 'tag' ? `fallback tag ${fallbackTag(digest)}` : 'referrers API'})`)

  const trusted = bundles.length && req.expected ? await verifiers(req.trustedRoots) : []
  // What each bundle signs, once: the statement, who signed it, or why it does not verify.
  const signatures = bundles.map(b => checkSignature(b, digest, trusted, req.expected))
  const provenance = provenanceBeside(records, signatures, digest, req.allowUnsigned)
  const problems: string[] = []
  for (const r of records) {
    const bound = boundStatement<TestResultStatement>(r, digest, TEST_RESULT_PREDICATE, 'test-result')
    if (typeof bound === 'string' || bound.predicate?.result !== 'PASSED') {
      problems.push(`record ${r.descriptor.digest} ${typeof bound === 'string' ? bound : `says ${String(bound.predicate?.result)}, not PASSED`}`)
      continue
    }
    const statement = bound as TestResultStatement
    const facts = { image, digest, record: r.descriptor.digest, via, ...factsOf(statement), ...(provenance ? { provenance } : {}) }
    const matching = signing(signatures, statement)
    const good = matching.find(s => s.who && !s.problem)
    if (good?.who) return { ...facts, signed: { ...good.who, bundle: good.bundle } }
    const bad = matching.find(s => s.problem) ?? signatures.find(s => s.problem && s.signs === undefined)
    if (bad?.problem) problems.push(`record ${r.descriptor.digest}: ${bad.problem}`)
    else if (signatures.length) problems.push(`record ${r.descriptor.digest} is not the statement that was signed: it was changed after signing`)
    else if (req.allowUnsigned) return facts
    else problems.push(`${UNSIGNED}record ${r.descriptor.digest} is not signed; anyone who can push to ${image} could have written it`)
  }
  const [first] = problems
  throw first.startsWith(UNSIGNED) ? new NotVerified(first.slice(UNSIGNED.length), true) : new NotVerified(first)
}

interface Checked {
  bundle: string
  problem?: string
  /** What the bundle signs, as canonical JSON, when it signs an in-toto statement. */
  signs?: string
  who?: SignerIdentity
}

/** A bundle's signature checked against the trust root and the expected identity; what it signs, when readable. */
function checkSignature(b: Artifact, digest: string, trusted: Verifier[], expected: ExpectedIdentity | undefined): Checked {
  const bundle = b.descriptor.digest
  if (b.subject !== digest || !b.bytes) return { bundle, problem: `signature ${bundle} is not bound to ${digest}` }
  let json: { dsseEnvelope?: { payload?: string; payloadType?: string } }
  try {
    json = JSON.parse(b.bytes.toString('utf8')) as typeof json
  } catch {
    return { bundle, problem: `signature ${bundle} is not a Sigstore bundle` }
  }
  const envelope = json.dsseEnvelope
  if (envelope?.payloadType !== IN_TOTO_MEDIA_TYPE || !envelope.payload) return { bundle, problem: `signature ${bundle} signs no in-toto statement` }
  let signs: string
  try {
    signs = canonicalJson(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')))
  } catch {
    return { bundle, problem: `signature ${bundle} signs no in-toto statement` }
  }
  if (!trusted.length || !expected) return { bundle, signs, problem: 'signed, but no --repository says whose signature to trust' }
  let who: SignerIdentity | undefined
  let why = ''
  for (const verifier of trusted) {
    try {
      who = signerIdentity(verifier.verify(toSignedEntity(bundleFromJSON(json))))
      break
    } catch (error) {
      why ||= error instanceof Error ? error.message : String(error)
    }
  }
  if (!who) return { bundle, signs, problem: `its signature ${bundle} does not verify: ${why}` }
  const notExpected = whyNotExpected(who, expected)
  if (notExpected) return { bundle, signs, who, problem: notExpected }
  return { bundle, signs, who }
}

/**
 * The provenance record beside `digest`, when one holds: bound to it, naming it, and the statement a
 * good signature signs (or, with allowUnsigned, one no signature claims). It never fails a verify: the
 * test-result record is what verify vouches for; this is what it can say besides.
 */
function provenanceBeside(records: Artifact[], signatures: Checked[], digest: string, allowUnsigned: boolean): VerifiedProvenance | undefined {
  for (const r of records) {
    const s = boundStatement<ProvenanceStatement>(r, digest, SLSA_PROVENANCE_PREDICATE, 'provenance')
    if (typeof s === 'string') continue
    const matching = signing(signatures, s)
    const source = s.predicate?.buildDefinition?.externalParameters?.source
    const facts = { record: r.descriptor.digest, builder: s.predicate?.runDetails?.builder?.id ?? '', ...(source ? { source } : {}) }
    const good = matching.find(x => x.who && !x.problem)
    if (good?.who) return { ...facts, signed: { ...good.who, bundle: good.bundle } }
    if (allowUnsigned && !matching.length) return facts
  }
  return undefined
}

/** The bundles that sign `statement`, as it was stored. */
function signing(signatures: Checked[], statement: unknown): Checked[] {
  const stored = canonicalJson(statement)
  return signatures.filter(s => s.signs === stored)
}

/**
 * The statement of a record listed beside `digest` when it is bound to it, of `predicateType` (`kind`
 * in words), and names it; else why not, in words after "record <digest>".
 */
function boundStatement<S extends { subject: Subject[] }>(r: Artifact, digest: string, predicateType: string, kind: string): Partial<S> | string {
  if (!r.bytes) return 'cannot be read'
  if (r.subject !== digest) return `is bound to ${r.subject ?? 'nothing'}, not ${digest}`
  let s: Partial<S> & { _type?: string; predicateType?: string }
  try {
    s = JSON.parse(r.bytes.toString('utf8')) as typeof s
  } catch {
    return 'is not JSON'
  }
  if (s?._type !== STATEMENT_TYPE || s.predicateType !== predicateType) return `is not a ${kind} statement`
  const hex = hexOf(digest)
  if (!s.subject?.some(sub => sub.digest?.sha256 === hex)) return `names ${s.subject?.map(sub => `sha256:${sub.digest?.sha256}`).join(', ') || 'no subject'}, not ${digest}: it was moved here from another image`
  return s
}

function factsOf(s: TestResultStatement): Pick<VerifiedRecord, 'commit' | 'source' | 'url' | 'result' | 'commands' | 'configuration' | 'passed' | 'failed' | 'warned'> {
  const commit = s.predicate.configuration.find(c => c.name === 'commit')
  return {
    commit: commit?.digest?.gitCommit ?? '',
    ...(commit?.uri ? { source: commit.uri } : {}),
    ...(s.predicate.url ? { url: s.predicate.url } : {}),
    result: s.predicate.result,
    commands: s.predicate.configuration.filter(c => c.annotations?.command !== undefined).map(c => ({ name: c.name ?? '', command: c.annotations?.command ?? '' })),
    configuration: s.predicate.configuration,
    passed: s.predicate.passedTests.length,
    failed: s.predicate.failedTests.length,
    warned: s.predicate.warnedTests.length
  }
}
