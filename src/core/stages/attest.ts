// Stage 5b: records beside the pushed digest, in every repository: the tested-by record a re-run checks,
// and the built-from (provenance) record when asked for.
import { provenanceStatement, type ProvenanceFacts, type ProvenanceStatement } from '../attestation/provenance.js'
import { canonicalJson, IN_TOTO_MEDIA_TYPE, testResultStatement, whyNotVouched, type ResourceDescriptor, type TestResultStatement } from '../attestation/statement.js'
import type { RegistrySession } from '../programs/docker-config.js'
import { Input } from '../constants.js'
import { ServiceError } from '../errors.js'
import { Git } from '../programs/git.js'
import { RegistryApi } from '../programs/registry-api.js'
import { digestOf, EMPTY_CONFIG, fallbackTag, indexEntries, isAttestationManifest, isIndex, OCI_INDEX, OCI_MANIFEST, platformName, type Descriptor, type Manifest, type Platform } from '../oci.js'
import type { Log } from '../log.js'
import type { Workspace } from '../workspace.js'
import { buildArgNames } from '../build-inputs.js'
import type { TestSuite } from '../results/junit.js'
import type { Plan } from './plan.js'
import type { TestRun } from '../results/results.js'

/** A signed (or, without a signer, unsigned) record stored beside the pushed digest in every repository. */
export interface StoredRecord {
  /** Digest of the artifact manifest that holds the statement: the same in every repository. */
  digest: string
  /** Each repository, and how a reader finds the record there: the referrers API or the sha256-<hex> tag. */
  stored: { image: string; via: 'referrers' | 'tag' }[]
  /** Digest of the artifact holding the Sigstore bundle, when the adapter signed the statement. */
  signature?: string
  /** A multi-platform index's platforms: each manifest has the same record beside it, bound to it. */
  platforms?: { platform: string; digest: string }[]
}

/** The tested-by record. */
export interface StoredAttestation extends StoredRecord {
  statement: TestResultStatement
}

/** The built-from record (provenance: true). */
export interface StoredProvenance extends StoredRecord {
  statement: ProvenanceStatement
}

/** One platform's manifest in a pushed index, named os/arch[/variant]. */
type PlatformManifest = Omit<Descriptor, 'platform'> & { platform: string }

/** The platforms' manifests of `digest` when it is an index (BuildKit's attestation manifests left out); none for a manifest. */
export async function platformManifests(api: RegistryApi, digest: string): Promise<{ subject: Descriptor; platforms: PlatformManifest[] }> {
  const held = await api.manifest(digest)
  if (!held) throw new ServiceError(Input.Image, `${api.image} does not hold the pushed ${digest}`)
  if (!isIndex(held.descriptor.mediaType)) return { subject: held.descriptor, platforms: [] }
  const platforms = indexEntries(held.bytes)
    .filter(m => !isAttestationManifest(m) && m.platform?.os && m.platform.os !== 'unknown')
    .map(m => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: platformName(m.platform as Platform) }))
  return { subject: held.descriptor, platforms }
}

/**
 * The records of a pushed digest, beside it in every repository: the tested-by record when tests ran,
 * the built-from record when provenance is true. The image is in the registry by now: a record that
 * could not be stored is a warning, not a failed run (a re-run then finds no record and builds again).
 */
export async function attest(p: Plan, digest: string, tests: TestRun[], suites: TestSuite[], session: RegistrySession, log: Log): Promise<{ attestation?: StoredAttestation; provenance?: StoredProvenance }> {
  const { workspace } = p
  let pushed: PushedFacts
  try {
    // The repository as plan names it in the source label: the adapter's address, else the origin remote's.
    const sourceUrl = workspace.sourceUrl ?? (await new Git(workspace.repoDir).originUrl())
    // Each repository is opened, and checked to hold the digest, once for every record stored there.
    const apis = await Promise.all(p.images.map(image => RegistryApi.open(image, session)))
    // The same digest is the same index in every repository: its platforms are read once.
    const { subject, platforms } = await platformManifests(apis[0], digest)
    for (const api of apis.slice(1)) {
      if (!(await api.manifest(digest))) throw new ServiceError(Input.Image, `${api.image} does not hold the pushed ${digest}`)
    }
    pushed = { images: p.images, digest, platformDigests: platforms.map(m => m.digest), commit: p.commit, sourceUrl, runUrl: workspace.runUrl, apis, subject, platforms }
  } catch (error) {
    log.warning(`attestations not stored: ${error instanceof Error ? error.message : String(error)}`)
    return {}
  }
  const compose = p.test.compose && { file: p.test.compose.file, service: p.test.compose.service }
  const attestation = tests.length ? await storeOrWarn(workspace, pushed, testResultStatement({ ...pushed, tests, suites, compose }), 'test-result attestation', log) : undefined
  const provenance = p.publish.provenance ? await storeOrWarn(workspace, pushed, provenanceStatement({ ...pushed, builderId: workspace.builderId ?? CLI_BUILDER_ID, builderDriver: p.strategy.builder.driver || undefined, parameters: buildParameters(p) }), 'provenance', log) : undefined
  return { ...(attestation ? { attestation } : {}), ...(provenance ? { provenance } : {}) }
}

/** Who built, when the adapter does not say: hashdock's own package. */
const CLI_BUILDER_ID = 'pkg:npm/hashdock'

/** What every record of the pushed digest names, and where they go: each repository, the pushed manifest or index, its platforms. */
type PushedFacts = Pick<ProvenanceFacts, 'images' | 'digest' | 'platformDigests' | 'commit' | 'sourceUrl' | 'runUrl'> & {
  apis: RegistryApi[]
  subject: Descriptor
  platforms: PlatformManifest[]
}

/** What the build was asked for, as the provenance record states it: names, never values, of what may be a credential. */
function buildParameters(p: Plan): ProvenanceFacts['parameters'] {
  const { build } = p
  return {
    context: p.contextPath,
    dockerfile: p.dockerfilePath,
    ...(p.target ? { target: p.target } : {}),
    ...(p.strategy.platforms.length ? { platforms: p.strategy.platforms } : {}),
    ...(build.buildArgs.length ? { buildArgs: buildArgNames(build.buildArgs) } : {}),
    ...(p.namedContexts.length ? { buildContexts: Object.fromEntries(p.namedContexts.map(c => [c.name, 'path' in c ? c.path : c.image])) } : {}),
    ...(build.secrets.length ? { secrets: build.secrets.map(s => s.id) } : {}),
    mtime: p.mtime,
    compression: p.strategy.compression
  }
}

async function storeOrWarn<S extends TestResultStatement | ProvenanceStatement>(workspace: Workspace, pushed: PushedFacts, statement: S, what: string, log: Log): Promise<(StoredRecord & { statement: S }) | undefined> {
  try {
    return { ...(await storeRecord(workspace, pushed, statement, what, log)), statement }
  } catch (error) {
    log.warning(`${what} not stored: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}

/** Stores `statement` (and its signature, when the adapter signs) beside the digest and each platform's manifest, in every repository. */
async function storeRecord(workspace: Workspace, pushed: PushedFacts, statement: object, what: string, log: Log): Promise<StoredRecord> {
  const { digest, subject, platforms } = pushed
  // A signature that could not be made leaves the record unsigned, not missing: a re-run can still check it.
  const signed = workspace.signer
    ? await workspace.signer.sign(statement).catch((error: unknown) => {
        log.warning(`${what} not signed: ${error instanceof Error ? error.message : String(error)}`)
        return undefined
      })
    : undefined
  const stored: StoredRecord['stored'] = []
  let manifestDigest = ''
  let signature: string | undefined
  for (const api of pushed.apis) {
    const { image } = api
    const record = await storeArtifact(api, subject, IN_TOTO_MEDIA_TYPE, Buffer.from(canonicalJson(statement)))
    manifestDigest = record.descriptor.digest
    const referrers = [record.descriptor]
    if (signed) {
      const bundle = await storeArtifact(api, subject, signed.mediaType, Buffer.from(canonicalJson(signed.bundle)))
      signature = bundle.descriptor.digest
      referrers.push(bundle.descriptor)
    }
    const via = record.indexed ? 'referrers' : 'tag'
    if (via === 'tag') await addToFallback(api, digest, referrers)
    // Each platform's manifest gets the same statement (and signature) bound to it: a deployer who
    // pulls one platform by its digest finds the record from there.
    for (const platform of platforms) {
      const beside = [(await storeArtifact(api, platform, IN_TOTO_MEDIA_TYPE, Buffer.from(canonicalJson(statement)))).descriptor]
      if (signed) beside.push((await storeArtifact(api, platform, signed.mediaType, Buffer.from(canonicalJson(signed.bundle)))).descriptor)
      if (via === 'tag') await addToFallback(api, platform.digest, beside)
    }
    const also = platforms.length ? `, and beside each of its ${platforms.length} platforms' manifests` : ''
    log.info(`${what[0].toUpperCase()}${what.slice(1)} ${manifestDigest} stored beside ${image}@${digest}${also} (${via === 'tag' ? `tag ${fallbackTag(digest)}` : 'referrers API'})`)
    stored.push({ image, via })
  }
  return {
    digest: manifestDigest,
    stored,
    ...(signature ? { signature } : {}),
    ...(platforms.length ? { platforms: platforms.map(m => ({ platform: m.platform, digest: m.digest })) } : {})
  }
}

/** An artifact manifest: the empty config, one layer holding `bytes`, and the pushed image as its subject. */
async function storeArtifact(api: RegistryApi, subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, artifactType: string, bytes: Buffer): Promise<{ descriptor: Descriptor; indexed: boolean }> {
  const config = await api.putBlob(EMPTY_CONFIG.bytes)
  const layer = await api.putBlob(bytes)
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { ...config, mediaType: EMPTY_CONFIG.mediaType },
    layers: [{ ...layer, mediaType: artifactType }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
  }
  const body = Buffer.from(canonicalJson(manifest))
  const digest = digestOf(body)
  const indexed = await api.putManifest(digest, OCI_MANIFEST, body)
  return { descriptor: { mediaType: OCI_MANIFEST, digest, size: body.length, artifactType }, indexed }
}

/** Adds `referrers` to the index under the fallback tag, keeping what others listed there; sorted, so it is one digest for one set. */
async function addToFallback(api: RegistryApi, digest: string, referrers: Descriptor[]): Promise<void> {
  const held = await api.manifest(fallbackTag(digest))
  const listed = held ? indexEntries(held.bytes) : []
  const merged = new Map([...listed, ...referrers].map(d => [d.digest, d]))
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...merged.values()].sort((a, b) => a.digest.localeCompare(b.digest)) }
  await api.putManifest(fallbackTag(digest), OCI_INDEX, Buffer.from(canonicalJson(index)))
}

/**
 * Whether `image` holds a test-result attestation vouching that `digest` passed its tests at `commit`
 * (and, when `tested` is given, those tests: testConfiguration): undefined when it does, else why not,
 * in words for a notice.
 */
export async function whyUnattested(image: string, digest: string, commit: string, session: RegistrySession, tested?: ResourceDescriptor[]): Promise<string | undefined> {
  const api = await RegistryApi.open(image, session)
  const candidates = (await referrersOf(api, digest)).filter(d => d.artifactType === IN_TOTO_MEDIA_TYPE)
  if (!candidates.length) return `${image} holds no test-result attestation for ${digest}`
  let why = ''
  for (const d of candidates) {
    const manifest = await api.manifest(d.digest)
    const parsed = manifest ? (JSON.parse(manifest.bytes.toString('utf8')) as Partial<Manifest>) : undefined
    if (manifest?.descriptor.digest !== d.digest || parsed?.subject?.digest !== digest) {
      why = `attestation ${d.digest} is not bound to ${digest}`
      continue
    }
    const layer = parsed.layers?.find(l => l.mediaType === IN_TOTO_MEDIA_TYPE)
    const blob = layer && (await api.fetchBlob(layer.digest))
    if (!blob) continue
    let statement: unknown
    try {
      statement = JSON.parse(blob.toString('utf8'))
    } catch {
      why = `attestation ${d.digest} is not JSON`
      continue
    }
    const problem = whyNotVouched(statement, digest, commit, tested)
    if (!problem) return undefined
    why = `attestation ${d.digest}: ${problem}`
  }
  return why || `${image} holds no readable test-result attestation for ${digest}`
}

/** What refers to `digest`: from the referrers API, or the fallback tag's index where there is none. */
async function referrersOf(api: RegistryApi, digest: string): Promise<Descriptor[]> {
  return (await api.referrersOf(digest)).listed
}

/**
 * Copies the attestations beside `digest` in `from` to `to` byte for byte (a re-run that adds a
 * repository copies the tested digest there, and its record with it). Returns how many were copied.
 */
export async function copyAttestations(from: string, to: string, digest: string, session: RegistrySession): Promise<number> {
  const source = await RegistryApi.open(from, session)
  const target = await RegistryApi.open(to, session)
  // A multi-platform record is beside each platform's manifest too: those copies go with it.
  const { platforms } = await platformManifests(source, digest)
  for (const platform of platforms) await copyReferrers(source, target, platform.digest)
  return copyReferrers(source, target, digest)
}

/** The test-result records and bundles beside `digest` in `source`, copied to `target`; how many. */
async function copyReferrers(source: RegistryApi, target: RegistryApi, digest: string): Promise<number> {
  const records = (await referrersOf(source, digest)).filter(d => d.artifactType === IN_TOTO_MEDIA_TYPE || d.artifactType?.startsWith('application/vnd.dev.sigstore.bundle'))
  const unindexed: Descriptor[] = []
  for (const d of records) {
    const manifest = await source.manifest(d.digest)
    if (!manifest) continue
    const parsed = JSON.parse(manifest.bytes.toString('utf8')) as Manifest
    for (const blob of [parsed.config, ...parsed.layers]) {
      const bytes = await source.fetchBlob(blob.digest)
      if (bytes) await target.putBlob(bytes)
    }
    if (!(await target.putManifest(d.digest, manifest.descriptor.mediaType, manifest.bytes))) unindexed.push(d)
  }
  if (unindexed.length) await addToFallback(target, digest, unindexed)
  return records.length
}
