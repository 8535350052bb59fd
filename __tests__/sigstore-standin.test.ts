// The test bed's Sigstore: what it signs, sigstore-js's own verifier accepts with its trusted root, and only that.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { bundleFromJSON } from '@sigstore/bundle'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify'
import { startSigstore, type SigstoreStandIn } from '../test/support/sigstore.js'

let sigstore: SigstoreStandIn
beforeAll(async () => {
  sigstore = await startSigstore()
})
afterAll(() => sigstore.close())

const sign = (payload: string): Promise<object> => sigstore.sign({ repository: 'acme/app', jobWorkflowRef: 'acme/app/.github/workflows/hashdock.yml@refs/heads/main' }, Buffer.from(payload))

test('a bundle it signs verifies against its trusted root, naming the workflow and repository', async () => {
  const bundle = await sign('{"hello":"world"}')
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 })
  const signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle)))
  expect(signer.identity?.subjectAlternativeName).toBe('https://github.com/acme/app/.github/workflows/hashdock.yml@refs/heads/main')
  expect(sigstore.requests()).toEqual(expect.arrayContaining(['GET /token/1', 'POST /api/v2/signingCert', 'POST /api/v1/log/entries', 'POST /api/v1/timestamp']))
})

test('a tampered payload does not verify', async () => {
  const bundle = (await sign('{"hello":"world"}')) as { dsseEnvelope: { payload: string } }
  bundle.dsseEnvelope.payload = Buffer.from('{"hello":"forged"}').toString('base64')
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 })
  expect(() => verifier.verify(toSignedEntity(bundleFromJSON(bundle)))).toThrow()
})

test('another instance\'s trusted root does not verify it', async () => {
  const other = await startSigstore()
  try {
    const bundle = await sign('{"hello":"world"}')
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(other.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 })
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(bundle)))).toThrow()
  } finally {
    await other.close()
  }
})
