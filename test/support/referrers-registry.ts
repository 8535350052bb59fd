// A registry with the OCI 1.1 referrers API, as GHCR, Docker Hub and Harbor have it: the test bed's
// registry (distribution, which has none yet) behind a proxy that answers `GET /v2/<name>/referrers/<digest>`
// from the manifests with a subject it saw uploaded, and acknowledges such an upload with OCI-Subject.
import { createHash } from 'node:crypto'
import { createServer, request as forward, type IncomingMessage, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

interface Referrer {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export interface ReferrersRegistry {
  /** host:port on loopback, where the images point. */
  host: string
  /** Every request seen, `METHOD path`. */
  requests(): string[]
  close(): Promise<void>
}

const INDEX = 'application/vnd.oci.image.index.v1+json'
const REFERRERS = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})(\?.*)?$/
const MANIFEST_PUT = /^\/v2\/(.+)\/manifests\/([^/?]+)$/

export async function startReferrersRegistry(target: string): Promise<ReferrersRegistry> {
  const [hostname, port] = target.split(':')
  /** repository → subject digest → the referrers uploaded for it, by digest. */
  const referrers = new Map<string, Map<string, Map<string, Referrer>>>()
  const seen: string[] = []
  const sockets = new Set<Socket>()

  /** One request to the registry behind, body in hand; the Host header unchanged, so upload locations name this proxy. */
  const upstream = (method: string, path: string, headers: IncomingHttpHeaders, body?: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const r = forward({ host: hostname, port: Number(port), method, path, headers }, answer => {
        const parts: Buffer[] = []
        answer.on('data', (d: Buffer) => parts.push(d))
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }))
      })
      r.on('error', reject)
      r.end(body)
    })

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = req.url ?? '/'
    const asked = REFERRERS.exec(url)
    if (req.method === 'GET' && asked) {
      const [, name, digest, query] = asked
      // The registry's own login decides who may read: asked for the repository's tags with the same credentials.
      const allowed = await upstream('GET', `/v2/${name}/tags/list`, { authorization: req.headers.authorization ?? '', host: req.headers.host ?? '' })
      if (allowed.status === 401 || allowed.status === 403) {
        res.writeHead(allowed.status, allowed.headers)
        return void res.end(allowed.body)
      }
      const filter = new URLSearchParams(query?.slice(1) ?? '').get('artifactType')
      const all = [...(referrers.get(name)?.get(digest)?.values() ?? [])].sort((a, b) => a.digest.localeCompare(b.digest))
      const manifests = filter ? all.filter(r => r.artifactType === filter) : all
      res.writeHead(200, { 'Content-Type': INDEX, ...(filter ? { 'OCI-Filters-Applied': 'artifactType' } : {}) })
      return void res.end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }))
    }
    const answer = await upstream(req.method ?? 'GET', url, req.headers, body)
    const put = req.method === 'PUT' ? MANIFEST_PUT.exec(url) : null
    const headers = { ...answer.headers }
    if (put && answer.status === 201) {
      const manifest = JSON.parse(body.toString('utf8')) as { mediaType?: string; artifactType?: string; config?: { mediaType?: string }; subject?: { digest: string }; annotations?: Record<string, string> }
      if (manifest.subject) {
        const [, name] = put
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
        const bySubject = referrers.get(name) ?? new Map<string, Map<string, Referrer>>()
        referrers.set(name, bySubject)
        const listed = bySubject.get(manifest.subject.digest) ?? new Map<string, Referrer>()
        bySubject.set(manifest.subject.digest, listed)
        listed.set(digest, {
          mediaType: manifest.mediaType ?? String(req.headers['content-type']),
          digest,
          size: body.length,
          ...(manifest.artifactType || manifest.config?.mediaType ? { artifactType: manifest.artifactType ?? manifest.config?.mediaType } : {}),
          ...(manifest.annotations ? { annotations: manifest.annotations } : {})
        })
        // OCI 1.1: a registry that indexes the subject says so, and the client needs no fallback tag.
        headers['oci-subject'] = manifest.subject.digest
      }
    }
    res.writeHead(answer.status, headers)
    res.end(answer.body)
  }

  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    const parts: Buffer[] = []
    req.on('data', (d: Buffer) => parts.push(d))
    req.on('end', () => {
      handle(req, res, Buffer.concat(parts)).catch(() => res.socket?.destroy())
    })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port: own } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${own}`,
    requests: () => [...seen],
    close: () =>
      new Promise<void>(resolve => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
