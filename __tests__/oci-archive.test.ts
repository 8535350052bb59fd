// Reading an OCI image archive's index: each platform's manifest and config, attestations left out.
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { platformImages, platformName } from '../src/core/programs/oci-archive.js'

/** Writes an OCI layout holding `blobs` and an index.json pointing at the last of them, as a tar. */
function archive(blobs: unknown[], topMediaType = 'application/vnd.oci.image.index.v1+json'): { file: string; digests: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-oci-'))
  mkdirSync(join(dir, 'layout/blobs/sha256'), { recursive: true })
  const digests = blobs.map(blob => {
    const text = JSON.stringify(blob)
    const hex = createHash('sha256').update(text).digest('hex')
    writeFileSync(join(dir, 'layout/blobs/sha256', hex), text)
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
