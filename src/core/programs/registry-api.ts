// A registry's own HTTP API (distribution v2, OCI 1.1), for what skopeo cannot do: push an artifact with a subject.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { RegistrySession } from './docker-config.js'
import { Input } from '../constants.js'
import { ServiceError } from '../errors.js'
import { run } from './exec.js'
import { DOCKER_HUB, isLoopback, registryOf } from '../image-ref.js'

export const MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const INDEX = 'application/vnd.oci.image.index.v1+json'
const ACCEPT = [INDEX, MANIFEST, 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ')

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** One repository of a registry, with the run's login for it. The password stays in this object: never an argument or a log line. */
export class RegistryApi {
  private token?: string
  private constructor(
    readonly image: string,
    private readonly base: string,
    private readonly basic: string | undefined
  ) {}

  static async open(image: string, session: Pick<RegistrySession, 'authfile'>): Promise<RegistryApi> {
    const registry = registryOf(image)
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry
    const path = registry === DOCKER_HUB && !image.includes('/') ? `library/${image}` : image.slice(image.startsWith(`${registry}/`) ? registry.length + 1 : 0)
    // docker talks plain HTTP to registries on the loopback interface; so does hashdock, and to no other.
    const scheme = isLoopback(registry) ? 'http' : 'https'
    return new RegistryApi(image, `${scheme}://${host}/v2/${path}`, await basicAuth(registry, session.authfile))
  }

  /** The manifest or index `reference` (a tag or digest) names, with its descriptor; undefined when there is none. */
  async manifest(reference: string): Promise<{ descriptor: Descriptor; bytes: Buffer } | undefined> {
    const r = await this.request('GET', `/manifests/${reference}`, { headers: { Accept: ACCEPT } })
    if (r.status === 404) return drop(r)
    const bytes = await this.body(r, `reading ${this.image}:${reference}`)
    const mediaType = (r.headers.get('content-type') ?? MANIFEST).split(';')[0]
    return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length }, bytes }
  }

  /** Puts a manifest; returns whether the registry took its subject into the referrers API (OCI-Subject). */
  async putManifest(reference: string, mediaType: string, bytes: Buffer): Promise<boolean> {
    const r = await this.request('PUT', `/manifests/${reference}`, { headers: { 'Content-Type': mediaType }, body: bytes })
    await this.body(r, `storing a manifest in ${this.image}`)
    return r.headers.has('oci-subject')
  }

  async blob(digest: string): Promise<Buffer | undefined> {
    const r = await this.request('GET', `/blobs/${digest}`)
    if (r.status === 404) return drop(r)
    const bytes = await this.body(r, `reading ${this.image}@${digest}`)
    if (sha256(bytes) !== digest) throw new ServiceError(Input.Image, `${this.image} answered ${digest} with other bytes`)
    return bytes
  }

  /** Uploads a blob unless the repository holds it already (a monolithic upload: POST, then PUT). */
  async putBlob(bytes: Buffer): Promise<Descriptor & { mediaType: '' }> {
    const digest = sha256(bytes)
    const held = await this.request('HEAD', `/blobs/${digest}`)
    await drop(held)
    if (!held.ok) {
      const start = await this.request('POST', '/blobs/uploads/')
      await this.body(start, `uploading to ${this.image}`)
      const location = new URL(start.headers.get('location') ?? '', this.base)
      location.searchParams.set('digest', digest)
      const put = await this.request('PUT', location.href, { headers: { 'Content-Type': 'application/octet-stream' }, body: bytes })
      await this.body(put, `uploading to ${this.image}`)
    }
    return { mediaType: '', digest, size: bytes.length }
  }

  /** The referrers API's index for `digest`, or undefined when the registry has no referrers API. */
  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const r = await this.request('GET', `/referrers/${digest}`, { headers: { Accept: INDEX } })
    if (r.status === 404 || r.status === 405) return drop(r)
    const index = JSON.parse((await this.body(r, `listing what refers to ${this.image}@${digest}`)).toString('utf8')) as { manifests?: Descriptor[] }
    return index.manifests ?? []
  }

  private async body(r: Response, what: string): Promise<Buffer> {
    const bytes = Buffer.from(await r.arrayBuffer())
    if (!r.ok) {
      const detail = (bytes.toString('utf8').match(/"message":\s*"([^"]{1,200})"/) ?? [])[1]
      throw new ServiceError(Input.Image, `${what} failed: the registry answered ${r.status}${detail ? ` (${detail})` : ''}`)
    }
    return bytes
  }

  /** One request, logged in: basic credentials where asked, a bearer token from the registry's realm where that is asked. */
  private async request(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`
    const send = (authorization?: string): Promise<Response> =>
      fetch(url, { method, headers: { ...init.headers, ...(authorization ? { Authorization: authorization } : {}) }, body: init.body ? new Uint8Array(init.body) : undefined, redirect: 'follow' }).catch((error: Error) => {
        throw new ServiceError(Input.Image, `registry ${registryOf(this.image)} is unreachable: ${error.message}`)
      })
    let r = await send(this.token ? `Bearer ${this.token}` : this.basic)
    if (r.status !== 401) return r
    const challenge = r.headers.get('www-authenticate') ?? ''
    await drop(r)
    if (/^bearer/i.test(challenge)) {
      this.token = await this.bearer(challenge)
      r = await send(`Bearer ${this.token}`)
    } else if (this.basic) {
      r = await send(this.basic)
    }
    return r
  }

  private async bearer(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1].toLowerCase(), m[2]]))
    const realm = new URL(params.realm)
    if (params.service) realm.searchParams.set('service', params.service)
    realm.searchParams.set('scope', `repository:${new URL(this.base).pathname.replace(/^\/v2\//, '')}:pull,push`)
    const r = await fetch(realm, { headers: this.basic ? { Authorization: this.basic } : {} })
    const answer = JSON.parse((await this.body(r, `logging in to ${registryOf(this.image)}`)).toString('utf8')) as { token?: string; access_token?: string }
    return answer.token ?? answer.access_token ?? ''
  }
}

async function drop(r: Response): Promise<undefined> {
  // Read every body: an unread one keeps its connection, and the process, open.
  await r.arrayBuffer().catch(() => undefined)
  return undefined
}

/** The `Basic …` header docker would send to `registry`: from the config file's auths, or its credential helper. */
async function basicAuth(registry: string, authfile: string | undefined): Promise<string | undefined> {
  if (!authfile || !existsSync(authfile)) return undefined
  const config = JSON.parse(await readFile(authfile, 'utf8')) as { auths?: Record<string, { auth?: string }>; credHelpers?: Record<string, string>; credsStore?: string }
  const keys = registry === DOCKER_HUB ? ['https://index.docker.io/v1/', DOCKER_HUB] : [registry, `https://${registry}`]
  for (const key of keys) {
    const auth = config.auths?.[key]?.auth
    if (auth) return `Basic ${auth}`
  }
  const helper = keys.map(k => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore
  if (!helper) return undefined
  // The helper answers on standard output; the secret never reaches an argument list.
  const r = await run(`docker-credential-${helper}`, ['get'], { input: keys[0], allowFailure: true }).catch(() => undefined)
  if (!r || r.exitCode !== 0) return undefined
  const { Username, Secret } = JSON.parse(r.stdout) as { Username: string; Secret: string }
  return `Basic ${Buffer.from(`${Username}:${Secret}`).toString('base64')}`
}
