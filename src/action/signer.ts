// Signing the test-result attestation with Sigstore, through GitHub's toolkit, when the workflow grants an identity token.
import { attest as toolkitAttest, type AttestOptions } from '@actions/attest'
import { type Signer, TEST_RESULT_PREDICATE } from '../core/index.js'

type Attest = (options: AttestOptions) => Promise<{ bundle: unknown }>

/** The bundle's media type, as `actions/attest` pushes it to registries and `gh attestation verify --bundle-from-oci` reads it. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

/**
 * A signer when the job can ask for an OIDC token (`permissions: id-token: write` sets
 * ACTIONS_ID_TOKEN_REQUEST_URL), else undefined. The bundle is kept for the registry, not written to
 * GitHub's attestation store, so it needs no token with attestations: write.
 */
export function githubSigner(env: NodeJS.ProcessEnv = process.env, sign: Attest = toolkitAttest): Signer | undefined {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL) return undefined
  return {
    async sign(statement) {
      const s = statement as { subject: { name: string; digest: Record<string, string> }[]; predicateType: string; predicate: object }
      const signed = await sign({ subjects: s.subject, predicateType: s.predicateType, predicate: s.predicate, token: '', skipWrite: true })
      const bundle = signed.bundle as { mediaType?: string }
      return { bundle, mediaType: bundle.mediaType ?? BUNDLE_MEDIA_TYPE }
    }
  }
}

/** The command that checks the signature against this repository's workflows. */
export function verifyCommand(reference: string, owner: string): string {
  return `gh attestation verify oci://${reference} --owner ${owner} --bundle-from-oci --predicate-type ${TEST_RESULT_PREDICATE}`
}
