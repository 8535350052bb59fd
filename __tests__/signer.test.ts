// The GitHub signer: only with an identity token, the statement's own subject and predicate handed to the toolkit.
import { expect, test } from '@jest/globals'
import type { AttestOptions } from '@actions/attest'
import { BUNDLE_MEDIA_TYPE, githubSigner, verifyCommand } from '../src/action/signer.js'

const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'ghcr.io/acme/app', digest: { sha256: 'b'.repeat(64) } }],
  predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
  predicate: { result: 'PASSED' }
}

test('no signer without ACTIONS_ID_TOKEN_REQUEST_URL (no id-token: write)', () => {
  expect(githubSigner({}, () => Promise.reject(new Error('must not be called')))).toBeUndefined()
})

test('with an identity token, the toolkit signs the subject and predicate, and nothing is written to GitHub', async () => {
  const calls: AttestOptions[] = []
  const fake = async (options: AttestOptions) => {
    calls.push(options)
    return { bundle: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: { payload: 'x' } } }
  }
  const signer = githubSigner({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example' }, fake)
  const signed = await signer!.sign(statement)
  expect(calls).toHaveLength(1)
  expect(calls[0]).toMatchObject({ subjects: statement.subject, predicateType: statement.predicateType, predicate: statement.predicate, skipWrite: true })
  expect(signed).toEqual({ bundle: { mediaType: BUNDLE_MEDIA_TYPE, dsseEnvelope: { payload: 'x' } }, mediaType: BUNDLE_MEDIA_TYPE })
})

test('a signing failure reaches the caller', async () => {
  const signer = githubSigner({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example' }, () => Promise.reject(new Error('fulcio refused')))
  await expect(signer!.sign(statement)).rejects.toThrow('fulcio refused')
})

test('the verify command names the digest reference and the owner', () => {
  expect(verifyCommand(`ghcr.io/acme/app@sha256:${'b'.repeat(64)}`, 'acme')).toBe(
    `gh attestation verify oci://ghcr.io/acme/app@sha256:${'b'.repeat(64)} --owner acme --bundle-from-oci --predicate-type https://in-toto.io/attestation/test-result/v0.1`
  )
})
