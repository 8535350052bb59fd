// Who signed a record, from the Fulcio certificate's identity, and whether that is who a verifier expects.
import type { Signer } from '@sigstore/verify'

/** Fulcio's certificate extensions for a GitHub workflow's identity (the v2 ones, DER UTF8String values). */
const SOURCE_REPOSITORY_URI = '1.3.6.1.4.1.57264.1.12'
const SOURCE_REPOSITORY_REF = '1.3.6.1.4.1.57264.1.14'
const SOURCE_REPOSITORY_DIGEST = '1.3.6.1.4.1.57264.1.13'

/** GitHub's token issuers: github.com's, and GHE.com's per-enterprise ones. */
const GITHUB_ISSUER = /^https:\/\/token\.actions\.(githubusercontent\.com|[a-z0-9-]+\.ghe\.com)(\/|$)/

export interface SignerIdentity {
  /** The certificate's subject: the workflow that signed, https://github.com/OWNER/REPO/.github/workflows/FILE@REF. */
  workflow: string
  /** The repository whose run it was, https://github.com/OWNER/REPO. */
  repository: string
  ref?: string
  commit?: string
  issuer: string
}

export interface ExpectedIdentity {
  /** OWNER/REPO whose workflow runs may sign. */
  repository: string
  /** The signing workflow's file: .github/workflows/FILE (of the repository) or OWNER/REPO/.github/workflows/FILE; any when unset. */
  workflow?: string
}

export function signerIdentity(signer: Signer): SignerIdentity {
  const oid = (id: string): string | undefined => {
    const ext = signer.identity?.oids?.find(o => o.oid?.id.join('.') === id)
    return ext ? derString(Buffer.from(ext.value)) : undefined
  }
  const ref = oid(SOURCE_REPOSITORY_REF)
  const commit = oid(SOURCE_REPOSITORY_DIGEST)
  return {
    workflow: signer.identity?.subjectAlternativeName ?? '',
    repository: oid(SOURCE_REPOSITORY_URI) ?? '',
    ...(ref ? { ref } : {}),
    ...(commit ? { commit } : {}),
    issuer: signer.identity?.extensions?.issuer ?? ''
  }
}

/** Why `who` is not the expected signer, in words for one line; undefined when it is. */
export function whyNotExpected(who: SignerIdentity, expected: ExpectedIdentity): string | undefined {
  if (!GITHUB_ISSUER.test(who.issuer)) return `signed by an identity from ${who.issuer || 'an unnamed issuer'}, not a GitHub workflow`
  const repository = expected.repository.toLowerCase()
  if (!who.repository.toLowerCase().endsWith(`/${repository}`)) return `signed by a workflow run of ${who.repository || 'an unnamed repository'}, not of ${expected.repository}`
  if (expected.workflow) {
    const wanted = (expected.workflow.startsWith('.github/') ? `${expected.repository}/${expected.workflow}` : expected.workflow).toLowerCase()
    const file = who.workflow.split('@')[0].toLowerCase()
    if (!file.endsWith(`/${wanted}`)) return `signed by ${who.workflow}, not by the workflow ${wanted}`
  }
  return undefined
}

/** A DER UTF8String's text (Fulcio's v2 extensions); the bytes as text when they are not one. */
function derString(bytes: Buffer): string {
  if (bytes[0] !== 0x0c || bytes.length < 2) return bytes.toString('utf8')
  let length = bytes[1]
  let start = 2
  if (length & 0x80) {
    const n = length & 0x7f
    length = bytes.subarray(2, 2 + n).reduce((a, b) => a * 256 + b, 0)
    start = 2 + n
  }
  return bytes.subarray(start, start + length).toString('utf8')
}
