// Registry operations by digest, through skopeo: push an image archive unchanged, copy a manifest to more tags.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { RegistrySession } from './docker-config.js'
import { Input } from '../constants.js'
import { CommandError, lastLine, ServiceError } from '../errors.js'
import { run, type RunResult } from './exec.js'
import { isLoopback, registryOf } from '../image-ref.js'

/** The credentials and TLS settings docker itself would use for a registry. */
function access(session: Pick<RegistrySession, 'authfile'>, registry: string, ...tlsFlags: string[]): string[] {
  // docker talks plain HTTP to registries on the loopback interface; so does hashdock, and to no other.
  const verify = !isLoopback(registry)
  return [...(session.authfile ? ['--authfile', session.authfile] : []), ...tlsFlags.map(flag => `--${flag}=${verify}`)]
}

/** A registry operation on the image; its failure is one line naming the image input. */
export async function skopeo(args: string[], what: string): Promise<RunResult> {
  try {
    return await run('skopeo', args)
  } catch (error) {
    if (error instanceof CommandError) throw new ServiceError(Input.Image, `${what} failed: ${skopeoMessage(error.stderr)}`)
    throw new Error(`${what} needs skopeo, which is not installed (apt-get install skopeo; GitHub's Ubuntu runners have it)`)
  }
}

/** skopeo ends with `level=fatal msg="…"`: the message, unquoted. */
export function skopeoMessage(stderr: string): string {
  const line = lastLine(stderr)
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]
  if (!quoted) return line
  try {
    return JSON.parse(`"${quoted}"`) as string
  } catch {
    return quoted
  }
}

/**
 * Pushes an image archive (OCI layout inside), or an OCI layout directory (an assembled index), to
 * `ref` byte for byte: every manifest keeps its digest, attestations and other platforms included.
 * Returns the digest the registry now holds.
 */
export async function pushArchive(archive: string, ref: string, session: RegistrySession, workDir: string): Promise<string> {
  const digestFile = join(workDir, 'pushed.digest')
  const transport = (await stat(archive)).isDirectory() ? 'oci' : 'oci-archive'
  await skopeo(
    ['copy', '--quiet', '--all', '--preserve-digests', '--digestfile', digestFile, ...access(session, registryOf(ref), 'dest-tls-verify'), `${transport}:${archive}`, `docker://${ref}`],
    `pushing ${ref}`
  )
  return (await readFile(digestFile, 'utf8')).trim()
}

/**
 * Points `ref` at a manifest a registry already holds (`image@digest`), in the same repository or
 * another registry's: the manifest and its blobs are copied byte for byte, so the digest stays.
 */
export async function copyDigest(image: string, digest: string, ref: string, session: RegistrySession): Promise<void> {
  const from = registryOf(image)
  const to = registryOf(ref)
  await skopeo(
    ['copy', '--quiet', '--all', '--preserve-digests', ...access(session, from, 'src-tls-verify'), ...access({}, to, 'dest-tls-verify'), `docker://${image}@${digest}`, `docker://${ref}`],
    `tagging ${ref}`
  )
}

/** The digest and labels of `ref` in the registry, or undefined when it holds no such tag. */
export async function inspectRemote(ref: string, session: RegistrySession): Promise<{ digest: string; labels: Record<string, string> } | undefined> {
  const r = await run('skopeo', ['inspect', ...access(session, registryOf(ref), 'tls-verify'), `docker://${ref}`], { allowFailure: true })
  if (r.exitCode !== 0) return undefined
  const held = JSON.parse(r.stdout) as { Digest: string; Labels?: Record<string, string> }
  return { digest: held.Digest, labels: held.Labels ?? {} }
}
