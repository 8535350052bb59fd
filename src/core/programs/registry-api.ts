// A registry's own HTTP API (distribution v2, OCI 1.1), for what skopeo cannot do: push an artifact with a subject.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { credentialKeys, helperCredentials, type RegistrySession } from './docker-config.js'
import { Input } from '../constants.js'
import { ServiceError } from '../errors.js'
import { DEFAULT_RETRY, isTransientStatus, retryAfter, TransientError, withRetries, type RetryPolicy } from './retry.js'
import { DOCKER_HUB, isLoopback, registryOf } from '../image-ref.js'
import { digestOf, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, fallbackTag, indexEntries, OCI_INDEX, OCI_MANIFEST, type Descriptor } from '../oci.js'

const ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ')

/** An answer read whole: status, headers and body, so a connection that drops mid-body fails inside the retried request. */
interface Answer {
  status: number
  ok: boolean
  headers: Headers
  bytes: Buffer
}

/**
 * One repository of a registry, with the run's login for it. The password stays in this object: never
 * an argument or a log line. Every operation is retried as a whole (see retry.ts) and every request
 * is bounded in time, its body included.
 */
export class RegistryApi {
  private token?: string
  private constructor(
    readonly image: string,
    private readonly base: string,
    private readonly basic: string | undefined,
    private readonly policy: RetryPolicy
  ) {}

  static async open(image: string, session: Pick<RegistrySession, 'authfile' | 'retry'>): Promise<RegistryApi> {
    const registry = registryOf(image)
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry
    const path = registry === DOCKER_HUB && !image.includes('/') ? `library/${image}` : image.slice(image.startsWith(`${registry}/`) ? registry.length + 1 : 0)
    // docker talks plain HTTP to registries on the loopback interface; so does hashdock, and to no other.
    const scheme = isLoopback(registry) ? 'http' : 'https'
    return new RegistryApi(image, `${scheme}://${host}/v2/${path}`, await basicAuth(registry, session.authfile), session.retry ?? DEFAULT_RETRY)
  }

  /** The manifest or index `reference` (a tag or digest) names, with its descriptor; undefined when there is none. */
  async manifest(reference: string): Promise<{ descriptor: Descriptor; bytes: Buffer } | undefined> {
    const what = `reading ${this.image}${reference.includes(':') ? '@' : ':'}${reference}`
    return this.retried(what, async () => {
      const r = await this.request('GET', `/manifests/${reference}`, { headers: { Accept: ACCEPT } })
      if (r.status === 404) return undefined
      const bytes = this.check(r, what)
      // Asked by digest, other bytes are a body cut short or mangled on the way: another attempt may read it whole.
      if (reference.startsWith('sha256:') && digestOf(bytes) !== reference) throw new TransientError(`the answer for ${reference} was other bytes`)
      const mediaType = (r.headers.get('content-type') ?? OCI_MANIFEST).split(';')[0]
      return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length }, bytes }
    })
  }

  /** Puts a manifest; returns whether the registry took its subject into the referrers API (OCI-Subject). */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<boolean> {
    const what = `storing a manifest in ${this.image}${reference.startsWith('sha256:') ? '' : ` as ${reference}`}`
    return this.retried(what, async () => {
      const r = await this.request('PUT', `/manifests/${reference}`, { headers: { 'Content-Type': mediaType }, body: bytes })
      this.check(r, what)
      return r.headers.has('oci-subject')
    })
  }

  /**
   * Points `tag` at the manifest the repository holds as `digest`, byte for byte (read by digest, put
   * under the tag): the registry takes it only while it holds every blob and manifest it names.
   */
  async tag(digest: string, tag: string): Promise<void> {
    const held = await this.manifest(digest)
    if (!held) throw new ServiceError(Input.Image, `${this.image} does not hold ${digest}: ${tag} not written`)
    await this.putManifest(tag, held.descriptor.mediaType, held.bytes)
  }

  /** The blob `digest`, checked against its digest; undefined when the repository holds none. */
  async fetchBlob(digest: string): Promise<Buffer | undefined> {
    const what = `reading ${this.image}@${digest}`
    return this.retried(what, async () => {
      const r = await this.request('GET', `/blobs/${digest}`)
      if (r.status === 404) return undefined
      const bytes = this.check(r, what)
      if (digestOf(bytes) !== digest) throw new TransientError(`the answer for ${digest} was other bytes`)
      return bytes
    })
  }

  /** Uploads a blob unless the repository holds it already (a monolithic upload: POST, then PUT), retried as a whole. */
  async putBlob(bytes: Buffer): Promise<Descriptor & { mediaType: '' }> {
    const digest = digestOf(bytes)
    const what = `uploading ${digest} to ${this.image}`
    await this.retried(what, async () => {
      const held = await this.request('HEAD', `/blobs/${digest}`)
      if (held.ok) return
      // An upload cut short leaves its session behind on the registry: the next attempt starts a new one.
      const start = await this.request('POST', '/blobs/uploads/')
      this.check(start, what)
      const location = new URL(start.headers.get('location') ?? '', this.base)
      location.searchParams.set('digest', digest)
      this.check(await this.request('PUT', location.href, { headers: { 'Content-Type': 'application/octet-stream' }, body: bytes }), what)
    })
    return { mediaType: '', digest, size: bytes.length }
  }

  /** The referrers API's index for `digest`, or undefined when the registry has no referrers API. */
  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const what = `listing what refers to ${this.image}@${digest}`
    return this.retried(what, async () => {
      const r = await this.request('GET', `/referrers/${digest}`, { headers: { Accept: OCI_INDEX } })
      if (r.status === 404 || r.status === 405) return undefined
      return indexEntries(this.check(r, what))
    })
  }

  /**
   * What refers to `digest`, and how it was found: the referrers API, or, on a registry without one, the
   * index under the fallback tag (OCI 1.1's scheme).
   */
  async referrersOf(digest: string): Promise<{ listed: Descriptor[]; via: 'referrers' | 'tag' }> {
    const listed = await this.referrers(digest)
    if (listed) return { listed, via: 'referrers' }
    const held = await this.manifest(fallbackTag(digest))
    return { listed: held ? indexEntries(held.bytes) : [], via: 'tag' }
  }

  private retried<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return withRetries(this.policy, registryOf(this.image), what, operation)
  }

  /** The body of an answer that succeeded; any other answer, one that will not change on retry, is one line naming the image input. */
  private check(r: Answer, what: string): Buffer {
    if (!r.ok) {
      const detail = (r.bytes.toString('utf8').match(/"message":\s*"([^"]{1,200})"/) ?? [])[1]
      throw new ServiceError(Input.Image, `${what} failed: the registry answered ${r.status}${detail ? ` (${detail})` : ''}`)
    }
    return r.bytes
  }

  /**
   * One request, logged in (basic credentials where asked, a bearer token from the registry's realm where
   * that is asked), read whole within the policy's timeout. A dropped connection, a timeout, 408, 429 and
   * 5xx are TransientErrors, for the operation to retry; every other answer is returned.
   */
  private async request(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`
    const send = (authorization?: string): Promise<Answer> =>
      this.fetchWhole(url, { method, headers: { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) }, body: init.body ? new Uint8Array(init.body) : undefined, redirect: 'follow' })
    let r = await send(this.token ? `Bearer ${this.token}` : this.basic)
    if (r.status === 401) {
      const challenge = r.headers.get('www-authenticate') ?? ''
      if (/^bearer/i.test(challenge)) {
        this.token = await this.bearer(challenge)
        r = await send(`Bearer ${this.token}`)
      } else if (this.basic) {
        r = await send(this.basic)
      }
    }
    if (isTransientStatus(r.status)) throw new TransientError(`answered ${r.status}${method === 'GET' || method === 'HEAD' ? '' : ` to ${method}`}`, retryAfter(r.headers.get('retry-after')))
    return r
  }

  /** fetch, with its body read, both within the timeout; a failure of either is transient. */
  private async fetchWhole(url: string | URL, init: RequestInit): Promise<Answer> {
    const seconds = Math.ceil(this.policy.timeoutMs / 1000)
    const signal = AbortSignal.timeout(this.policy.timeoutMs)
    try {
      const r = await fetch(url, { ...init, signal })
      // A HEAD answer has no body to read.
      const bytes = init.method === 'HEAD' ? (await drop(r), Buffer.alloc(0)) : Buffer.from(await r.arrayBuffer())
      return { status: r.status, ok: r.ok, headers: r.headers, bytes }
    } catch (error) {
      if (signal.aborted) throw new TransientError(`no answer within ${seconds}s`)
      throw new TransientError(`the connection failed (${connectionProblem(error)})`)
    }
  }

  private async bearer(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1].toLowerCase(), m[2]]))
    const realm = new URL(params.realm)
    if (params.service) realm.searchParams.set('service', params.service)
    realm.searchParams.set('scope', `repository:${new URL(this.base).pathname.replace(/^\/v2\//, '')}:pull,push`)
    const r = await this.fetchWhole(realm, { headers: this.basic ? { Authorization: this.basic } : {} })
    if (isTransientStatus(r.status)) throw new TransientError(`its login service answered ${r.status}`, retryAfter(r.headers.get('retry-after')))
    const answer = JSON.parse(this.check(r, `logging in to ${registryOf(this.image)}`).toString('utf8')) as { token?: string; access_token?: string }
    return answer.token ?? answer.access_token ?? ''
  }
}

/** Node's fetch says `fetch failed`; the cause says what happened (ECONNRESET, other side closed…). */
function connectionProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

async function drop(r: Response): Promise<undefined> {
  // Read every body: an unread one keeps its connection, and the process, open.
  await r.arrayBuffer().catch(() => undefined)
  return undefined
}

/** The `Basic …` header docker would send to `registry`: from the credentials file's auths, or its credential helper. */
async function basicAuth(registry: string, authfile: string | undefined): Promise<string | undefined> {
  if (!authfile || !existsSync(authfile)) return undefined
  const config = JSON.parse(await readFile(authfile, 'utf8')) as { auths?: Record<string, { auth?: string }>; credHelpers?: Record<string, string>; credsStore?: string }
  const auth = credentialKeys(registry).map(k => config.auths?.[k]?.auth).find(Boolean) ?? (await helperCredentials(config, registry))
  return auth ? `Basic ${auth}` : undefined
}
