// The registry's HTTP API client against a fake registry that asks for a bearer token, as ghcr.io and Docker Hub do.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { digestOf } from '../../../src/core/oci.js'
import { RegistryApi } from '../../../src/core/programs/registry-api.js'
import { DEFAULT_RETRY } from '../../../src/core/programs/retry.js'
import { tempDir } from '../../../test/support/repo.js'

const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`
const blobs = new Map<string, Buffer>()
const manifests = new Map<string, { type: string; bytes: Buffer }>()
const seen: string[] = []
let server: Server
let host: string

const read = (req: IncomingMessage): Promise<Buffer> =>
  new Promise(resolve => {
    const parts: Buffer[] = []
    req.on('data', d => parts.push(d))
    req.on('end', () => resolve(Buffer.concat(parts)))
  })

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`)
    const body = await read(req)
    seen.push(`${req.method} ${url.pathname} ${req.headers.authorization?.split(' ')[0] ?? '-'}`)
    if (url.pathname === '/token') {
      const ok = req.headers.authorization === basic && url.searchParams.get('scope') === 'repository:acme/app:pull,push' && url.searchParams.get('service') === 'fake'
      res.writeHead(ok ? 200 : 401).end(ok ? JSON.stringify({ token: 'tok' }) : '')
      return
    }
    if (req.headers.authorization !== 'Bearer tok') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:acme/app:pull"` }).end()
      return
    }
    const m = /^\/v2\/acme\/app\/(blobs|manifests)\/(.+)$/.exec(url.pathname)
    if (req.method === 'POST' && url.pathname === '/v2/acme/app/blobs/uploads/') return void res.writeHead(202, { Location: '/upload/1?state=x' }).end()
    if (req.method === 'PUT' && url.pathname === '/upload/1') {
      const digest = url.searchParams.get('digest') ?? ''
      if (digestOf(body) !== digest || url.searchParams.get('state') !== 'x') return void res.writeHead(400).end()
      blobs.set(digest, body)
      return void res.writeHead(201).end()
    }
    if (m?.[1] === 'blobs') {
      const blob = blobs.get(m[2])
      return void (blob ? res.writeHead(200).end(req.method === 'HEAD' ? undefined : blob) : res.writeHead(404).end())
    }
    if (m?.[1] === 'manifests' && req.method === 'PUT') {
      manifests.set(m[2], { type: String(req.headers['content-type']), bytes: body })
      return void res.writeHead(201, { 'OCI-Subject': 'sha256:x' }).end()
    }
    if (m?.[1] === 'manifests') {
      const held = manifests.get(m[2])
      return void (held ? res.writeHead(200, { 'Content-Type': held.type }).end(held.bytes) : res.writeHead(404).end())
    }
    res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

function authfile(): string {
  const file = join(tempDir('auth'), 'auth.json')
  writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from('ci:s3cret').toString('base64') } } }))
  return file
}

test('a blob and a manifest go up with a bearer token from the realm, got with the login, and come back checked', async () => {
  const api = await RegistryApi.open(`${host}/acme/app`, { authfile: authfile() })
  const stored = await api.putBlob(Buffer.from('{"hello":1}'))
  expect(stored.digest).toBe(digestOf(Buffer.from('{"hello":1}')))
  expect((await api.fetchBlob(stored.digest))?.toString()).toBe('{"hello":1}')
  expect(await api.fetchBlob(digestOf('absent'))).toBeUndefined()
  const manifest = Buffer.from('{"schemaVersion":2}')
  expect(await api.putManifest('v1', 'application/vnd.oci.image.manifest.v1+json', manifest)).toBe(true)
  expect(await api.manifest('v1')).toEqual({ descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length }, bytes: manifest })
  expect(await api.manifest('missing')).toBeUndefined()
  // One token for the whole session: asked for once.
  expect(seen.filter(s => s.startsWith('GET /token'))).toHaveLength(1)
})

test('without a login the realm refuses: one line naming the image input', async () => {
  const api = await RegistryApi.open(`${host}/acme/app`, { authfile: undefined })
  const error = await api.putBlob(Buffer.from('x')).catch((e: Error) => e)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).toMatch(/^image: logging in to 127\.0\.0\.1:\d+ failed: the registry answered 401$/)
})

test('an unreachable registry is one line naming the image input', async () => {
  const api = await RegistryApi.open('127.0.0.1:9/acme/app', { authfile: undefined, retry: { ...DEFAULT_RETRY, retries: 1, baseDelayMs: 1 } })
  await expect(api.manifest('v1')).rejects.toThrow(/^image: reading 127\.0\.0\.1:9\/acme\/app:v1 failed after 2 attempts: 127\.0\.0\.1:9: the connection failed \(bad port\)$/)
})

test('without the referrers API, what refers to a digest is the fallback tag\'s index, and said so; none when there is none', async () => {
  const api = await RegistryApi.open(`${host}/acme/app`, { authfile: authfile() })
  const digest = `sha256:${'e'.repeat(64)}`
  expect(await api.referrersOf(digest)).toEqual({ listed: [], via: 'tag' })
  const listed = [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'f'.repeat(64)}`, size: 3, artifactType: 'application/vnd.in-toto+json' }]
  await api.putManifest(`sha256-${'e'.repeat(64)}`, 'application/vnd.oci.image.index.v1+json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: listed })))
  expect(await api.referrersOf(digest)).toEqual({ listed, via: 'tag' })
})
