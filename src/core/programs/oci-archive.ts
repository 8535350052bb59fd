// What an OCI image archive (a tar of an OCI layout) holds: its index, and each platform's manifest in it.
import { open } from 'node:fs/promises'

/** One platform's image in an index: what its tests run, and what the pushed index lists. */
export interface PlatformImage {
  /** os/arch[/variant], as --platform takes it. */
  platform: string
  /** Digest of the platform's manifest. */
  digest: string
  /** Digest of its configuration: how an engine without the containerd store names the image. */
  configDigest: string
}

interface Descriptor {
  mediaType: string
  digest: string
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

/**
 * The platform images of the index at the top of the archive, attestations left out. The archive is read
 * by its tar headers only, so a large image costs a few small reads.
 */
export async function platformImages(archive: string): Promise<{ index: string; images: PlatformImage[] }> {
  const file = await open(archive, 'r')
  try {
    const entries = await tarEntries(file)
    const read = async (name: string): Promise<unknown> => {
      const entry = entries.get(name)
      if (!entry) throw new Error(`the image archive ${archive} holds no ${name}`)
      const buffer = Buffer.alloc(entry.size)
      await file.read(buffer, 0, entry.size, entry.offset)
      return JSON.parse(buffer.toString('utf8'))
    }
    const blob = (digest: string): Promise<unknown> => read(`blobs/${digest.replace(':', '/')}`)
    const layout = (await read('index.json')) as { manifests: Descriptor[] }
    const top = layout.manifests[0]
    if (!top || !/index|manifest\.list/.test(top.mediaType)) throw new Error(`the image archive ${archive} holds no image index`)
    const index = (await blob(top.digest)) as { manifests: Descriptor[] }
    const images: PlatformImage[] = []
    for (const m of index.manifests) {
      if (!m.platform || m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue
      const manifest = (await blob(m.digest)) as { config: { digest: string } }
      images.push({ platform: platformName(m.platform), digest: m.digest, configDigest: manifest.config.digest })
    }
    return { index: top.digest, images }
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
