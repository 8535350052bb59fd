// The GitHub signer: only with an identity token, the statement's own subject and predicate handed to the toolkit.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AttestOptions } from '@actions/attest'
import { BUNDLE_MEDIA_TYPE, githubSigner, signatureTrust, verifyCommand, type GitHubStore, type SignerDeps } from '../../src/action/signer.js'
import type { SigstoreInstance } from '../../src/core/attestation/instance.js'
import { canonicalJson } from '../../src/core/attestation/statement.js'

const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'ghcr.io/acme/app', digest: { sha256: 'b'.repeat(64) } }],
  predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
  predicate: { result: 'PASSED' }
}

const refuse = () => Promise.reject(new Error('must not be called'))
const deps = (attest: SignerDeps['attest'], over: Partial<SignerDeps> = {}): SignerDeps => ({ attest, signWith: refuse, store: refuse, ...over })
const quiet = { warn: () => {} }
const ID = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example' }

test('no signer without ACTIONS_ID_TOKEN_REQUEST_URL (no id-token: write)', () => {
  expect(githubSigner({}, quiet, deps(refuse))).toBeUndefined()
})

test('with an identity token, the toolkit signs the subject and predicate, and nothing is written to GitHub', async () => {
  const calls: AttestOptions[] = []
  const fake = async (options: AttestOptions) => {
    calls.push(options)
    return { bundle: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: { payload: 'x' } } }
  }
  const signer = githubSigner(ID, quiet, deps(fake))
  const signed = await signer!.sign(statement)
  expect(calls).toHaveLength(1)
  expect(calls[0]).toMatchObject({ subjects: statement.subject, predicateType: statement.predicateType, predicate: statement.predicate, skipWrite: true })
  expect(signed).toEqual({ bundle: { mediaType: BUNDLE_MEDIA_TYPE, dsseEnvelope: { payload: 'x' } }, mediaType: BUNDLE_MEDIA_TYPE })
})

test('a signing failure reaches the caller', async () => {
  const signer = githubSigner(ID, quiet, deps(() => Promise.reject(new Error('fulcio refused'))))
  await expect(signer!.sign(statement)).rejects.toThrow('fulcio refused')
})

const BUNDLE = { mediaType: BUNDLE_MEDIA_TYPE, dsseEnvelope: { payload: 'x' } }
const STORE: GitHubStore = { api: 'https://api.github.example', repository: 'acme/app', token: 'ghs_secret' }

test('with attestations to GitHub, the signed bundle is written to the repository\'s store too', async () => {
  const stored: [unknown, GitHubStore][] = []
  const signer = githubSigner(ID, { ...quiet, store: STORE }, deps(async () => ({ bundle: BUNDLE }), { store: async (b, to) => (stored.push([b, to]), '42') }))
  expect(await signer!.sign(statement)).toEqual({ bundle: BUNDLE, mediaType: BUNDLE_MEDIA_TYPE })
  expect(stored).toEqual([[BUNDLE, STORE]])
})

test('a store that refuses leaves the record signed, with one warning that names the permission', async () => {
  const warnings: string[] = []
  const signer = githubSigner(ID, { warn: m => warnings.push(m), store: STORE }, deps(async () => ({ bundle: BUNDLE }), { store: () => Promise.reject(new Error('GitHub answered 403 Forbidden')) }))
  expect(await signer!.sign(statement)).toEqual({ bundle: BUNDLE, mediaType: BUNDLE_MEDIA_TYPE })
  expect(warnings).toEqual([expect.stringMatching(/not written to GitHub's attestation store \(does the job grant attestations: write\?\): GitHub answered 403/)])
  expect(warnings.join()).not.toContain('ghs_secret')
})

test('another instance signs the canonical statement with its own services, and GitHub\'s store is left alone', async () => {
  const instance: SigstoreInstance = { fulcio: 'https://fulcio.acme.example', rekor: 'https://rekor.acme.example' }
  const signed: [SigstoreInstance, string][] = []
  const signer = githubSigner(ID, { ...quiet, instance, store: STORE }, deps(refuse, { signWith: async (i, payload) => (signed.push([i, payload.toString()]), BUNDLE) }))
  expect(await signer!.sign(statement)).toEqual({ bundle: BUNDLE, mediaType: BUNDLE_MEDIA_TYPE })
  expect(signed).toEqual([[instance, canonicalJson(statement)]])
})

test('the verify command names the digest reference and the owner', () => {
  expect(verifyCommand(`ghcr.io/acme/app@sha256:${'b'.repeat(64)}`, 'acme')).toBe(
    `gh attestation verify oci://ghcr.io/acme/app@sha256:${'b'.repeat(64)} --owner acme --bundle-from-oci --predicate-type https://in-toto.io/attestation/test-result/v0.1`
  )
})

describe('whose signatures a re-run believes', () => {
  const signer = githubSigner(ID, quiet, deps(refuse))
  const event = (visibility: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-event-'))
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ repository: { visibility } }))
    return join(dir, 'event.json')
  }
  const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }

  test('a public repository: its own workflow runs, checked against public-good', () => {
    expect(signatureTrust({ GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_PATH: event('public') }, { trustedRoots: [] }, signer)).toEqual({ expected: { repository: 'acme/app' }, trustedRoots: [] })
  })

  test('a named instance with its trusted root: checked against that root', () => {
    const instance = { fulcio: 'https://f', rekor: 'https://r' }
    expect(signatureTrust({ GITHUB_REPOSITORY: 'acme/app' }, { instance, trustedRoots: [root] }, signer)).toEqual({ expected: { repository: 'acme/app' }, trustedRoots: [root] })
  })

  test.each([
    ['a private repository (GitHub\'s instance, whose root the action does not hold)', { GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_PATH: event('private') }, { trustedRoots: [] }, signer],
    ['a named instance without its root', { GITHUB_REPOSITORY: 'acme/app' }, { instance: { fulcio: 'https://f', tsa: 'https://t' }, trustedRoots: [] }, signer],
    ['no identity token', { GITHUB_REPOSITORY: 'acme/app', GITHUB_EVENT_PATH: event('public') }, { trustedRoots: [] }, undefined]
  ])('%s: none, so reuse reads the record alone', (_, env, signing, s) => {
    expect(signatureTrust(env, signing, s)).toBeUndefined()
  })
})
