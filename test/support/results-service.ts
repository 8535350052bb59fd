// A local stand-in for GitHub's results service: one twirp service's calls, and the block-blob storage its signed URLs point at.
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An error as twirp answers it: an HTTP status and a JSON body with a code. */
export class TwirpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

/** One blob of the storage; a service's entry keeps it to read what was uploaded and to seal it. */
export interface StoredBlob {
  readonly id: number
  /** The content once written, whole by a single PUT or by a committed block list. */
  data?: Buffer
  /** A sealed blob takes no more writes and, if its URL grants reading, can be read. */
  sealed: boolean
}

/** A twirp method: the request's JSON in, the response's JSON out; a TwirpError for an error answer. */
export type Handlers = Record<string, (req: Record<string, unknown>) => object>

export interface ResultsService {
  /** Base URL, with a trailing slash, as the runner hands out ACTIONS_RESULTS_URL. */
  url: string
  /** What a process needs to reach this service through the toolkit. */
  env: Record<string, string>
  /** The run and job backend ids the runtime token names; the artifact service checks requests against them. */
  runId: string
  jobId: string
  /** A new, empty blob and the signed URL that reaches it with these SAS permissions (`r`ead, `c`reate, `w`rite). */
  createBlob(permissions: string): { blob: StoredBlob; url: string }
  /** Every request seen: the API method name, or `PUT blob`, `GET blob`… for storage. */
  requests(): string[]
  /** Answer every later call of an API method with this HTTP status (a twirp error); no status ends that. */
  fail(method: string, status?: number): void
  close(): Promise<void>
}

interface Blob extends StoredBlob {
  permissions: string
  /** The signature that makes this blob's URL valid. */
  sig: string
  /** Staged by Put Block, until Put Block List commits some of them. */
  blocks: Map<string, Buffer>
  /** Counts writes, so the ETag changes with the content as Azure's does. */
  writes: number
}

/**
 * Starts a stand-in of `github.actions.results.api.v1.<service>` whose blobs sit in `container`; `handlers`
 * gets the started service, for its URL, ids and blobs, and returns the service's methods.
 */
export async function startResultsService(service: string, container: string, handlers: (results: ResultsService) => Handlers): Promise<ResultsService> {
  const servicePath = `/twirp/github.actions.results.api.v1.${service}/`
  // IP-style Azure URLs name the account and container in the path; the SDK parses them that way.
  const blobPath = new RegExp(`^/devstoreaccount1/${container}/(\\d+)$`)
  const runId = randomUUID()
  const jobId = randomUUID()
  const token = runtimeToken(runId, jobId)
  const blobs: Blob[] = []
  const seen: string[] = []
  const failures = new Map<string, number>()
  let api: Handlers = {}
  let base = ''

  function serveApi(method: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    try {
      if (req.method !== 'POST' || !Object.hasOwn(api, method)) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${method}`)
      if (req.headers.authorization !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'missing or wrong runtime token')
      const status = failures.get(method)
      if (status) throw new TwirpError(status, status >= 500 ? 'internal' : 'failed_precondition', `${method} made to fail`)
      send(res, 200, JSON.stringify(api[method](JSON.parse(body.toString('utf8') || '{}'))), { 'Content-Type': 'application/json' })
    } catch (error) {
      const e = error instanceof TwirpError ? error : new TwirpError(400, 'malformed', String(error))
      send(res, e.status, JSON.stringify({ code: e.code, msg: e.message }), { 'Content-Type': 'application/json' })
    }
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
      serveBlob(blobs.find(b => String(b.id) === id), url, req, body, res)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  const results: ResultsService = {
    url: base,
    env: {
      ACTIONS_RESULTS_URL: base,
      ACTIONS_RUNTIME_TOKEN: token,
      // Any other host counts as GitHub Enterprise Server, where @actions/cache falls back to service v1 and @actions/artifact refuses.
      GITHUB_SERVER_URL: 'https://github.com'
    },
    runId,
    jobId,
    createBlob(permissions) {
      const blob: Blob = { id: blobs.length + 1, sealed: false, permissions, sig: randomBytes(12).toString('hex'), blocks: new Map(), writes: 0 }
      blobs.push(blob)
      return { blob, url: `${base}devstoreaccount1/${container}/${blob.id}?sv=2024-11-04&sr=b&sp=${permissions}&sig=${blob.sig}` }
    },
    requests: () => [...seen],
    fail: (method, status) => void (status ? failures.set(method, status) : failures.delete(method)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        // The toolkit leaves keep-alive sockets open; without this, close() waits for them to time out.
        server.closeAllConnections()
      })
  }
  api = handlers(results)
  return results
}

/** A JWT as the runner hands it out; only its claims are read by the toolkit, never its signature. */
function runtimeToken(runId: string, jobId: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead:00000000 Actions.Results:${runId}:${jobId}` })}.${randomBytes(16).toString('base64url')}`
}

/** Block-blob storage as the Azure SDK uses it: Put Block, Put Block List, a single-shot PUT, and ranged GET/HEAD. */
function serveBlob(blob: Blob | undefined, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  if (!blob || url.searchParams.get('sig') !== blob.sig) return storageError(res, 403, 'AuthenticationFailed')
  const headers = () => ({ ETag: `"0x${blob.id.toString(16)}${blob.writes}"`, 'Last-Modified': new Date().toUTCString(), 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': '2024-11-04' })
  if (req.method === 'PUT') {
    if (!blob.permissions.includes('w')) return storageError(res, 403, 'AuthorizationPermissionMismatch')
    if (blob.sealed) return storageError(res, 409, 'BlobImmutable')
    const comp = url.searchParams.get('comp')
    if (comp === 'block') {
      const id = url.searchParams.get('blockid')
      if (!id) return storageError(res, 400, 'InvalidQueryParameterValue')
      blob.blocks.set(id, body)
    } else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(m => m[2])
      if (ids.some(id => !blob.blocks.has(id))) return storageError(res, 400, 'InvalidBlockList')
      blob.data = Buffer.concat(ids.map(id => blob.blocks.get(id)!))
      // Azure drops the blocks a commit leaves out; those it takes are now the blob's.
      blob.blocks.clear()
    } else if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      blob.data = body
    } else {
      return storageError(res, 400, 'UnsupportedQueryParameter')
    }
    blob.writes++
    return send(res, 201, '', headers())
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!blob.permissions.includes('r')) return storageError(res, 403, 'AuthorizationPermissionMismatch')
    // Until its entry is finalized a blob is an upload in progress, which no reader may see.
    if (!blob.data || !blob.sealed) return storageError(res, 404, 'BlobNotFound')
    const data = blob.data
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (!range) return send(res, 200, req.method === 'HEAD' ? '' : data, { ...headers(), 'Content-Length': String(data.length), 'Accept-Ranges': 'bytes' })
    const start = Number(range[1])
    const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1)
    if (start > end) return send(res, 416, '', { 'Content-Range': `bytes */${data.length}` })
    const part = data.subarray(start, end + 1)
    return send(res, 206, req.method === 'HEAD' ? '' : part, { ...headers(), 'Content-Length': String(part.length), 'Content-Range': `bytes ${start}-${end}/${data.length}` })
  }
  storageError(res, 404, 'BlobNotFound')
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, headers)
  res.end(body)
}

function storageError(res: ServerResponse, status: number, code: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`
  send(res, status, body, { 'Content-Type': 'application/xml', 'x-ms-error-code': code })
}
