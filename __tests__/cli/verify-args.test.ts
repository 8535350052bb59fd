// `hashdock verify`: an image by its digest and whose signature to trust; anything else is one line naming what.
import { describe, expect, test } from '@jest/globals'
import { parseCli, UsageError } from '../../src/cli/args.js'
import { whyNotExpected, type SignerIdentity } from '../../src/core/attestation/identity.js'

const DIGEST = `sha256:${'a'.repeat(64)}`
const parse = (...argv: string[]) => parseCli(['verify', ...argv], () => '')

describe('verify flags', () => {
  test('an image by digest, the repository, the workflow, a trusted root, --json', () => {
    const cli = parse(`127.0.0.1:5000/acme/app@${DIGEST}`, '--repository', 'acme/app', '--workflow', '.github/workflows/hashdock.yml', '--trusted-root', 'root.json', '--json')
    expect(cli.command).toBe('verify')
    expect(cli.json).toBe(true)
    expect(cli.verify).toEqual({ image: '127.0.0.1:5000/acme/app', digest: DIGEST, repository: 'acme/app', workflow: '.github/workflows/hashdock.yml', trustedRoot: 'root.json', allowUnsigned: false })
  })

  test('--allow-unsigned alone needs no repository', () => {
    expect(parse(`ghcr.io/acme/app@${DIGEST}`, '--allow-unsigned').verify).toEqual({ image: 'ghcr.io/acme/app', digest: DIGEST, allowUnsigned: true })
  })

  test.each([
    [[], /^IMAGE@DIGEST: name the image by its digest; e\.g\. hashdock verify/],
    [['ghcr.io/acme/app:latest', '--repository', 'acme/app'], /^IMAGE@DIGEST: 'ghcr.io\/acme\/app:latest' is not an image by its digest/],
    [[`ghcr.io/acme/app:v1@${DIGEST}`, '--repository', 'acme/app'], /names a tag and a digest; drop the tag/],
    [[`a@${DIGEST}`, `b@${DIGEST}`, '--repository', 'acme/app'], /^IMAGE@DIGEST: give one image, not 2/],
    [[`ghcr.io/acme/app@${DIGEST}`], /^--repository: name the repository whose workflows may sign the record/],
    [[`ghcr.io/acme/app@${DIGEST}`, '--repository', 'https://github.com/acme/app'], /^--repository: 'https:\/\/github.com\/acme\/app' is not OWNER\/REPO/],
    [[`ghcr.io/acme/app@${DIGEST}`, '--repository', 'acme/app', '--workflow', 'hashdock.yml'], /^--workflow: 'hashdock.yml' is not \.github\/workflows\/FILE\.yml/],
    [[`ghcr.io/acme/app@${DIGEST}`, '--allow-unsigned', '--workflow', '.github/workflows/x.yml'], /^--workflow: needs --repository/],
    [[`ghcr.io/acme/app@${DIGEST}`, '--repository', 'acme/app', '--push'], /^--push: only hashdock build \(and plan\) reads it/]
  ])('%j is refused: %s', (argv, message) => {
    let error: unknown
    try {
      parse(...argv)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(message)
  })
})

describe('the expected signer', () => {
  const who: SignerIdentity = {
    workflow: 'https://github.com/hashdock/hashdock/.github/workflows/build-test-push.yml@refs/tags/v1.2.3',
    repository: 'https://github.com/Acme/App',
    issuer: 'https://token.actions.githubusercontent.com'
  }
  test.each([
    [{ repository: 'acme/app' }, undefined],
    [{ repository: 'acme/app', workflow: 'hashdock/hashdock/.github/workflows/build-test-push.yml' }, undefined],
    [{ repository: 'acme/app', workflow: '.github/workflows/build-test-push.yml' }, /not by the workflow acme\/app\/\.github\/workflows\/build-test-push\.yml/],
    [{ repository: 'acme/ap' }, /not of acme\/ap$/],
    [{ repository: 'me/app' }, /not of me\/app$/]
  ])('%j: %s', (expected, why) => {
    const got = whyNotExpected(who, expected)
    if (why) expect(got).toMatch(why)
    else expect(got).toBeUndefined()
  })

  test('an identity from another issuer than GitHub\'s is refused', () => {
    expect(whyNotExpected({ ...who, issuer: 'https://accounts.google.com' }, { repository: 'acme/app' })).toBe('signed by an identity from https://accounts.google.com, not a GitHub workflow')
    expect(whyNotExpected({ ...who, issuer: 'https://token.actions.acme.ghe.com' }, { repository: 'acme/app' })).toBeUndefined()
  })
})
