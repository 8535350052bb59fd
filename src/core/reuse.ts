// Instant re-runs: when the registry already holds this commit's image, built from the same inputs,
// the tested digest is tagged again instead of built and tested again.
import { FINGERPRINT_LABEL, Input } from './constants.js'
import type { RegistrySession } from './docker-config.js'
import type { Log } from './log.js'
import { references, type Plan } from './plan.js'
import { retag, type Published } from './publish.js'
import { inspectRemote } from './registry.js'

/**
 * The digest of `<image>:<full hash>` when its fingerprint label matches this plan's, else undefined.
 * Only with reuse: true. Every part of the fingerprint can be computed from the commit and the inputs,
 * so anyone who can push to the repository can write a matching image: the caller must vouch that
 * only trusted runs write there.
 */
export async function findReusable(p: Plan, session: RegistrySession, log: Log): Promise<string | undefined> {
  if (!p.inputs[Input.Reuse] || p.inputs[Input.Rebuild] || !p.inputs[Input.Push]) return undefined
  const held = await inspectRemote(references(p)[0], session).catch(() => {
    log.notice("skopeo is not installed: every run builds, even when the registry already holds this commit's image")
    return undefined
  })
  return held?.labels[FINGERPRINT_LABEL] === p.labels[FINGERPRINT_LABEL] ? held?.digest : undefined
}

/** Points every tag at the digest the registry already holds. */
export async function reuse(p: Plan, digest: string, session: RegistrySession, log: Log): Promise<Published> {
  const refs = references(p)
  await retag(p, digest, refs.slice(1), session, log)
  return { references: refs, digest }
}
