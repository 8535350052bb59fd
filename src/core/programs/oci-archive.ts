// What an OCI image archive (a tar of an OCI layout) holds: its index, and each platform's manifest in it.
import { createHash } from 'node:crypto'
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { join } from 'node:path'
import { extract, pack } from 'tar-stream'
import zlib from 'node:zlib'
import { run } from './exec.js'
import { blobPath, digestOf, hexOf, isAttestationManifest, isIndex, platformName, type Descriptor, type ImageConfig, type Index, type Manifest } from '../oci.js'

/** One platform's image in an index: what its tests run, and what the pushed index lists. */
export interface PlatformImage {
  /** os/arch[/variant], as --platform takes it. */
  platform: string
  /** Digest of the platform's manifest. */
  digest: string
  /** Digest of its configuration: how an engine without the containerd store names the image. */
  configDigest: string
}

/**
 * The platform images of the index at the top of the archive, attestations left out. The archive is read
 * by its tar headers only, so a large image costs a few small reads.
 */
export async function platformImages(archive: string): Promise<{ index: string; images: PlatformImage[] }> {
  return readArchive(archive, async ({ top, readBlob }) => {
    if (!isIndex(top.mediaType)) throw new Error(`the image archive ${archive} holds no image index`)
    const index = JSON.parse((await readBlob(top.digest)).toString('utf8')) as Index
    const images: PlatformImage[] = []
    for (const m of index.manifests) {
      if (!m.platform || isAttestationManifest(m)) continue
      const manifest = JSON.parse((await readBlob(m.digest)).toString('utf8')) as Manifest
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
  return readArchive(archive, async ({ top, readBlob }) => {
    const verified = async (digest: string): Promise<Buffer> => {
      const bytes = await readBlob(digest)
      if (digestOf(bytes) !== digest) throw new Error(`the image archive ${archive} holds a manifest whose bytes are not its digest ${digest}`)
      return bytes
    }
    let descriptors: Descriptor[] = [{ mediaType: top.mediaType, digest: top.digest, size: top.size }]
    if (isIndex(top.mediaType)) {
      const index = JSON.parse((await verified(top.digest)).toString('utf8')) as Index
      const images = index.manifests.filter(m => !isAttestationManifest(m))
      if (images.length !== 1) throw new Error(`the image archive ${archive} holds ${images.length} images, not one`)
      const attestations = index.manifests.filter(m => isAttestationManifest(m) && m.annotations?.['vnd.docker.reference.digest'] === images[0].digest)
      descriptors = [...images, ...attestations]
    }
    const image = descriptors[0]
    const manifest = JSON.parse((await verified(image.digest)).toString('utf8')) as Manifest
    const config = JSON.parse((await readBlob(manifest.config.digest)).toString('utf8')) as ImageConfig
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
    for (const [name, entry] of (await tarEntries(file)).entries) {
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name)
      if (m) sizes.set(`sha256:${m[1]}`, entry.size)
    }
    return sizes
  } finally {
    await file.close()
  }
}

/** What stampCreated changed: the archive's new top digest, and each configuration's new digest by its old one. */
export interface Stamped {
  top: Descriptor
  configs: Map<string, string>
}

/**
 * Gives every image of an archive `created` as its configuration's creation time. BuildKit sets it to
 * the image clock with every file's time, and an image from 1970 looks decades old to `docker image ls`
 * and to a registry's retention rules; the commit's time is as reproducible. Only the configurations
 * change (the layers keep the image clock), with the manifests and the index that name them, and the
 * attestations that name those manifests. The new blobs and lists are appended to the archive: every
 * reader of an image archive (docker load, skopeo, containerd's import) takes the last entry of a name,
 * and a blob nothing names is never read. An image already at that time is left as it is.
 */
export async function stampCreated(archive: string, created: string): Promise<Stamped> {
  return readArchive(archive, async ({ top, layout, file, readBlob, json, append }) => {
    const added = new Map<string, Buffer>()
    const put = (value: unknown): { digest: string; size: number } => {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))
      const digest = digestOf(bytes)
      added.set(blobPath(digest), bytes)
      return { digest, size: bytes.length }
    }
    const configs = new Map<string, string>()
    const manifests = new Map<string, string>()

    const image = async (d: Descriptor): Promise<Descriptor> => {
      const manifest = (await json(d.digest)) as Manifest
      const config = await json(manifest.config.digest)
      if (config.created === created) return d
      const stamped = put({ ...config, created })
      configs.set(manifest.config.digest, stamped.digest)
      const moved = { ...d, ...put({ ...manifest, config: { ...manifest.config, ...stamped } }) }
      manifests.set(d.digest, moved.digest)
      return moved
    }
    // An attestation names its image by digest, in its index annotation and in its statements' subjects.
    const repoint = async (d: Descriptor): Promise<Descriptor> => {
      const swap = (text: string, moves: Map<string, string>): string => [...moves].reduce((t, [from, to]) => t.replaceAll(hexOf(from), hexOf(to)), text)
      const manifest = (await json(d.digest)) as Manifest
      const layers = new Map<string, string>()
      const moved = await Promise.all(
        manifest.layers.map(async l => {
          const text = (await readBlob(l.digest)).toString('utf8')
          const swapped = swap(text, manifests)
          if (swapped === text) return l
          const to = { ...l, ...put(Buffer.from(swapped)) }
          layers.set(l.digest, to.digest)
          return to
        })
      )
      const ref = d.annotations?.['vnd.docker.reference.digest']
      const annotations = ref && manifests.has(ref) ? { ...d.annotations, 'vnd.docker.reference.digest': manifests.get(ref) as string } : d.annotations
      if (!layers.size) return { ...d, ...(annotations ? { annotations } : {}) }
      // The statements are stored uncompressed: each one's diff id is its digest.
      const config = put(Buffer.from(swap((await readBlob(manifest.config.digest)).toString('utf8'), layers)))
      return { ...d, ...(annotations ? { annotations } : {}), ...put({ ...manifest, config: { ...manifest.config, ...config }, layers: moved }) }
    }

    let stampedTop = top
    if (isIndex(top.mediaType)) {
      const index = (await json(top.digest)) as Index
      const images = await Promise.all(index.manifests.map(m => (isAttestationManifest(m) ? m : image(m))))
      if (manifests.size) {
        const listed = await Promise.all(images.map(m => (isAttestationManifest(m) ? repoint(m) : m)))
        stampedTop = { ...top, ...put({ ...index, manifests: listed }) }
      }
    } else {
      stampedTop = await image(top)
    }
    if (stampedTop.digest === top.digest) return { top, configs }

    added.set('index.json', Buffer.from(JSON.stringify({ ...layout, manifests: [stampedTop, ...layout.manifests.slice(1)] })))
    // docker load's own list names each configuration by its path.
    const dockerList = await file('manifest.json')
    if (dockerList) {
      const list = JSON.parse(dockerList.toString('utf8')) as { Config: string }[]
      const byPath = new Map([...configs].map(([from, to]) => [blobPath(from), blobPath(to)]))
      added.set('manifest.json', Buffer.from(JSON.stringify(list.map(e => ({ ...e, Config: byPath.get(e.Config) ?? e.Config })))))
    }
    await append(added)
    return { top: stampedTop, configs }
  }, 'r+')
}

/** A tar of the files given, with its end marker: what stampCreated appends. */
async function tarOf(files: Map<string, Buffer>): Promise<Buffer> {
  const tar = pack()
  for (const [name, bytes] of files) tar.entry({ name, size: bytes.length, mode: 0o644, mtime: new Date(0) }, bytes)
  tar.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of tar) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * Where two archives of one build first differ, in words: a platform's configuration, or its first layer
 * that differs (the step that made it, from the configuration's history) and the first file in it that
 * differs, and how (what diffoci reports). Undefined when both hold the same image.
 */
export async function firstDifference(a: string, b: string): Promise<string | undefined> {
  return readArchive(a, first =>
    readArchive(b, async second => {
      if (first.top.digest === second.top.digest) return undefined
      const images = async (r: ArchiveReader): Promise<Map<string, { manifest: string; config: string; layers: Descriptor[]; steps: string[] }>> => {
        const list = isIndex(r.top.mediaType) ? ((await r.json(r.top.digest)) as Index).manifests.filter(m => !isAttestationManifest(m)) : [r.top]
        const found = new Map<string, { manifest: string; config: string; layers: Descriptor[]; steps: string[] }>()
        for (const d of list) {
          const manifest = (await r.json(d.digest)) as Manifest
          const config = (await r.json(manifest.config.digest)) as ImageConfig
          const steps = (config.history ?? []).filter(h => !h.empty_layer).map(h => h.created_by ?? '')
          found.set(platformName(config), { manifest: d.digest, config: manifest.config.digest, layers: manifest.layers, steps })
        }
        return found
      }
      const [left, right] = [await images(first), await images(second)]
      for (const [platform, x] of left) {
        const y = right.get(platform)
        const on = left.size > 1 ? ` (${platform})` : ''
        if (!y) return `only the first build has an image for ${platform}`
        if (x.manifest === y.manifest) continue
        const at = x.layers.findIndex((l, i) => l.digest !== y.layers[i]?.digest)
        if (at < 0) {
          if (y.layers.length > x.layers.length) return `the second build has ${y.layers.length - x.layers.length} more layers${on}`
          return `the image configuration differs${on}: ${describeConfigDifference(await first.json(x.config), await second.json(y.config))}`
        }
        if (at >= y.layers.length) return `the first build has ${x.layers.length - y.layers.length} more layers${on}`
        const step = x.steps[at] ? ` (${oneLineStep(x.steps[at])})` : ''
        const file = await firstFileDifference(first, x.layers[at], second, y.layers[at])
        return `layer ${at + 1} of ${x.layers.length}${step}${on}${file ? `: ${file}` : ''}`
      }
      return 'the index differs (its annotations or attestations)'
    })
  )
}

const oneLineStep = (step: string): string => {
  // As BuildKit records it (RUN /bin/sh -c … # buildkit), shown as the Dockerfile wrote it.
  const text = step.replace(/^(RUN )?\/bin\/sh -c (#\(nop\) )?/, '$1').replace(/ # buildkit$/, '').replace(/\s+/g, ' ').trim()
  return text.length > 100 ? `${text.slice(0, 99)}…` : text
}

function describeConfigDifference(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(k => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
  return keys.length ? `${keys.join(', ')}` : 'its bytes'
}

interface FileFacts {
  type: string
  mode: number
  uid: number
  gid: number
  mtime: number
  size: number
  linkname: string
  sha256: string
}

/** The first file of a layer that differs between two builds, and how; undefined when the layers cannot be read here. */
async function firstFileDifference(ra: ArchiveReader, a: Descriptor, rb: ArchiveReader, b: Descriptor): Promise<string | undefined> {
  const [x, y] = [await layerFiles(ra, a), await layerFiles(rb, b)]
  if (!x || !y) return 'the file that differs is named where the zstd program is installed, or Node reads zstd (22.15 or newer)'
  for (const [name, f] of x) {
    const g = y.get(name)
    if (!g) return `${name} is only in the first build`
    const how = (['sha256', 'size', 'mtime', 'mode', 'uid', 'gid', 'type', 'linkname'] as const).filter(k => f[k] !== g[k])
    if (!how.length) continue
    const what = how.includes('sha256') ? 'its content' : how.includes('mtime') ? `its time (${new Date(f.mtime * 1000).toISOString()} and ${new Date(g.mtime * 1000).toISOString()})` : how.join(', ')
    return `${name} differs in ${what}`
  }
  for (const name of y.keys()) if (!x.has(name)) return `${name} is only in the second build`
  return 'the same files, in another order or tar encoding'
}

async function layerFiles(r: ArchiveReader, layer: Descriptor): Promise<Map<string, FileFacts> | undefined> {
  const compressed = await r.readBlob(layer.digest)
  const files = new Map<string, FileFacts>()
  const tar = extract()
  tar.on('entry', (header, stream, next) => {
    const hash = createHash('sha256')
    stream.on('data', (chunk: unknown) => void hash.update(chunk as Buffer))
    stream.on('end', () => {
      files.set(header.name.replace(/^\.?\//, ''), {
        type: header.type ?? 'file',
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000),
        size: header.size ?? 0,
        linkname: header.linkname ?? '',
        sha256: hash.digest('hex')
      })
      next()
    })
    stream.resume()
  })
  const native = (zlib as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress
  if (!/zstd/.test(layer.mediaType)) {
    const source = Readable.from([compressed])
    await (/gzip/.test(layer.mediaType) ? pipeline(source, zlib.createGunzip(), tar) : pipeline(source, tar))
  } else if (native) {
    await pipeline(Readable.from([compressed]), native(), tar)
  } else {
    // A Node without zstd (before 22.15): the zstd program, where there is one.
    const dir = await mkdtemp(join(tmpdir(), 'hashdock-layer-'))
    try {
      await writeFile(join(dir, 'layer.zst'), compressed)
      await run('zstd', ['-d', '-c', '-q', join(dir, 'layer.zst')], { stdoutTo: tar })
    } catch {
      return undefined
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return files
}

interface ArchiveReader {
  /** The first entry of the layout's index.json: the image the archive is of. */
  top: Descriptor
  /** The layout's index.json. */
  layout: Index
  /** A file of the archive by name, or undefined when it holds none. */
  file(name: string): Promise<Buffer | undefined>
  /** A blob of the archive by its digest (its bytes unchecked). */
  readBlob(digest: string): Promise<Buffer>
  json(digest: string): Promise<Record<string, unknown>>
  /** Appends files to the archive (opened 'r+'), with a new end marker: they replace any earlier entry of their name. */
  append(files: Map<string, Buffer>): Promise<void>
}

async function readArchive<T>(archive: string, use: (reader: ArchiveReader) => Promise<T>, mode: 'r' | 'r+' = 'r'): Promise<T> {
  const handle = await open(archive, mode)
  try {
    const { entries, end } = await tarEntries(handle)
    const file = async (name: string): Promise<Buffer | undefined> => {
      const entry = entries.get(name)
      if (!entry) return undefined
      const buffer = Buffer.alloc(entry.size)
      await handle.read(buffer, 0, entry.size, entry.offset)
      return buffer
    }
    const read = async (name: string): Promise<Buffer> => {
      const bytes = await file(name)
      if (!bytes) throw new Error(`the image archive ${archive} holds no ${name}`)
      return bytes
    }
    const layout = JSON.parse((await read('index.json')).toString('utf8')) as Index
    const top = layout.manifests[0]
    if (!top) throw new Error(`the image archive ${archive} holds no image`)
    const readBlob = (digest: string): Promise<Buffer> => read(blobPath(digest))
    const append = async (files: Map<string, Buffer>): Promise<void> => {
      const tail = await tarOf(files)
      await handle.write(tail, 0, tail.length, end)
      await handle.truncate(end + tail.length)
    }
    return await use({ top, layout, file, readBlob, json: async digest => JSON.parse((await readBlob(digest)).toString('utf8')) as Record<string, unknown>, append })
  } finally {
    await handle.close()
  }
}

/** Every file in a tar, by name, with where its bytes start; ustar and pax long names both read. */
async function tarEntries(file: Awaited<ReturnType<typeof open>>): Promise<Tar> {
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
  return { entries, end: position }
}

/** A tar's files by name (the last entry of a name wins, as every reader of an image archive takes it), and where its end marker starts. */
interface Tar {
  entries: Map<string, { offset: number; size: number }>
  end: number
}
