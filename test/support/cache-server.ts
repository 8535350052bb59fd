// A local stand-in for GitHub's cache service (v2) and its blob storage, so tests run the real @actions/cache.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const servicePath = '/twirp/github.actions.results.api.v1.CacheService/'
// IP-style Azure URLs name the account and container in the path; the SDK parses them that way.
const blobPath = /^\/devstoreaccount1\/caches\/(\d+)$/

export interface CacheServer {
  /** Base URL, with a trailing slash, as the runner hands out ACTIONS_RESULTS_URL. */
  url: string
  /** What a process needs to reach this service through @actions/cache. */
  env: Record<string, string>
  close(): Promise<void>
  /** Keys of the finalized entries, oldest first. */
  entries(): string[]
  /** Every request seen: the API method name, or `PUT blob`, `GET blob`… for storage. */
  requests(): string[]
  /** Answer every later call of an API method with this HTTP status (a twirp error); no status ends that. */
  fail(method: string, status?: number): void
}

interface Entry {
  id: number
  key: string
  version: string
  /** The signature that makes this entry's blob URL valid. */
  sig: string
  blocks: Map<string, Buffer>
  blob?: Buffer
  /** When it was finalized, on the server's clock; unset while the upload is pending. */
  finalized?: number
}

class TwirpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export async function startCacheServer(): Promise<CacheServer> {
  const token = randomBytes(16).toString('hex')
  const entries: Entry[] = []
  const seen: string[] = []
  const failures = new Map<string, number>()
  let clock = 0
  let base = ''

  const blobUrl = (e: Entry): string => `${base}devstoreaccount1/caches/${e.id}?sv=2024-11-04&sr=b&sp=rcw&sig=${e.sig}`

  const api: Record<string, (req: Record<string, unknown>) => object> = {
    CreateCacheEntry({ key, version }) {
      if (entries.some(e => e.key === key && e.version === version)) {
        throw new TwirpError(409, 'already_exists', 'cache entry with the same key and version already exists')
      }
      const entry: Entry = { id: entries.length + 1, key: String(key), version: String(version), sig: randomBytes(12).toString('hex'), blocks: new Map() }
      entries.push(entry)
      return { ok: true, signed_upload_url: blobUrl(entry) }
    },
    FinalizeCacheEntryUpload({ key, version, size_bytes }) {
      const entry = entries.find(e => e.key === key && e.version === version && e.finalized === undefined)
      if (!entry) throw new TwirpError(404, 'not_found', 'no pending cache entry for this key and version')
      if (entry.blob?.length !== Number(size_bytes)) return { ok: false, message: `uploaded ${entry.blob?.length ?? 0} bytes, not ${size_bytes}` }
      entry.finalized = ++clock
      return { ok: true, entry_id: String(entry.id) }
    },
    GetCacheEntryDownloadURL({ key, restore_keys, version }) {
      const candidates = entries.filter(e => e.finalized !== undefined && e.version === version).sort((a, b) => b.finalized! - a.finalized!)
      // The service's order: the key itself, then each key (primary first) as a prefix, newest entry first.
      const prefixes = [String(key), ...((restore_keys as string[] | undefined) ?? [])]
      const match = candidates.find(e => e.key === key) ?? prefixes.map(p => candidates.find(e => e.key.startsWith(p))).find(Boolean)
      return match ? { ok: true, signed_download_url: blobUrl(match), matched_key: match.key } : { ok: false }
    }
  }

  function serveApi(method: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    try {
      if (req.method !== 'POST' || !api[method]) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${method}`)
      if (req.headers.authorization !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'missing or wrong runtime token')
      const status = failures.get(method)
      if (status) throw new TwirpError(status, status >= 500 ? 'internal' : 'failed_precondition', `${method} made to fail`)
      send(res, 200, JSON.stringify(api[method](JSON.parse(body.toString('utf8') || '{}'))), { 'Content-Type': 'application/json' })
    } catch (error) {
      const e = error instanceof TwirpError ? error : new TwirpError(400, 'malformed', String(error))
      send(res, e.status, JSON.stringify({ code: e.code, msg: e.message }), { 'Content-Type': 'application/json' })
    }
  }

  function serveBlob(entry: Entry | undefined, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (!entry || url.searchParams.get('sig') !== entry.sig) return storageError(res, 403, 'AuthenticationFailed')
    const headers = { ETag: `"0x${entry.id.toString(16)}${clock}"`, 'Last-Modified': new Date().toUTCString(), 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': '2024-11-04' }
    if (req.method === 'PUT') {
      if (entry.finalized !== undefined) return storageError(res, 409, 'BlobImmutable')
      const comp = url.searchParams.get('comp')
      if (comp === 'block') {
        const id = url.searchParams.get('blockid')
        if (!id) return storageError(res, 400, 'InvalidQueryParameterValue')
        entry.blocks.set(id, body)
      } else if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(m => m[2])
        if (ids.some(id => !entry.blocks.has(id))) return storageError(res, 400, 'InvalidBlockList')
        entry.blob = Buffer.concat(ids.map(id => entry.blocks.get(id)!))
        entry.blocks.clear()
      } else if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
        entry.blob = body
      } else {
        return storageError(res, 400, 'UnsupportedQueryParameter')
      }
      return send(res, 201, '', headers)
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && entry.blob && entry.finalized !== undefined) {
      const blob = entry.blob
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      if (!range) return send(res, 200, req.method === 'HEAD' ? '' : blob, { ...headers, 'Content-Length': String(blob.length), 'Accept-Ranges': 'bytes' })
      const start = Number(range[1])
      const end = Math.min(range[2] ? Number(range[2]) : blob.length - 1, blob.length - 1)
      if (start > end) return send(res, 416, '', { 'Content-Range': `bytes */${blob.length}` })
      const part = blob.subarray(start, end + 1)
      return send(res, 206, req.method === 'HEAD' ? '' : part, { ...headers, 'Content-Length': String(part.length), 'Content-Range': `bytes ${start}-${end}/${blob.length}` })
    }
    storageError(res, 404, 'BlobNotFound')
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base)
      const body = Buffer.concat(chunks)
      if (url.pathname.startsWith(servicePath)) {
        const method = url.pathname.slice(servicePath.length)
        seen.push(method)
        return serveApi(method, req, body, res)
      }
      seen.push(`${req.method} blob`)
      const id = blobPath.exec(url.pathname)?.[1]
      serveBlob(entries.find(e => String(e.id) === id), url, req, body, res)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  return {
    url: base,
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: base,
      ACTIONS_RUNTIME_TOKEN: token,
      // Any other host counts as GitHub Enterprise Server, where @actions/cache falls back to service v1.
      GITHUB_SERVER_URL: 'https://github.com'
    },
    entries: () => entries.filter(e => e.finalized !== undefined).sort((a, b) => a.finalized! - b.finalized!).map(e => e.key),
    requests: () => [...seen],
    fail: (method, status) => void (status ? failures.set(method, status) : failures.delete(method)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        // @actions/cache leaves keep-alive sockets open; without this, close() waits for them to time out.
        server.closeAllConnections()
      })
  }
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, headers)
  res.end(body)
}

function storageError(res: ServerResponse, status: number, code: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`
  send(res, status, body, { 'Content-Type': 'application/xml', 'x-ms-error-code': code })
}
