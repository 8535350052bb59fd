// A proxy in front of the real registry that breaks chosen requests the way real registries do:
// resets in the middle of a blob, 429 with and without Retry-After, 5xx runs, a stalled answer, a
// body cut short. Which matching request is broken is drawn from a generator seeded by the test.
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type Fault =
  /** The connection is dropped after part of the request body arrived (at once, for a request without one). */
  | { kind: 'reset' }
  /** An error answer, as a registry under load gives it; the registry never sees the request. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** The request is read and never answered. */
  | { kind: 'stall' }
  /** The registry's answer, its headers whole and half its body, then the connection dropped. */
  | { kind: 'truncate' }

export interface FaultRule {
  method?: string
  /** Matched against the request's path and query. */
  path: RegExp
  fault: Fault
  /** How many matching requests are broken; Infinity: every one. Default 1. */
  times?: number
  /** The share of matching requests broken, drawn from the seeded generator; default 1 (each, until `times`). */
  rate?: number
}

export interface FaultProxy {
  /** host:port on loopback, where the images point. */
  host: string
  /** One line per fault injected: `503 PUT /v2/…`. */
  injected(): string[]
  /** Every request seen, `METHOD path`. */
  requests(): string[]
  close(): Promise<void>
}

/** mulberry32: a small generator whose sequence the seed alone decides. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The statuses a registry itself answers with a distribution error code; the others come from a proxy in front of it. */
const REGISTRY_CODES: Record<number, string> = { 400: 'MANIFEST_INVALID', 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NAME_UNKNOWN', 429: 'TOOMANYREQUESTS', 500: 'UNKNOWN' }

export async function startFaultProxy(target: string, rules: FaultRule[], seed = 1): Promise<FaultProxy> {
  const random = seeded(seed)
  const used = rules.map(() => 0)
  const injected: string[] = []
  const seen: string[] = []
  const sockets = new Set<Socket>()

  function pick(req: IncomingMessage): Fault | undefined {
    for (const [i, rule] of rules.entries()) {
      if (rule.method && rule.method !== req.method) continue
      if (!rule.path.test(req.url ?? '')) continue
      if (used[i] >= (rule.times ?? 1)) continue
      if (random() >= (rule.rate ?? 1)) continue
      used[i]++
      return rule.fault
    }
    return undefined
  }

  function pass(req: IncomingMessage, res: ServerResponse, truncate: boolean): void {
    // The Host header goes on unchanged: the registry writes upload locations back to this proxy.
    const upstream = forward({ host: target.split(':')[0], port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: req.headers }, answer => {
      if (!truncate) {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        return
      }
      const parts: Buffer[] = []
      answer.on('data', d => parts.push(d))
      answer.on('end', () => {
        const body = Buffer.concat(parts)
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': String(body.length) })
        res.write(body.subarray(0, Math.floor(body.length / 2)))
        // Flushed, then dropped: the client holds a body shorter than it was promised.
        setTimeout(() => res.socket?.destroy(), 50)
      })
    })
    upstream.on('error', () => res.socket?.destroy())
    req.pipe(upstream)
  }

  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    const fault = pick(req)
    if (!fault) return pass(req, res, false)
    const line = (what: string): void => void injected.push(`${what} ${req.method} ${req.url}`)
    switch (fault.kind) {
      case 'status': {
        line(String(fault.status))
        req.resume()
        req.on('end', () => {
          // The registry's own errors come as JSON; a load balancer in front of it answers in HTML.
          const json = Boolean(REGISTRY_CODES[fault.status])
          const body = json ? JSON.stringify({ errors: [{ code: REGISTRY_CODES[fault.status], message: `made to fail with ${fault.status}` }] }) : `<html><body><h1>${fault.status}</h1></body></html>`
          res.writeHead(fault.status, { 'Content-Type': json ? 'application/json' : 'text/html', ...(fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}) })
          res.end(body)
        })
        return
      }
      case 'reset': {
        line('reset')
        const length = Number(req.headers['content-length'] ?? 0)
        const chunked = /chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))
        if (!length && !chunked) return void req.socket.destroy()
        let received = 0
        req.on('data', (d: Buffer) => {
          received += d.length
          // Mid-body: once some of it arrived and before all of it did, where the length is known.
          if (!length || received >= length / 2) req.socket.destroy()
        })
        req.on('end', () => req.socket.destroy())
        return
      }
      case 'stall':
        line('stall')
        req.resume()
        return
      case 'truncate':
        line('truncate')
        return pass(req, res, true)
    }
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    injected: () => [...injected],
    requests: () => [...seen],
    close: () =>
      new Promise<void>(resolve => {
        // Stalled requests hold their sockets open: close them, or the server never stops.
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
