// What is worth another attempt, how long to wait, and when to stop.
import { expect, test } from '@jest/globals'
import { delayFor, isTransientStatus, retryAfter, skopeoTransient, TransientError, withRetries } from '../../../src/core/programs/retry.js'
import { ServiceError } from '../../../src/core/errors.js'

test.each([
  ['writing blob: initiating layer upload to /v2/a/blobs/uploads/ in r: received unexpected HTTP status: 503 Service Unavailable', 'the registry answered 503'],
  ['trying to reuse blob sha256:ab at destination: failed to read from destination repository a: 502 (Bad Gateway)', 'the registry answered 502'],
  ['reading manifest x: unexpected http code: 500', 'the registry answered 500'],
  ['writing blob: Patch "http://127.0.0.1:5000/v2/a/blobs/uploads/1": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer', 'the connection failed'],
  ['writing blob: Patch "http://h:443/v2/a": write tcp 1.2.3.4:443: broken pipe', 'the connection failed'],
  ['Get "https://h/v2/": dial tcp 1.2.3.4:443: connect: connection refused', 'the connection failed'],
  ['copying: context deadline exceeded', 'timed out'],
  ['too many requests to registry', 'too many requests (429)'],
  ['toomanyrequests: rate limit exceeded', 'too many requests (429)'],
  ['received unexpected HTTP status: 408 Request Timeout', 'the registry answered 408'],
  ['writing manifest: uploading manifest x to h/a: unauthorized: authentication required', undefined],
  ['requested access to the resource is denied', undefined],
  ['received unexpected HTTP status: 403 Forbidden', undefined],
  ['received unexpected HTTP status: 400 Bad Request', undefined],
  ['initiating layer upload: name unknown: repository name not known to registry', undefined],
  ['reading manifest latest in h/a: manifest unknown', undefined],
  ['invalid reference format: repository name must be lowercase', undefined]
])('skopeo said %j: retry for %j', (message, why) => {
  expect(skopeoTransient(message)).toBe(why)
})

test.each([
  [408, true], [429, true], [500, true], [502, true], [503, true], [504, true],
  [400, false], [401, false], [403, false], [404, false], [405, false], [409, false]
])('status %i is transient: %s', (status, transient) => {
  expect(isTransientStatus(status)).toBe(transient)
})

test('Retry-After: seconds, an HTTP date, or nothing', () => {
  expect(retryAfter('3')).toBe(3000)
  expect(retryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000)
  expect(retryAfter('soon')).toBeUndefined()
  expect(retryAfter(null)).toBeUndefined()
})

test('backoff doubles from the base, within the ceiling, jittered in its upper half; Retry-After wins', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 5000 }
  expect([1, 2, 3, 4, 5].map(a => delayFor(policy, a, undefined, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000])
  expect(delayFor(policy, 3, undefined, () => 0)).toBe(2000)
  expect(delayFor(policy, 1, 2500)).toBe(2500)
})

const policy = (lines: string[], retries = 2) => ({ retries, timeoutMs: 1000, baseDelayMs: 1, maxDelayMs: 50, log: { info: (m: string) => void lines.push(m) } })

test('a transient failure is retried, one line each, until it succeeds', async () => {
  const lines: string[] = []
  let calls = 0
  const result = await withRetries(policy(lines), 'r.example', 'pushing x', async () => {
    if (++calls < 3) throw new TransientError('the registry answered 503')
    return 'done'
  })
  expect(result).toBe('done')
  expect(lines).toEqual([expect.stringMatching(/^Retrying pushing x \(2 of 3\) in [\d.]+s: r\.example: the registry answered 503$/), expect.stringMatching(/^Retrying pushing x \(3 of 3\) /)])
})

test('giving up is one line naming the image input and the attempts: a failed run, not a usage error', async () => {
  const lines: string[] = []
  const error = await withRetries(policy(lines), 'r.example', 'pushing x', async () => {
    throw new TransientError('no answer within 1s')
  }).catch((e: Error) => e)
  expect(error).toBeInstanceOf(ServiceError)
  expect((error as Error).message).toBe('image: pushing x failed after 3 attempts: r.example: no answer within 1s')
  expect(lines).toHaveLength(2)
})

test('anything but a transient failure is not retried', async () => {
  const lines: string[] = []
  let calls = 0
  await expect(withRetries(policy(lines), 'r', 'x', async () => {
    calls++
    throw new ServiceError('image', 'x failed: the registry answered 401')
  })).rejects.toThrow('the registry answered 401')
  expect(calls).toBe(1)
  expect(lines).toEqual([])
})

test('a Retry-After past the ceiling gives up at once', async () => {
  const lines: string[] = []
  await expect(withRetries(policy(lines), 'r', 'tagging x', async () => {
    throw new TransientError('answered 429', 3_600_000)
  })).rejects.toThrow(/^image: tagging x failed: r asked to retry after 3600s, longer than the 0.1s hashdock waits: answered 429$/)
  expect(lines).toEqual([])
})
