// A Sigstore instance named by its services' addresses, for organisations that run their own.
import { SigningInput } from '../constants.js'
import { InputError } from '../errors.js'

/** Where a certificate (Fulcio), a transparency-log entry (Rekor) and a timestamp (TSA) come from. */
export interface SigstoreInstance {
  fulcio: string
  rekor?: string
  tsa?: string
}

const SERVICES = ['fulcio', 'rekor', 'tsa'] as const

/**
 * The sigstore-instance input: `fulcio=URL`, `rekor=URL` and `tsa=URL` lines; empty means the instance
 * GitHub's toolkit picks. Fulcio is required, and at least one witness (Rekor or a TSA), since a
 * signature without one cannot be verified once the short-lived certificate expires.
 */
export function parseSigstoreInstance(text: string): SigstoreInstance | undefined {
  const fail = (problem: string): never => {
    throw new InputError(SigningInput.SigstoreInstance, problem)
  }
  const given = new Map<string, string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const at = line.indexOf('=')
    const key = at < 0 ? '' : line.slice(0, at).trim()
    const value = at < 0 ? '' : line.slice(at + 1).trim()
    if (!(SERVICES as readonly string[]).includes(key)) fail(`'${line.slice(0, 80)}' is not fulcio=URL, rekor=URL or tsa=URL`)
    if (given.has(key)) fail(`names ${key} twice; give each service once`)
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    if (!url || !['https:', 'http:'].includes(url.protocol) || url.username || url.password) fail(`${key}: '${value.slice(0, 80)}' is not an http(s) address without credentials, e.g. ${key}=https://${key}.example.com`)
    given.set(key, value.replace(/\/+$/, ''))
  }
  if (!given.size) return undefined
  const fulcio = given.get('fulcio') ?? fail('has no fulcio=URL: the certificate authority that signs with the workflow\'s identity')
  if (!given.has('rekor') && !given.has('tsa')) fail('names neither rekor=URL nor tsa=URL: a signature needs a transparency log or a timestamp authority to outlive its certificate')
  return { fulcio, ...(given.has('rekor') ? { rekor: given.get('rekor') } : {}), ...(given.has('tsa') ? { tsa: given.get('tsa') } : {}) }
}
