// What an OCI image archive (a tar of an OCI layout) holds: its index, and each platform's manifest in it.
import { createHash } from 'node:crypto'
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** One platform's image in an index: what its tests run, and what the pushed index lists. */
export interface PlatformImage {
  /** os/arch[/variant], as --platform takes it. */
  platform: string
  /** Digest of the platform's manifest. */
  digest: string
  /** Digest of its configuration: how an engine without the containerd store names the image. */
  configDigest: string
}

/** An entry of an OCI index: what an assembled index lists. */
export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

/**
 * The platform images of the index at the top of the archive, attestations left out. The archive is read
 * by its tar headers only, so a large image costs a few small reads.
 */
export async function platformImages(archive: string): Promise<{ index: string; images: PlatformImage[] }> {
  return readArchive(archive, async ({ top, blob }) => {
    if (!/index|manifest\.list/.test(top.mediaType)) throw new Error(`the image archive ${archive} holds no image index`)
    const index = JSON.parse((await blob(top.digest)).toString('utf8')) as { manifests: Descriptor[] }
    const images: PlatformImage[] = []
    for (const m of index.manifests) {
      if (!m.platform || isAttestation(m)) continue
      const manifest = JSON.parse((await blob(m.digest)).toString('utf8')) as { config: { digest: string } }
      images.push({ platform: platformName(m.platform), digest: m.digest, configDigest: manifest.config.digest })
    }
    return { index: top.digest, images }
  })
}

/** One platform's image in an archive, as an index of several platforms lists it. */
export interface ArchivedImage {
  /** os/arch[/variant], as its configuration says. */
  platform: string
  /** Digest of its manifest, checked against the manifest's bytes. */
  digest: string
  configDigest: string
  /** The image's manifest, then any attestation of it: the entries an assembled index lists. */
  descriptors: Descriptor[]
}

/**
 * The one image an archive holds: its manifest at the top (the docker exporter's), or the one platform
 * image of the index at the top, with its attestations. The manifest's bytes are hashed, so a digest
 * that does not name them is found here.
 */
export async function archivedImage(archive: string): Promise<ArchivedImage> {
  return readArchive(archive, async ({ top, blob }) => {
    const verified = async (digest: string): Promise<Buffer> => {
      const bytes = await blob(digest)
      if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) throw new Error(`the image archive ${archive} holds a manifest whose bytes are not its digest ${digest}`)
      return bytes
    }
    let descriptors: Descriptor[] = [{ mediaType: top.mediaType, digest: top.digest, size: top.size }]
    if (/index|manifest\.list/.test(top.mediaType)) {
      const index = JSON.parse((await verified(top.digest)).toString('utf8')) as { manifests: Descriptor[] }
      const images = index.manifests.filter(m => !isAttestation(m))
      if (images.length !== 1) throw new Error(`the image archive ${archive} holds ${images.length} images, not one`)
      const attestations = index.manifests.filter(m => isAttestation(m) && m.annotations?.['vnd.docker.reference.digest'] === images[0].digest)
      descriptors = [...images, ...attestations]
    }
    const image = descriptors[0]
    const manifest = JSON.parse((await verified(image.digest)).toString('utf8')) as { config: { digest: string } }
    const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8')) as { os: string; architecture: string; variant?: string }
    const platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
    // Only what an index entry needs: the exporter's own names for the image (ref.name annotations) stay out.
    descriptors[0] = { mediaType: image.mediaType, digest: image.digest, size: image.size, platform }
    return { platform: platformName(platform), digest: image.digest, configDigest: manifest.config.digest, descriptors }
  })
}

/** The size of every blob an image archive (or an OCI layout directory) holds, by digest: what a push sends. */
export async function blobSizes(source: string): Promise<Map<string, number>> {
  if ((await stat(source)).isDirectory()) {
    const dir = join(source, 'blobs', 'sha256')
    const names = await readdir(dir)
    return new Map(await Promise.all(names.map(async hex => [`sha256:${hex}`, (await stat(join(dir, hex))).size] as const)))
  }
  const file = await open(source, 'r')
  try {
    const sizes = new Map<string, number>()
    for (const [name, entry] of await tarEntries(file)) {
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name)
      if (m) sizes.set(`sha256:${m[1]}`, entry.size)
    }
    return sizes
  } finally {
    await file.close()
  }
}

function isAttestation(m: Descriptor): boolean {
  return m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
}

interface ArchiveReader {
  /** The first entry of the layout's index.json: the image the archive is of. */
  top: Descriptor
  blob(digest: string): Promise<Buffer>
}

async function readArchive<T>(archive: string, use: (reader: ArchiveReader) => Promise<T>): Promise<T> {
  const file = await open(archive, 'r')
  try {
    const entries = await tarEntries(file)
    const read = async (name: string): Promise<Buffer> => {
      const entry = entries.get(name)
      if (!entry) throw new Error(`the image archive ${archive} holds no ${name}`)
      const buffer = Buffer.alloc(entry.size)
      await file.read(buffer, 0, entry.size, entry.offset)
      return buffer
    }
    const layout = JSON.parse((await read('index.json')).toString('utf8')) as { manifests: Descriptor[] }
    const top = layout.manifests[0]
    if (!top) throw new Error(`the image archive ${archive} holds no image`)
    return await use({ top, blob: digest => read(`blobs/${digest.replace(':', '/')}`) })
  } finally {
    await file.close()
  }
}

/** os/arch[/variant]; arm64's v8 is its only variant, so it is left out as buildx does. */
export function platformName(p: { os: string; architecture: string; variant?: string }): string {
  const variant = p.variant && !(p.architecture === 'arm64' && p.variant === 'v8') ? `/${p.variant}` : ''
  return `${p.os}/${p.architecture}${variant}`
}

/** Every file in a tar, by name, with where its bytes start; ustar and pax long names both read. */
async function tarEntries(file: Awaited<ReturnType<typeof open>>): Promise<Map<string, { offset: number; size: number }>> {
  const entries = new Map<string, { offset: number; size: number }>()
  const header = Buffer.alloc(512)
  let position = 0
  let longName: string | undefined
  for (;;) {
    const { bytesRead } = await file.read(header, 0, 512, position)
    if (bytesRead < 512 || header.every(b => b === 0)) break
    const text = (start: number, length: number): string => header.toString('utf8', start, start + length).replace(/\0.*$/s, '')
    const size = parseInt(text(124, 12).trim() || '0', 8)
    const type = text(156, 1)
    const prefix = text(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100))
    longName = undefined
    const offset = position + 512
    if (type === 'x' || type === 'L') {
      const body = Buffer.alloc(size)
      await file.read(body, 0, size, offset)
      longName = type === 'L' ? body.toString('utf8').replace(/\0.*$/s, '') : /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1]
    } else if (type === '0' || type === '') {
      entries.set(name.replace(/^\.\//, ''), { offset, size })
    }
    position = offset + Math.ceil(size / 512) * 512
  }
  return entries
}
