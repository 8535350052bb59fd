// The OCI formats' helpers: digests, where a layout keeps a blob, what an index lists, and platform names.
import { describe, expect, test } from '@jest/globals'
import { blobPath, digestOf, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, fallbackTag, hexOf, indexEntries, isAttestationManifest, isDigest, isIndex, OCI_INDEX, OCI_MANIFEST, platformName } from '../../src/core/oci.js'

const EMPTY_DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

describe('digests', () => {
  test('digestOf names bytes and text by their sha256', () => {
    expect(digestOf('')).toBe(EMPTY_DIGEST)
    expect(digestOf(Buffer.alloc(0))).toBe(EMPTY_DIGEST)
  })

  test.each([
    [EMPTY_DIGEST, true],
    [EMPTY_DIGEST.toUpperCase(), false],
    [EMPTY_DIGEST.slice(0, -1), false],
    [`${EMPTY_DIGEST}0`, false],
    [EMPTY_DIGEST.replace('sha256', 'sha512'), false],
    ['', false]
  ])('isDigest(%j) is %s', (text, valid) => {
    expect(isDigest(text)).toBe(valid)
  })

  test('a digest as hex, as a layout path and as the referrers fallback tag', () => {
    const hex = EMPTY_DIGEST.slice('sha256:'.length)
    expect(hexOf(EMPTY_DIGEST)).toBe(hex)
    expect(blobPath(EMPTY_DIGEST)).toBe(`blobs/sha256/${hex}`)
    expect(fallbackTag(EMPTY_DIGEST)).toBe(`sha256-${hex}`)
  })
})

describe('indexes', () => {
  test.each([
    [OCI_INDEX, true],
    [DOCKER_MANIFEST_LIST, true],
    [OCI_MANIFEST, false],
    [DOCKER_MANIFEST, false]
  ])('isIndex(%s) is %s', (mediaType, index) => {
    expect(isIndex(mediaType)).toBe(index)
  })

  test("an index's entries, none when it lists none; BuildKit's attestation manifests told apart", () => {
    const image = { mediaType: OCI_MANIFEST, digest: EMPTY_DIGEST, size: 0, platform: { os: 'linux', architecture: 'amd64' } }
    const attestation = { mediaType: OCI_MANIFEST, digest: EMPTY_DIGEST, size: 0, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': EMPTY_DIGEST } }
    const entries = indexEntries(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [image, attestation] })))
    expect(entries).toEqual([image, attestation])
    expect(entries.map(isAttestationManifest)).toEqual([false, true])
    expect(indexEntries(Buffer.from('{"schemaVersion":2}'))).toEqual([])
  })
})

describe('platformName', () => {
  test.each([
    [{ os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7']
  ])('%j is %s', (platform, name) => {
    expect(platformName(platform)).toBe(name)
  })
})
