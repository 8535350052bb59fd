// Instant re-runs: when the registry already holds this commit's image, built from the same inputs,
// the tested digest is tagged again instead of built and tested again.
import { join } from 'node:path'
import { FINGERPRINT_LABEL, Input } from './constants.js'
import { run } from './exec.js'
import type { Log } from './log.js'
import { references, type Plan } from './plan.js'
import type { Published, RegistrySession } from './publish.js'

/**
 * The digest of `<image>:<full hash>` when its fingerprint label matches this plan's, else undefined.
 * Only with reuse: true. Every part of the fingerprint can be computed from the commit and the inputs,
 * so anyone who can push to the repository can write a matching image: the caller must vouch that
 * only trusted runs write there.
 */
export async function findReusable(p: Plan, session: RegistrySession, log: Log): Promise<string | undefined> {
  if (!p.inputs[Input.Reuse] || p.inputs[Input.Rebuild] || !p.inputs[Input.Push]) return undefined
  const access = registryAccess(session)
  const r = await run('skopeo', ['inspect', ...access.auth, access.tls('tls-verify'), `docker://${references(p)[0]}`], { allowFailure: true }).catch(
    () => undefined // skopeo is not installed
  )
  if (!r) log.notice("skopeo is not installed: every run builds, even when the registry already holds this commit's image")
  if (!r || r.exitCode !== 0) return undefined
  const held = JSON.parse(r.stdout) as { Digest: string; Labels?: Record<string, string> }
  return held.Labels?.[FINGERPRINT_LABEL] === p.labels[FINGERPRINT_LABEL] ? held.Digest : undefined
}

/** Points every tag at the digest the registry already holds: the manifest is copied byte for byte. */
export async function retag(p: Plan, digest: string, session: RegistrySession, log: Log): Promise<Published> {
  const refs = references(p)
  const access = registryAccess(session)
  for (const ref of refs.slice(1)) {
    log.info(`Tagging ${ref}`)
    const tls = [access.tls('src-tls-verify'), access.tls('dest-tls-verify')]
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', ...access.auth, ...tls, `docker://${p.image}@${digest}`, `docker://${ref}`])
  }
  return { references: refs, digest }
}

/**
 * The login and TLS settings docker itself would use: this run's own login when it has one, and
 * plain HTTP for registries on the loopback interface, which docker trusts without TLS too.
 */
function registryAccess(session: RegistrySession): { auth: string[]; tls(flag: string): string } {
  const loopback = isLoopback(session.registry)
  return {
    auth: session.configDir ? ['--authfile', join(session.configDir, 'config.json')] : [],
    tls: flag => `--${flag}=${!loopback}`
  }
}

/** Whether a registry address (host[:port]) names this machine: localhost, an IPv4 literal in 127.0.0.0/8, or [::1]. */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').toLowerCase()
  if (host === 'localhost' || host === '[::1]') return true
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return Boolean(octets && octets[1] === '127' && octets.slice(1).every(o => Number(o) <= 255))
}
