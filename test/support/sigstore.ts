// A Sigstore instance of the test bed's own: @sigstore/mock's Fulcio, Rekor and timestamp authority
// served over HTTP on loopback, with the identity-token endpoint a GitHub job asks, so the action signs
// against it as it would against public-good, offline; and the trusted root that verifies what it signed.
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock'
import { bundleToJSON } from '@sigstore/bundle'
import { CIContextProvider, DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } from '@sigstore/sign'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a GitHub job's identity token says: the repository, and the workflow file that runs (the signer). */
export interface Identity {
  repository: string
  /** owner/repo/.github/workflows/file.yml@ref of the workflow whose job signs (a reusable workflow's own). */
  jobWorkflowRef: string
  ref?: string
  sha?: string
}

export interface SigstoreStandIn {
  /** http://127.0.0.1:port */
  url: string
  /** The action's sigstore-instance input for this instance. */
  instance: string
  /** The variables a job with id-token: write has: where to ask for its token. */
  env(identity: Identity): Record<string, string>
  /** The instance's trusted root, as `cosign trusted-root create` or `gh attestation trusted-root` write one. */
  trustedRoot: object
  /** Signs `payload` as an in-toto DSSE envelope with `identity`, as a job would; the bundle's JSON. */
  sign(identity: Identity, payload: Buffer): Promise<object>
  /** Requests served, `METHOD path`. */
  requests(): string[]
  close(): Promise<void>
}

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
const b64 = (bytes: ArrayBufferView | Buffer): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A proposed `dsse` entry as Rekor stores it; other kinds as they came. */
function canonicalDsse(body: string): string {
  const proposed = JSON.parse(body) as { kind?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } }
  const content = proposed.kind === 'dsse' ? proposed.spec?.proposedContent : undefined
  if (!content) return body
  const envelope = JSON.parse(content.envelope) as { payload: string; signatures: { sig: string }[] }
  const sha256 = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex')
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(content.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((s, i) => ({ signature: s.sig, verifier: content.verifiers[i] ?? content.verifiers[0] }))
    }
  })
}

export async function startSigstore(): Promise<SigstoreStandIn> {
  const keys = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const ctKeys = keys()
  const ctlog = await initializeCTLog(ctKeys)
  const ca = await initializeCA(keys(), ctlog)
  const tlogKeys = keys()
  const seen: string[] = []
  const identities = new Map<string, Identity>()
  let url = ''

  const routes: Record<string, HandlerFn> = {}
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', url).pathname
      seen.push(`${req.method} ${path}`)
      const reply = (status: number, body: string | ArrayBufferView, type = 'application/json'): void => {
        res.writeHead(status, { 'content-type': type })
        res.end(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength))
      }
      // The token a job gets from ACTIONS_ID_TOKEN_REQUEST_URL, for the audience asked: its claims as
      // GitHub's issuer writes them. Unsigned: the stand-in's Fulcio reads the claims without checking.
      if (req.method === 'GET' && path.startsWith('/token/')) {
        const who = identities.get(path.slice('/token/'.length))
        const audience = new URL(req.url ?? '/', url).searchParams.get('audience') ?? ''
        if (!who || req.headers.authorization !== `Bearer request-token-${path.slice('/token/'.length)}`) return reply(401, '{"message":"bad token request"}')
        const ref = who.ref ?? 'refs/heads/main'
        const claims = {
          iss: GITHUB_ISSUER,
          aud: audience,
          sub: `repo:${who.repository}:ref:${ref}`,
          signer: `https://github.com/${who.jobWorkflowRef}`,
          repository: who.repository,
          repository_owner: who.repository.split('/')[0],
          ref,
          sha: who.sha ?? '0'.repeat(40),
          event_name: 'push',
          workflow_ref: who.jobWorkflowRef,
          job_workflow_ref: who.jobWorkflowRef,
          runner_environment: 'github-hosted',
          run_id: '4242',
          run_attempt: '1',
          iat: Math.floor(Date.now() / 1000),
          exp: Math.floor(Date.now() / 1000) + 300
        }
        return reply(200, JSON.stringify({ value: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.` }))
      }
      const handler = req.method === 'POST' ? routes[path] : undefined
      if (!handler) return reply(404, '{"message":"not found"}')
      handler(Buffer.concat(chunks).toString('utf8')).then(
        r => reply(r.statusCode, r.response, r.contentType ?? 'text/plain'),
        (error: unknown) => reply(500, String(error), 'text/plain')
      )
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const tlog = await initializeTLog(url, tlogKeys)
  // The timestamp authority's clock, set to the whole second before each request: its time is written
  // with the milliseconds' trailing zeros dropped (".05"), which sigstore-js's parser does not read.
  const tsaClock = new Date()
  const tsa = await initializeTSA(keys(), tsaClock)
  // Fulcio's certificate names the workflow that signs, as GitHub's Fulcio does (the job_workflow_ref URI).
  for (const h of [fulcioHandler(ca, { subjectClaim: 'signer' }), rekorHandler(tlog), tsaHandler(tsa)]) routes[h.path] = h.fn
  const stamp = routes['/api/v1/timestamp']
  routes['/api/v1/timestamp'] = body => {
    tsaClock.setTime(Math.floor(Date.now() / 1000) * 1000)
    return stamp(body)
  }
  // Rekor keeps a DSSE entry in its canonical form (the envelope's and payload's hashes, the signature
  // and its verifier), not the envelope proposed: the stand-in's log does the same before logging.
  const log = routes['/api/v1/log/entries']
  routes['/api/v1/log/entries'] = body => log(canonicalDsse(body))

  const since = { start: new Date(Date.now() - 3600_000).toISOString() }
  const key = (der: Buffer) => ({ rawBytes: b64(der), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: since })
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: url, hashAlgorithm: 'SHA2_256', publicKey: key(tlog.publicKey), logId: { keyId: b64(createHash('sha256').update(tlog.publicKey).digest()) } }],
    certificateAuthorities: [{ subject: { organization: 'hashdock test bed', commonName: 'fulcio' }, uri: url, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor: since }],
    ctlogs: [{ baseUrl: url, hashAlgorithm: 'SHA2_256', publicKey: key(ctlog.publicKey), logId: { keyId: b64(ctlog.logID) } }],
    timestampAuthorities: [
      { subject: { organization: 'hashdock test bed', commonName: 'tsa' }, uri: url, certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] }, validFor: since }
    ]
  }

  const env = (identity: Identity): Record<string, string> => {
    const id = String(identities.size + 1)
    identities.set(id, identity)
    return { ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/token/${id}?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: `request-token-${id}` }
  }
  return {
    url,
    instance: `fulcio=${url}\nrekor=${url}\ntsa=${url}/api/v1/timestamp`,
    env,
    trustedRoot,
    async sign(identity, payload) {
      const saved = { ...process.env }
      Object.assign(process.env, env(identity))
      try {
        const signer = new FulcioSigner({ identityProvider: new CIContextProvider('sigstore'), fulcioBaseURL: url })
        const witnesses = [new RekorWitness({ rekorBaseURL: url }), new TSAWitness({ tsaBaseURL: url })]
        return bundleToJSON(await new DSSEBundleBuilder({ signer, witnesses }).create({ data: payload, type: 'application/vnd.in-toto+json' })) as object
      } finally {
        process.env = saved
      }
    },
    requests: () => [...seen],
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}
