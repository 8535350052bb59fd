// Reading an OCI image archive's index: each platform's manifest and config, attestations left out.
import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { archivedImage, firstDifference, platformImages, stampCreated } from '../../../src/core/programs/oci-archive.js'

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

describe('stampCreated', () => {
  const CREATED = '2024-02-01T00:00:00Z'
  const hex = (text: string): string => createHash('sha256').update(text).digest('hex')
  /** What tar itself reads: the last entry of a name, as every reader of an image archive takes it. */
  const read = (file: string, name: string): string => {
    const all = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(n => n.replace(/^\.\//, '') === name)
    return execFileSync('tar', ['-xOf', file, '--occurrence=' + String(all.length), all.at(-1) as string], { encoding: 'utf8' })
  }

  function image(): { file: string; manifestDigest: string; configDigest: string; attestationDigest: string } {
    const config = { architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z', history: [{ created: '1970-01-01T00:00:00Z', created_by: 'COPY <<EOF /x' }] }
    const configText = JSON.stringify(config)
    const m = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${hex(configText)}`, size: configText.length }, layers: [] }
    const mText = JSON.stringify(m)
    const statement = JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ name: 'pkg:docker/x', digest: { sha256: hex(mText) } }] })
    const aConfig = JSON.stringify({ architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [`sha256:${hex(statement)}`] } })
    const a = { schemaVersion: 2, config: { digest: `sha256:${hex(aConfig)}`, size: aConfig.length }, layers: [{ mediaType: 'application/vnd.in-toto+json', digest: `sha256:${hex(statement)}`, size: statement.length }] }
    const aText = JSON.stringify(a)
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex(mText)}`, size: mText.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex(aText)}`, size: aText.length, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': `sha256:${hex(mText)}` } }
      ]
    }
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-stamp-'))
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true })
    for (const text of [configText, mText, statement, aConfig, aText, JSON.stringify(index)]) writeFileSync(join(dir, 'blobs/sha256', hex(text)), text)
    const indexText = JSON.stringify(index)
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex(indexText)}`, size: indexText.length }] }))
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${hex(configText)}`, RepoTags: ['x:y'], Layers: [] }]))
    const file = join(dir, 'image.tar')
    execFileSync('tar', ['-cf', file, '-C', dir, 'blobs', 'index.json', 'manifest.json'])
    return { file, manifestDigest: `sha256:${hex(mText)}`, configDigest: `sha256:${hex(configText)}`, attestationDigest: `sha256:${hex(aText)}` }
  }

  test('the configuration says created; manifest, index, attestation and docker load list follow, every blob its digest', async () => {
    const { file, manifestDigest, configDigest } = image()
    const { top, configs } = await stampCreated(file, CREATED)
    const { index, images } = await platformImages(file)
    expect(index).toBe(top.digest)
    const [img] = images
    expect(img.digest).not.toBe(manifestDigest)
    expect(configs.get(configDigest)).toBe(img.configDigest)
    const config = JSON.parse(read(file, `blobs/sha256/${img.configDigest.slice(7)}`)) as { created: string; history: { created: string }[] }
    expect(config.created).toBe(CREATED)
    // The layers' clock, and the steps' own times, stay.
    expect(config.history[0].created).toBe('1970-01-01T00:00:00Z')
    // Every blob the new index names is its digest's bytes.
    const listed = JSON.parse(read(file, `blobs/sha256/${index.slice(7)}`)) as { manifests: { digest: string; annotations?: Record<string, string> }[] }
    for (const d of [index, img.configDigest, ...listed.manifests.map(m => m.digest)]) expect(`sha256:${hex(read(file, `blobs/sha256/${d.slice(7)}`))}`).toBe(d)
    // The attestation names the stamped manifest, in the index and in its statement; its config lists the statement's new digest.
    const attestation = listed.manifests[1]
    expect(attestation.annotations?.['vnd.docker.reference.digest']).toBe(img.digest)
    const a = JSON.parse(read(file, `blobs/sha256/${attestation.digest.slice(7)}`)) as { config: { digest: string }; layers: { digest: string }[] }
    expect(read(file, `blobs/sha256/${a.layers[0].digest.slice(7)}`)).toContain(img.digest.slice(7))
    expect(read(file, `blobs/sha256/${a.config.digest.slice(7)}`)).toContain(a.layers[0].digest)
    // docker load's list names the new configuration.
    expect(JSON.parse(read(file, 'manifest.json'))).toEqual([{ Config: `blobs/sha256/${img.configDigest.slice(7)}`, RepoTags: ['x:y'], Layers: [] }])
  })

  test('the same archive stamped twice gives one digest; an image already at that time is left as it is', async () => {
    const first = await stampCreated(image().file, CREATED)
    const again = image().file
    const second = await stampCreated(again, CREATED)
    expect(second.top.digest).toBe(first.top.digest)
    const size = statSync(again).size
    expect((await stampCreated(again, CREATED)).top.digest).toBe(first.top.digest)
    expect(statSync(again).size).toBe(size)
  })
})

describe('firstDifference', () => {
  const hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

  /** A gzip layer of the files given (name → content, time), as a tar. */
  function layer(files: Record<string, { content: string; mtime?: number }>): Buffer {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-layer-'))
    for (const [name, f] of Object.entries(files)) {
      mkdirSync(join(dir, 'root', name, '..'), { recursive: true })
      writeFileSync(join(dir, 'root', name), f.content)
      execFileSync('touch', ['-d', `@${f.mtime ?? 0}`, join(dir, 'root', name)])
    }
    execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', join(dir, 'layer.tgz'), '-C', join(dir, 'root'), ...Object.keys(files)])
    return readFileSync(join(dir, 'layer.tgz'))
  }

  /** An archive of one image whose layers are those given, made by the steps given. */
  function image(layers: Buffer[], steps: string[], env: string[] = []): string {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-diff-'))
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true })
    const put = (bytes: Buffer | string): { digest: string; size: number } => {
      writeFileSync(join(dir, 'blobs/sha256', hex(bytes)), bytes)
      return { digest: `sha256:${hex(bytes)}`, size: Buffer.byteLength(bytes) }
    }
    const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: env }, history: steps.map(s => ({ created_by: s })) }))
    const manifest = put(JSON.stringify({ schemaVersion: 2, config, layers: layers.map(l => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(l) })) }))
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }))
    execFileSync('tar', ['-cf', join(dir, 'image.tar'), '-C', dir, 'blobs', 'index.json'])
    return join(dir, 'image.tar')
  }

  const base = layer({ 'etc/os-release': { content: 'debian' } })
  const steps = ['ADD rootfs / # buildkit', 'RUN /bin/sh -c dpkg-deb --build pkg /out/app.deb # buildkit']

  test('the same image: no difference', async () => {
    const l = layer({ 'out/app.deb': { content: 'deb 1' } })
    expect(await firstDifference(image([base, l], steps), image([base, l], steps))).toBeUndefined()
  })

  test.each<[string, Record<string, { content: string; mtime?: number }>, Record<string, { content: string; mtime?: number }>, string]>([
    ['a file whose content differs', { 'out/app.deb': { content: 'deb at 10:01' } }, { 'out/app.deb': { content: 'deb at 10:02' } }, 'out/app.deb differs in its content'],
    ['a file whose time differs', { 'out/app.deb': { content: 'deb' } }, { 'out/app.deb': { content: 'deb', mtime: 86400 } }, 'out/app.deb differs in its time (1970-01-01T00:00:00.000Z and 1970-01-02T00:00:00.000Z)'],
    ['a file in one build only', { 'out/app.deb': { content: 'deb' } }, { 'out/app.deb': { content: 'deb' }, 'out/stamp': { content: 'x' } }, 'out/stamp is only in the second build']
  ])('%s: the layer, the step that made it, and the file', async (_, a, b, file) => {
    const why = await firstDifference(image([base, layer(a)], steps), image([base, layer(b)], steps))
    expect(why).toBe(`layer 2 of 2 (RUN dpkg-deb --build pkg /out/app.deb): ${file}`)
  })

  test('the same layers, another configuration: its keys that differ', async () => {
    const l = layer({ 'out/app.deb': { content: 'deb' } })
    expect(await firstDifference(image([base, l], steps, ['A=1']), image([base, l], steps, ['A=2']))).toBe('the image configuration differs: config')
  })
})
