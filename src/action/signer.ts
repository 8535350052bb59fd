// Signing the test-result attestation with Sigstore through the workflow's identity, when the job grants an identity token.
import { attest as toolkitAttest, type AttestOptions } from '@actions/attest'
import { bundleToJSON } from '@sigstore/bundle'
import { CIContextProvider, DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign'
import { canonicalJson, IN_TOTO_MEDIA_TYPE, type SignatureTrust, type Signer, type SigstoreInstance, TEST_RESULT_PREDICATE } from '../core/index.js'
import { readFileSync } from 'node:fs'

type Attest = (options: AttestOptions) => Promise<{ bundle: unknown }>
/** Signs `payload` as a DSSE envelope with a certificate from the instance's Fulcio; returns the bundle's JSON. */
type SignWith = (instance: SigstoreInstance, payload: Buffer) => Promise<unknown>
/** Writes a bundle to GitHub's attestation store; returns the record's id. */
type Store = (bundle: unknown, to: GitHubStore) => Promise<string>

/** The bundle's media type, as `actions/attest` pushes it to registries and `gh attestation verify --bundle-from-oci` reads it. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

/** Where GitHub keeps attestations of a repository (its Attestations page), and the token that may write there. */
export interface GitHubStore {
  api: string
  repository: string
  token: string
}

export interface SignerOptions {
  /** Another Sigstore instance than the one GitHub's toolkit picks (public-good or GitHub's). */
  instance?: SigstoreInstance
  /** Also write the signed record to GitHub's store; only for GitHub's own instances, which it trusts. */
  store?: GitHubStore
  /** A record that was signed but could not be written to GitHub's store: the run goes on. */
  warn: (message: string) => void
}

export interface SignerDeps {
  attest: Attest
  signWith: SignWith
  store: Store
}

const DEPS: SignerDeps = { attest: toolkitAttest, signWith: signWithInstance, store: writeToGitHub }

/**
 * A signer when the job can ask for an OIDC token (`permissions: id-token: write` sets
 * ACTIONS_ID_TOKEN_REQUEST_URL), else undefined. The bundle goes to the registry beside the record; with
 * `store`, GitHub's attestation store gets it too, and a failure there is a warning, not an unsigned record.
 */
export function githubSigner(env: NodeJS.ProcessEnv, options: SignerOptions, deps: SignerDeps = DEPS): Signer | undefined {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL) return undefined
  return {
    async sign(statement) {
      const s = statement as { subject: { name: string; digest: Record<string, string> }[]; predicateType: string; predicate: object }
      const bundle = (
        options.instance
          ? await deps.signWith(options.instance, Buffer.from(canonicalJson(statement)))
          : (await deps.attest({ subjects: s.subject, predicateType: s.predicateType, predicate: s.predicate, token: '', skipWrite: true })).bundle
      ) as { mediaType?: string }
      if (options.store && !options.instance) {
        await deps.store(bundle, options.store).catch((error: unknown) => {
          options.warn(`attestation signed, but not written to GitHub's attestation store (does the job grant attestations: write?): ${error instanceof Error ? error.message : String(error)}`)
        })
      }
      return { bundle, mediaType: bundle.mediaType ?? BUNDLE_MEDIA_TYPE }
    }
  }
}

/** Signs with the instance's own services, as the toolkit does with public-good's or GitHub's. */
async function signWithInstance(instance: SigstoreInstance, payload: Buffer): Promise<unknown> {
  const timeout = 30_000
  const retry = 3
  const signer = new FulcioSigner({ identityProvider: new CIContextProvider('sigstore'), fulcioBaseURL: instance.fulcio, timeout, retry })
  const witnesses: Witness[] = []
  if (instance.rekor) witnesses.push(new RekorWitness({ rekorBaseURL: instance.rekor, fetchOnConflict: true, timeout, retry }))
  if (instance.tsa) witnesses.push(new TSAWitness({ tsaBaseURL: instance.tsa, timeout, retry }))
  const bundle = await new DSSEBundleBuilder({ signer, witnesses }).create({ data: payload, type: IN_TOTO_MEDIA_TYPE })
  return bundleToJSON(bundle)
}

/** GitHub's REST call that adds an attestation to a repository (what the toolkit does unless skipWrite). */
async function writeToGitHub(bundle: unknown, to: GitHubStore): Promise<string> {
  const response = await fetch(`${to.api}/repos/${to.repository}/attestations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${to.token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json', 'x-github-api-version': '2022-11-28' },
    body: JSON.stringify({ bundle }),
    signal: AbortSignal.timeout(30_000)
  })
  if (!response.ok) throw new Error(`GitHub answered ${response.status} ${response.statusText}`)
  return String(((await response.json()) as { id?: unknown }).id ?? '')
}

/**
 * Whose signatures a re-run believes before it reuses an image: this repository's workflow runs, checked
 * against the roots of the instance this run signs with. Only where they can be checked: a named instance
 * with its trusted root, or public-good (a public repository's). A private repository signs with
 * GitHub's own instance, whose root the action does not hold: there re-use keeps reading the record alone.
 */
export function signatureTrust(env: NodeJS.ProcessEnv, signing: { instance?: SigstoreInstance; trustedRoots: object[] }, signer: Signer | undefined): SignatureTrust | undefined {
  if (!signer || !env.GITHUB_REPOSITORY) return undefined
  const expected = { repository: env.GITHUB_REPOSITORY }
  if (signing.instance) return signing.trustedRoots.length ? { expected, trustedRoots: signing.trustedRoots } : undefined
  return repositoryVisibility(env) === 'public' ? { expected, trustedRoots: [] } : undefined
}

/** The repository's visibility, from the event's payload as the toolkit reads it to pick an instance. */
function repositoryVisibility(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as { repository?: { visibility?: string } }).repository?.visibility
  } catch {
    return undefined
  }
}

/** The command that checks a record's signature against this repository's workflows. */
export function verifyCommand(reference: string, owner: string, predicateType = TEST_RESULT_PREDICATE): string {
  return `gh attestation verify oci://${reference} --owner ${owner} --bundle-from-oci --predicate-type ${predicateType}`
}
