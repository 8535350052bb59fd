// Registry operations by digest, through skopeo: push an image archive unchanged, copy a manifest to more tags.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { RegistrySession } from './docker-config.js'
import { Input } from '../constants.js'
import { CommandError, lastLine, ServiceError } from '../errors.js'
import { run, type RunResult } from './exec.js'
import { DEFAULT_RETRY, skopeoTransient, TransientError, withRetries } from './retry.js'
import { isLoopback, registryOf } from '../image-ref.js'
import { megabytes, type Log } from '../log.js'
import { blobSizes } from './oci-archive.js'
import { Writable } from 'node:stream'

/** The credentials and TLS settings docker itself would use for a registry. */
function access(session: Pick<RegistrySession, 'authfile'>, registry: string, ...tlsFlags: string[]): string[] {
  // docker talks plain HTTP to registries on the loopback interface; so does hashdock, and to no other.
  const verify = !isLoopback(registry)
  return [...(session.authfile ? ['--authfile', session.authfile] : []), ...tlsFlags.map(flag => `--${flag}=${verify}`)]
}

/**
 * A copy between files of the run through skopeo, no registry involved: a failure is not the image
 * input's, so it is the caller's to name (`failed`), by default no input's at all.
 */
export async function copyLocally(args: string[], what: string, failed = (message: string): Error => new Error(`${what} failed: ${message}`)): Promise<RunResult> {
  try {
    return await run('skopeo', args)
  } catch (error) {
    if (error instanceof CommandError) throw failed(skopeoMessage(error.stderr))
    throw new Error(`${what} needs skopeo, which is not installed (apt-get install skopeo; GitHub's Ubuntu runners have it)`)
  }
}

/** skopeo ends with `level=fatal msg="…"`: the message, unquoted and whole (URLs in it make it long). */
export function skopeoMessage(stderr: string): string {
  const fatal = stderr.split('\n').reverse().find(l => /level=fatal/.test(l))
  const line = fatal?.trim() ?? lastLine(stderr)
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]
  if (!quoted) return line
  try {
    return JSON.parse(`"${quoted}"`) as string
  } catch {
    return quoted
  }
}

/**
 * A skopeo operation on a registry, retried while it fails in a way another attempt may not meet
 * (see skopeoTransient), each attempt bounded by the policy's timeout. Every operation here is
 * idempotent: blobs and manifests are content-addressed, and a tag write names one digest.
 */
async function skopeoOnRegistry(
  session: Pick<RegistrySession, 'retry'>,
  registry: string,
  args: string[],
  what: string,
  allowFailure?: (message: string) => boolean,
  onLine?: (line: string) => void
): Promise<RunResult> {
  const policy = session.retry ?? DEFAULT_RETRY
  return withRetries(policy, registry, what, async () => {
    let r: RunResult
    try {
      r = await run('skopeo', skopeoLine(session, args).slice(1), { allowFailure: true, ...(onLine ? { stdoutTo: lines(onLine) } : {}) })
    } catch {
      throw new Error(`${what} needs skopeo, which is not installed (apt-get install skopeo; GitHub's Ubuntu runners have it)`)
    }
    if (r.exitCode === 0) return r
    const message = skopeoMessage(r.stderr || r.stdout)
    if (allowFailure?.(message)) return r
    const why = skopeoTransient(message)
    if (why) throw new TransientError(why === 'timed out' ? `no answer within ${Math.ceil(policy.timeoutMs / 1000)}s` : `${why}: ${shorten(message)}`)
    throw new ServiceError(Input.Image, `${what} failed: ${shorten(message)}`)
  })
}

/** A skopeo command line as the run gives it: every attempt bounded by the policy's timeout. */
export function skopeoLine(session: Pick<RegistrySession, 'retry'>, args: string[]): string[] {
  const policy = session.retry ?? DEFAULT_RETRY
  return ['skopeo', '--command-timeout', `${Math.max(1, Math.ceil(policy.timeoutMs / 1000))}s`, ...args]
}

/** skopeo's messages repeat every URL it tried; the end says what happened. */
const shorten = (message: string): string => (message.length > 300 ? `…${message.slice(-300)}` : message)

/**
 * Pushes an image archive (OCI layout inside), or an OCI layout directory (an assembled index), to
 * `image` by digest, byte for byte: every manifest keeps its digest, attestations and other platforms
 * included, and no tag names it yet. A registry rejects a manifest whose blobs it lacks, so once this
 * returns the image is complete there; tags are written after, by tagDigest. Returns the digest held.
 */
export async function pushArchive(archive: string, image: string, digest: string, session: RegistrySession, workDir: string, log?: Log): Promise<string> {
  const digestFile = join(workDir, 'pushed.digest')
  const transport = (await stat(archive)).isDirectory() ? 'oci' : 'oci-archive'
  // A push over a slow uplink must not look hung: a line per blob, with its size.
  const progress = log ? pushProgress(await blobSizes(archive)) : undefined
  const args = pushArgs(`${transport}:${archive}`, image, digest, session, digestFile).filter(a => !(progress && a === '--quiet'))
  await skopeoOnRegistry(session, registryOf(image), args, `pushing ${image}@${digest}`, undefined, progress && (line => {
    const said = progress(line)
    if (said) log?.info(said)
  }))
  return (await readFile(digestFile, 'utf8')).trim()
}

/** skopeo's lines while it copies, in the run's words: each blob with its size, or that the registry had it. */
export function pushProgress(sizes: Map<string, number>): (line: string) => string | undefined {
  return line => {
    const m = /^Copying (blob|config) (sha256:[0-9a-f]{64})(?: (.*))?$/.exec(line.trim())
    if (!m) return undefined
    const size = sizes.get(m[2])
    const bytes = size === undefined ? '' : ` (${megabytes(size)})`
    return /skipped|already exists/.test(m[3] ?? '') ? `  ${m[1]} ${m[2].slice(0, 19)}…${bytes}: the registry has it` : `  ${m[1]} ${m[2].slice(0, 19)}…${bytes}`
  }
}

/** A stream that hands each line written to it to `onLine`. */
function lines(onLine: (line: string) => void): Writable {
  let rest = ''
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = rest + chunk.toString('utf8')
      const parts = text.split('\n')
      rest = parts.pop() ?? ''
      for (const part of parts) onLine(part)
      done()
    },
    final(done) {
      if (rest) onLine(rest)
      done()
    }
  })
}

/** skopeo's arguments for pushing `source` to `image` by digest, byte for byte, with no tag. */
export function pushArgs(source: string, image: string, digest: string, session: Pick<RegistrySession, 'authfile'>, digestFile: string): string[] {
  return ['copy', '--quiet', '--all', '--preserve-digests', '--digestfile', digestFile, ...access(session, registryOf(image), 'dest-tls-verify'), source, `docker://${image}@${digest}`]
}

/**
 * Points `ref` at a manifest a registry already holds (`image@digest`), in the same repository or
 * another registry's: the manifest and its blobs are copied byte for byte, so the digest stays.
 */
export async function copyDigest(image: string, digest: string, ref: string, session: RegistrySession): Promise<void> {
  const from = registryOf(image)
  const to = registryOf(ref)
  await skopeoOnRegistry(
    session,
    to,
    ['copy', '--quiet', '--all', '--preserve-digests', ...access(session, from, 'src-tls-verify'), ...access({}, to, 'dest-tls-verify'), `docker://${image}@${digest}`, `docker://${ref}`],
    `copying ${image}@${digest} to ${ref}`
  )
}

/** What skopeo says of a tag or repository the registry does not hold. */
const NOT_FOUND = /manifest unknown|name unknown|not found|does not exist|404/i

/**
 * The digest and labels of `ref` in the registry, or undefined when it holds no such tag. A registry
 * that cannot be asked (after its retries) is an error, never read as an absent tag.
 */
export async function inspectRemote(ref: string, session: RegistrySession): Promise<{ digest: string; labels: Record<string, string> } | undefined> {
  const registry = registryOf(ref)
  const r = await skopeoOnRegistry(session, registry, ['inspect', ...access(session, registry, 'tls-verify'), `docker://${ref}`], `reading ${ref}`, message => NOT_FOUND.test(message) && !skopeoTransient(message))
  if (r.exitCode !== 0) return undefined
  const held = JSON.parse(r.stdout) as { Digest: string; Labels?: Record<string, string> }
  return { digest: held.Digest, labels: held.Labels ?? {} }
}
