// A local stand-in for GitHub's artifact service (twirp, v4 artifacts) and its blob storage, so tests
// run the real @actions/artifact: CreateArtifact hands out a signed upload URL, the zip is uploaded to
// it in blocks, and FinalizeArtifact checks its size and sha256 before the artifact counts.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const servicePath = '/twirp/github.actions.results.api.v1.ArtifactService/'
const blobPath = /^\/devstoreaccount1\/artifacts\/(\d+)$/

export interface UploadedArtifact {
  id: number
  name: string
  /** The zip as uploaded. */
  zip: Buffer
}

export interface ArtifactServer {
  /** What a step needs to reach this service: the results URL and a runtime token naming the run and job. */
  env: Record<string, string>
  /** Artifacts finalized, oldest first. */
  artifacts(): UploadedArtifact[]
  /** Every request seen: the API method name, or `PUT blob`. */
  requests(): string[]
  close(): Promise<void>
}

interface Pending {
  id: number
  name: string
  sig: string
  blocks: Map<string, Buffer>
  blob?: Buffer
  finalized: boolean
}

class TwirpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

/** A JWT as the runner hands it out; only its claims are read by the toolkit, never its signature. */
function runtimeToken(runId: string, jobId: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead:00000000 Actions.Results:${runId}:${jobId}` })}.${randomBytes(16).toString('base64url')}`
}

export async function startArtifactServer(): Promise<ArtifactServer> {
  const runId = randomUUID()
  const jobId = randomUUID()
  const token = runtimeToken(runId, jobId)
  const all: Pending[] = []
  const seen: string[] = []
  let base = ''

  const checkIds = (req: Record<string, unknown>): void => {
    if (req.workflow_run_backend_id !== runId || req.workflow_job_run_backend_id !== jobId) {
      throw new TwirpError(400, 'invalid_argument', 'the backend ids are not those of the runtime token')
    }
  }
  const api: Record<string, (req: Record<string, unknown>) => object> = {
    CreateArtifact(req) {
      checkIds(req)
      const name = String(req.name)
      if (all.some(a => a.name === name)) throw new TwirpError(409, 'already_exists', `an artifact named ${name} already exists in this run`)
      const entry: Pending = { id: all.length + 1, name, sig: randomBytes(12).toString('hex'), blocks: new Map(), finalized: false }
      all.push(entry)
      return { ok: true, signed_upload_url: `${base}devstoreaccount1/artifacts/${entry.id}?sv=2024-11-04&sr=b&sp=cw&sig=${entry.sig}` }
    },
    FinalizeArtifact(req) {
      checkIds(req)
      const entry = all.find(a => a.name === req.name && !a.finalized)
      if (!entry?.blob) throw new TwirpError(404, 'not_found', `no uploaded artifact named ${String(req.name)}`)
      const hash = (req.hash as string | undefined) ?? ''
      if (entry.blob.length !== Number(req.size)) return { ok: false }
      if (hash && hash !== `sha256:${createHash('sha256').update(entry.blob).digest('hex')}`) return { ok: false }
      entry.finalized = true
      return { ok: true, artifact_id: String(entry.id) }
    }
  }

  function serveApi(method: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    try {
      if (req.method !== 'POST' || !api[method]) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${method}`)
      if (req.headers.authorization !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'missing or wrong runtime token')
      send(res, 200, JSON.stringify(api[method](JSON.parse(body.toString('utf8') || '{}'))), { 'Content-Type': 'application/json' })
    } catch (error) {
      const e = error instanceof TwirpError ? error : new TwirpError(400, 'malformed', String(error))
      send(res, e.status, JSON.stringify({ code: e.code, msg: e.message }), { 'Content-Type': 'application/json' })
    }
  }

  function serveBlob(entry: Pending | undefined, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (!entry || url.searchParams.get('sig') !== entry.sig || req.method !== 'PUT') return storageError(res, 403, 'AuthenticationFailed')
    if (entry.finalized) return storageError(res, 409, 'BlobImmutable')
    const comp = url.searchParams.get('comp')
    if (comp === 'block') {
      const id = url.searchParams.get('blockid')
      if (!id) return storageError(res, 400, 'InvalidQueryParameterValue')
      entry.blocks.set(id, body)
    } else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(m => m[2])
      if (ids.some(id => !entry.blocks.has(id))) return storageError(res, 400, 'InvalidBlockList')
      entry.blob = Buffer.concat(ids.map(id => entry.blocks.get(id) as Buffer))
    } else if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      entry.blob = body
    } else {
      return storageError(res, 400, 'UnsupportedQueryParameter')
    }
    send(res, 201, '', { ETag: `"0x${entry.id.toString(16)}"`, 'Last-Modified': new Date().toUTCString(), 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': '2024-11-04' })
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
      serveBlob(all.find(a => String(a.id) === id), url, req, body, res)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  return {
    env: { ACTIONS_RESULTS_URL: base, ACTIONS_RUNTIME_TOKEN: token, GITHUB_SERVER_URL: 'https://github.com' },
    artifacts: () => all.filter(a => a.finalized && a.blob).map(a => ({ id: a.id, name: a.name, zip: a.blob as Buffer })),
    requests: () => [...seen],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        // The toolkit leaves keep-alive sockets open; without this, close() waits for them to time out.
        server.closeAllConnections()
      })
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, headers)
  res.end(body)
}

function storageError(res: ServerResponse, status: number, code: string): void {
  send(res, status, `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`, {
    'Content-Type': 'application/xml',
    'x-ms-error-code': code
  })
}
