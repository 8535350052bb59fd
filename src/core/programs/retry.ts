// Retries of registry operations: which failures are worth another attempt, how long to wait, when to stop.
import { Input } from '../constants.js'
import { ServiceError } from '../errors.js'
import type { Log } from '../log.js'

export interface RetryPolicy {
  /** Attempts after the first; 0 never retries. */
  retries: number
  /** How long one request of the HTTP client, or one skopeo operation, may take before it is abandoned. */
  timeoutMs: number
  /** The first wait; each later one doubles, up to maxDelayMs. */
  baseDelayMs: number
  /** The ceiling of one wait: a Retry-After longer than this is not waited for, the operation gives up. */
  maxDelayMs: number
  /** Where each retry is said, one line each. */
  log?: Pick<Log, 'info'>
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, timeoutMs: 300_000, baseDelayMs: 1_000, maxDelayMs: 60_000 }

/** A failure another attempt may not meet: a dropped connection, a timeout, 408, 429, a 5xx. */
export class TransientError extends Error {
  constructor(
    message: string,
    /** What the registry asked for with Retry-After, in milliseconds. */
    readonly retryAfterMs?: number
  ) {
    super(message)
    this.name = 'TransientError'
  }
}

/** Whether an HTTP status is worth another attempt: 408, 429 and every 5xx; never another 4xx. */
export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || (status >= 500 && status <= 599)

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): Retry-After when given, else doubling backoff with jitter. */
export function delayFor(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, attempt: number, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  // Full jitter in the upper half: runs that failed together do not all come back at once.
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`

/**
 * Runs `operation` until it succeeds, throws anything but a TransientError, or has used every retry.
 * Each retry is one info line naming the registry and the reason; giving up throws one line that says
 * how many attempts were made, naming the image input.
 */
export async function withRetries<T>(policy: RetryPolicy, registry: string, what: string, operation: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (!(error instanceof TransientError)) throw error
      const attempts = `${attempt} attempt${attempt === 1 ? '' : 's'}`
      if (attempt > policy.retries) throw new ServiceError(Input.Image, `${what} failed after ${attempts}: ${registry}: ${error.message}`)
      if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxDelayMs) {
        throw new ServiceError(Input.Image, `${what} failed: ${registry} asked to retry after ${seconds(error.retryAfterMs)}, longer than the ${seconds(policy.maxDelayMs)} hashdock waits: ${error.message}`)
      }
      const wait = delayFor(policy, attempt, error.retryAfterMs)
      policy.log?.info(`Retrying ${what} (${attempt + 1} of ${policy.retries + 1}) in ${seconds(wait)}: ${registry}: ${error.message}`)
      await new Promise(resolve => setTimeout(resolve, wait))
    }
  }
}

/**
 * Reads skopeo's last words: the reason a retry may help, or undefined when it will not (a refused
 * login, a missing repository, a bad request). Statuses it names decide first; then words of the
 * network. What is unknown is not retried: a loop on an error that will not change wastes the job.
 */
export function skopeoTransient(message: string): string | undefined {
  // skopeo names a status as `received unexpected HTTP status: 503 Service Unavailable`, `unexpected http code: 500`,
  // `status code 429` or `: 502 (Bad Gateway)`.
  const named = [...message.matchAll(/(?:http status|http code|status ?code)\W{0,3}(\d{3})\b|\b(\d{3}) \([A-Z][A-Za-z ]+\)/gi)].map(m => Number(m[1] ?? m[2]))
  if (/toomanyrequests|too many requests/i.test(message) || named.includes(429)) return 'too many requests (429)'
  if (/\b(unauthorized|denied|forbidden|authentication required)\b/i.test(message)) return undefined
  const last = named.at(-1)
  if (last !== undefined) return isTransientStatus(last) ? `the registry answered ${last}` : undefined
  if (/deadline exceeded|timeout|timed out/i.test(message)) return 'timed out'
  if (/connection reset|broken pipe|connection refused|unexpected EOF|\bEOF\b|server closed|use of closed network connection|http2: |TLS handshake|no route to host|i\/o/i.test(message)) return 'the connection failed'
  return undefined
}
