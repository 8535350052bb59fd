// Reading an OCI image archive's index: each platform's manifest and config, attestations left out.
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { archivedImage, platformImages, platformName } from '../src/core/programs/oci-archive.js'

/** Writes an OCI layout holding `blobs` and an index.json pointing at the last of them, as a tar. */
function archive(blobs: unknown[], topMediaType = 'application/vnd.oci.image.index.v1+json', tamper?: (blob: unknown) => unknown): { file: string; digests: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-oci-'))
  mkdirSync(join(dir, 'layout/blobs/sha256'), { recursive: true })
  const digests = blobs.map(blob => {
    const text = JSON.stringify(blob)
    const hex = createHash('sha256').update(text).digest('hex')
    // A tampered blob keeps the name of the bytes it had.
    writeFileSync(join(dir, 'layout/blobs/sha256', hex), tamper ? JSON.stringify(tamper(blob)) : text)
    return `sha256:${hex}`
  })
  writeFileSync(join(dir, 'layout/oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  writeFileSync(join(dir, 'layout/index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: topMediaType, digest: digests.at(-1), size: 1 }] }))
  const file = join(dir, 'image.tar')
  execFileSync('tar', ['-cf', file, '-C', join(dir, 'layout'), '.'])
  return { file, digests }
}

const manifest = (config: string): unknown => ({ schemaVersion: 2, config: { digest: config } })

describe('platformImages', () => {
  test('each platform\'s manifest and config digest, in index order; attestations left out', async () => {
    const amd = manifest('sha256:' + 'a'.repeat(64))
    const arm = manifest('sha256:' + 'b'.repeat(64))
    const attestation = manifest('sha256:' + 'c'.repeat(64))
    const blobs: unknown[] = [amd, arm, attestation]
    const digest = (blob: unknown): string => `sha256:${createHash('sha256').update(JSON.stringify(blob)).digest('hex')}`
    const index = {
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(amd), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(arm), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: digest(attestation),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
        }
      ]
    }
    const { file, digests } = archive([...blobs, index])
    expect(await platformImages(file)).toEqual({
      index: digests.at(-1),
      images: [
        { platform: 'linux/amd64', digest: digest(amd), configDigest: 'sha256:' + 'a'.repeat(64) },
        { platform: 'linux/arm64', digest: digest(arm), configDigest: 'sha256:' + 'b'.repeat(64) }
      ]
    })
  })

  test('an archive of one image, no index, is an error naming the archive', async () => {
    const { file } = archive([manifest('sha256:' + 'a'.repeat(64))], 'application/vnd.oci.image.manifest.v1+json')
    await expect(platformImages(file)).rejects.toThrow(/holds no image index/)
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

describe('archivedImage', () => {
  const MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
  const digest = (blob: unknown): string => `sha256:${createHash('sha256').update(JSON.stringify(blob)).digest('hex')}`
  const config = { os: 'linux', architecture: 'arm64', variant: 'v8', config: {} }
  const image = { schemaVersion: 2, mediaType: MANIFEST, config: { digest: digest(config) } }

  test('a manifest at the top (the docker exporter\'s): its platform from its configuration', async () => {
    const { file, digests } = archive([config, image], MANIFEST)
    expect(await archivedImage(file)).toEqual({
      platform: 'linux/arm64',
      digest: digests[1],
      configDigest: digest(config),
      descriptors: [{ mediaType: MANIFEST, digest: digests[1], size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }]
    })
  })

  test('an index of one image and its attestation: the image, then the attestation of it', async () => {
    const attestation = { schemaVersion: 2, mediaType: MANIFEST, config: { digest: 'sha256:' + 'c'.repeat(64) } }
    const attests = {
      mediaType: MANIFEST,
      digest: digest(attestation),
      size: 9,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digest(image) }
    }
    const index = { schemaVersion: 2, manifests: [{ mediaType: MANIFEST, digest: digest(image), size: 7, platform: { os: 'linux', architecture: 'arm64' } }, attests] }
    const { file } = archive([config, image, attestation, index])
    const found = await archivedImage(file)
    expect(found.digest).toBe(digest(image))
    expect(found.descriptors).toEqual([{ mediaType: MANIFEST, digest: digest(image), size: 7, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }, attests])
  })

  test('an index of two images is not one image', async () => {
    const other = { ...image, annotations: { other: 'yes' } }
    const index = { schemaVersion: 2, manifests: [image, other].map(m => ({ mediaType: MANIFEST, digest: digest(m), size: 1, platform: { os: 'linux', architecture: 'arm64' } })) }
    const { file } = archive([config, image, other, index])
    await expect(archivedImage(file)).rejects.toThrow(/holds 2 images, not one/)
  })

  test('a manifest whose bytes are not its digest is found', async () => {
    const { file, digests } = archive([config, image], MANIFEST, blob => (blob === image ? { ...image, annotations: { forged: 'yes' } } : blob))
    await expect(archivedImage(file)).rejects.toThrow(`holds a manifest whose bytes are not its digest ${digests[1]}`)
  })
})
