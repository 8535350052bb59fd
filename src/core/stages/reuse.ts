// Instant re-runs: when the registry already holds this commit's image, built from the same inputs,
// the tested digest is tagged again instead of built and tested again.
import { FINGERPRINT_LABEL } from '../constants.js'
import type { RegistrySession } from '../programs/docker-config.js'
import type { Log } from '../log.js'
import type { Plan } from './plan.js'
import { retag, tagFullHash, type Published } from './publish.js'
import { copyAttestations, whyUnattested } from './attest.js'
import { verifyRecord } from './verify.js'
import { copyDigest, inspectRemote } from '../programs/registry.js'
import { testConfiguration, whyTestedOtherwise, type ResourceDescriptor } from '../attestation/statement.js'

/**
 * The digest of `<first image>:<full hash>` when its fingerprint label matches this plan's and a
 * test-result attestation beside it says it passed at this commit, else undefined.
 * The fingerprint says how the image was built; the record says how it was tested, and must say this
 * run's tests. Only with reuse: true. Every part of the fingerprint can be computed from the commit and
 * the inputs, so anyone who can push to the repository can write a matching image: where the adapter
 * says whose signatures its own records carry (workspace.trust), only a record signed so counts;
 * elsewhere the caller must vouch that only trusted runs write there.
 */
export async function findReusable(p: Plan, session: RegistrySession, log: Log): Promise<string | undefined> {
  const { reuse } = p.publish
  if (!reuse.allowed) {
    if (reuse.why) log.info(`Not looking for an image to reuse: ${reuse.why}`)
    return undefined
  }
  // A registry that cannot be asked costs a build, never the run: building is what reuse saves, not what it guards.
  const held = await inspectRemote(`${p.image}:${p.commit}`, session).catch((error: Error) => {
    log.notice(`Not reusing ${p.image}:${p.commit}: ${error.message}; building and testing it`)
    return undefined
  })
  if (!held || held.labels[FINGERPRINT_LABEL] !== p.labels[FINGERPRINT_LABEL]) return undefined
  // The label says what the image was built from; only the stored test-result record says it passed,
  // and passed the tests this run would run; where this run signs its own, only a record signed by the
  // same identity is believed.
  const tested = testConfiguration(
    { unit: p.test.unit, integration: p.test.integration },
    p.test.compose && { file: p.test.compose.file, service: p.test.compose.service }
  )
  const why = p.workspace.trust
    ? await whySignedRecordMissing(p, held.digest, session, tested).catch((error: Error) => error.message)
    : await whyUnattested(p.image, held.digest, p.commit, session, tested).catch((error: Error) => error.message)
  if (why) {
    log.notice(`Not reusing ${p.image}:${p.commit}: ${why}; building and testing it again`)
    return undefined
  }
  return held.digest
}

/** Why no record beside `digest` is signed by the run's own identity and vouches for this commit; undefined when one is. */
async function whySignedRecordMissing(p: Plan, digest: string, session: RegistrySession, tested: ResourceDescriptor[]): Promise<string | undefined> {
  const trust = p.workspace.trust as NonNullable<typeof p.workspace.trust>
  const record = await verifyRecord({ image: p.image, digest, expected: trust.expected, trustedRoots: trust.trustedRoots, allowUnsigned: false }, session)
  if (record.commit !== p.commit) return `its signed test-result attestation is of commit ${record.commit}, not ${p.commit}`
  const otherwise = whyTestedOtherwise(record.configuration, tested)
  return otherwise && `its signed test-result attestation ${record.record}: ${otherwise}`
}

/**
 * Copies the held digest to every other repository that lacks it, byte for byte and by digest (no tag
 * yet), with the record that let this run reuse it; then the full-hash tag in each, then every other tag:
 * a registry that fails on the way is left with nothing tagged.
 */
export async function reuse(p: Plan, digest: string, session: RegistrySession, log: Log, held: string[] = []): Promise<Published> {
  const missing: string[] = []
  for (const image of p.images.slice(1)) {
    if ((await inspectRemote(`${image}:${p.commit}`, session))?.digest === digest) continue
    missing.push(image)
    log.info(`Copying ${p.image}@${digest} to ${image}`)
    await copyDigest(p.image, digest, `${image}@${digest}`, session)
  }
  for (const image of p.images.slice(1)) {
    // The record that let this run reuse the digest goes with it, so a re-run there can check it too.
    const copied = await copyAttestations(p.image, image, digest, session).catch((error: Error) => {
      log.warning(`test-result attestation not copied to ${image}: ${error.message}`)
      return 0
    })
    if (copied) log.info(`Copied the test-result attestation of ${digest} to ${image}`)
  }
  held.push(...p.images.filter(image => image === p.image || !missing.includes(image)))
  await tagFullHash({ images: missing, commit: p.commit }, digest, session, log, held)
  const { tagged, heldBack } = await retag(p, digest, session, log)
  return { references: [...p.images.map(image => `${image}:${p.commit}`), ...tagged], digest, heldBack, held: p.images.filter(i => held.includes(i)) }
}
