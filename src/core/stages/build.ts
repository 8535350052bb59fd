// Stage 3: BuildKit writes the image once, as an archive; that archive is what is tested and what is pushed.
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createRunBuilder } from '../programs/builder.js'
import type { BuildContext } from './context.js'
import { inspectImage } from '../programs/docker.js'
import { run } from '../programs/exec.js'
import { megabytes, ticking, type Log } from '../log.js'
import { isDigest } from '../oci.js'
import { firstDifference, platformImages, stampCreated, type PlatformImage } from '../programs/oci-archive.js'
import type { Plan } from './plan.js'
import { CREATED_LABEL } from '../constants.js'
import { copyLocally } from '../programs/registry.js'
import { buildxArgs } from './buildx-args.js'

export interface Built {
  /** Digest of the image's manifest (or index, with attestations): its identity from here to the registry. */
  digest: string
  /** Digest of the image's configuration: how an engine without the containerd store names it. */
  configDigest: string
  /** The image archive BuildKit wrote (an OCI layout, which docker load also reads). */
  archive: string
  /** Bytes of the archive: the compressed image. */
  size: number
  /** Whether the image's bytes depend only on the commit and the inputs. */
  reproducible: boolean
  /** verify-reproducible built it again without any cache, to the same digest. */
  verified?: boolean
  seconds: number
  /** BuildKit's build metadata (--metadata-file), as it wrote it. */
  metadata: Record<string, unknown>
  /** Each platform's image in the index, when several platforms were built; empty for one image. */
  platforms: PlatformImage[]
  /** The Dockerfile's steps BuildKit ran or took from its cache, from its plain log; absent when it drew its own view. */
  steps?: StepCount
}

export interface StepCount {
  steps: number
  cached: number
}

/**
 * How many of the Dockerfile's steps (`#N [stage k/n] …` in BuildKit's plain log, FROM aside) the build
 * took from the cache (`#N CACHED`), each step once, whatever the log repeats.
 */
export function countSteps(buildLog: string): StepCount | undefined {
  // FROM is a base image to resolve, never a step to cache.
  const steps = new Set([...buildLog.matchAll(/^#(\d+) \[(?:[^\]\n]* )?\d+\/\d+\] (?!FROM )/gm)].map(m => m[1]))
  if (!steps.size) return undefined
  const cached = new Set([...buildLog.matchAll(/^#(\d+) CACHED$/gm)].map(m => m[1]).filter(n => steps.has(n)))
  return { steps: steps.size, cached: cached.size }
}

/** The built image inside the engine, under a reference no other run uses. */
export interface Loaded {
  /** The engine's ID: the digest with the containerd image store, the config digest without. */
  imageId: string
  localRef: string
  /** Where relative paths inside the image start: test reports name files from here. */
  workingDir: string
  /** Each platform's image as the engine holds it, when several were built; empty for one image. */
  platforms: LoadedPlatform[]
}

/** One platform's image in the engine: the tests run `imageId` with `--platform platform`. */
export interface LoadedPlatform {
  platform: string
  /** The platform's manifest digest in the built index: what its tests ran, and what is pushed. */
  digest: string
  imageId: string
  localRef: string
}

export interface BuildOptions {
  /** buildx arguments for the layer cache. */
  cacheArgs: string[]
}

/**
 * One path on every builder: the `docker` exporter with OCI media types writes an OCI layout that is
 * also a `docker load` archive, with every timestamp of the new layers clamped to the image clock
 * (rewrite-timestamp). Every layer, the base image's too, is compressed by the builder itself
 * (force-compression): a builder reuses any compressed form it holds of a layer, and which one it holds
 * depends on what it pulled or loaded before, so without it the same commit could give two digests.
 * Nothing is written into the engine's image store by the build itself.
 */
export async function build(p: Plan, context: BuildContext, options: BuildOptions, workDir: string, log: Log): Promise<Built> {
  const { strategy } = p
  if (strategy.builder.create) {
    await log.group('Builder', () => createRunBuilder(p.workspace.runId, workDir, { loopbackRegistries: strategy.loopbackRegistries }))
  }
  const archive = join(workDir, 'image.tar')
  const started = Date.now()
  const { digest, configDigest, metadata, stderr } = await buildArchive(p, context, { archive, metadataFile: join(workDir, 'build-metadata.json'), cacheArgs: options.cacheArgs })
  // (The TTY view is not kept: a refused cache export shows in it, in BuildKit's words.)
  warnOnCacheExportError(stderr, log)
  const seconds = (Date.now() - started) / 1000
  const platforms = strategy.exporter === 'oci' ? await indexedPlatforms(archive, digest, strategy.platforms) : []
  const steps = countSteps(stderr)
  return {
    digest,
    configDigest,
    ...(steps ? { steps } : {}),
    archive,
    size: (await stat(archive)).size,
    reproducible: strategy.reproducible,
    seconds,
    metadata,
    platforms
  }
}

/**
 * One `buildx build` of the image into an archive, and its digest once the configuration says when the
 * image was created: the layers keep the image clock, the configuration the created label's time (the
 * commit's, unless labels says otherwise).
 */
async function buildArchive(
  p: Plan,
  context: BuildContext,
  output: { archive: string; metadataFile: string; cacheArgs: string[] }
): Promise<{ digest: string; configDigest: string; metadata: Record<string, unknown>; stderr: string }> {
  const { args, env } = buildxArgs(p, context, { kind: 'image', ...output })
  const r = await run('docker', args, { stream: true, env, terminal: p.workspace.terminal })
  const reported = JSON.parse(await readFile(output.metadataFile, 'utf8')) as Record<string, unknown>
  const built = String(reported['containerimage.digest'] ?? '')
  if (!isDigest(built)) throw new Error(`the builder reported no image digest (build metadata: ${JSON.stringify(reported).slice(0, 300)})`)
  const { top, configs } = await stampCreated(output.archive, p.labels[CREATED_LABEL])
  const builtConfig = String(reported['containerimage.config.digest'] ?? '')
  const configDigest = configs.get(builtConfig) ?? builtConfig
  const metadata = {
    ...reported,
    'containerimage.digest': top.digest,
    ...(builtConfig ? { 'containerimage.config.digest': configDigest } : {}),
    ...(reported['containerimage.descriptor'] ? { 'containerimage.descriptor': { ...(reported['containerimage.descriptor'] as object), digest: top.digest, size: top.size } } : {})
  }
  return { digest: top.digest, configDigest, metadata, stderr: r.stderr }
}

/**
 * verify-reproducible: the commit built a second time without any cache (no cache import, no cached
 * step), on the same builder; the run goes on only when both builds give one digest, else it fails
 * naming the first layer and file that differ. What `reproducible` then says is measured.
 */
export async function verifyReproducible(p: Plan, context: BuildContext, built: Built, workDir: string, log: Log): Promise<Built> {
  const archive = join(workDir, 'image-again.tar')
  try {
    const again = await buildArchive({ ...p, build: { ...p.build, noCache: true } }, context, { archive, metadataFile: join(workDir, 'build-metadata-again.json'), cacheArgs: [] })
    if (again.digest === built.digest) {
      log.info(`Reproducible, verified: a second build without any cache gave the same digest, ${built.digest}`)
      return { ...built, verified: true }
    }
    const where = await firstDifference(built.archive, archive)
    throw new Error(
      `verify-reproducible: a second build of ${p.commit} without any cache gave ${again.digest}, not ${built.digest}; first difference: ${where ?? 'none found in the archives'} (docs/reproducibility.md says what makes a build differ)`
    )
  } finally {
    await rm(archive, { force: true })
  }
}

/** The index the archive holds must be the built one, with exactly one image per platform asked for. */
async function indexedPlatforms(archive: string, digest: string, wanted: string[]): Promise<PlatformImage[]> {
  const { index, images } = await platformImages(archive)
  if (index !== digest) throw new Error(`the image archive holds the index ${index}, not the built ${digest}`)
  const found = images.map(i => i.platform)
  // No platform named (an image with its attestations): whatever the builder's own platform is.
  if (!wanted.length) return images
  if (found.length !== wanted.length || !wanted.every(w => found.includes(w))) {
    throw new Error(`platforms: the build wrote images for ${found.join(', ') || 'no platform'}, not for ${wanted.join(', ')}`)
  }
  return wanted.map(w => images.find(i => i.platform === w) as PlatformImage)
}

/**
 * Loads the archive into the engine and checks that what the engine now holds is the built image, by
 * digest: the tests run exactly what will be pushed.
 */
export async function load(p: Plan, built: Built, log: Log): Promise<Loaded> {
  if (p.strategy.loading === 'per-platform') return loadEachPlatform(p, built, log)
  await loadArchive(built.archive, `the image (${megabytes(built.size)})`, log)
  const facts = await inspectImage(p.localRef)
  if (facts.id !== built.digest && facts.id !== built.configDigest) {
    throw new Error(`the engine loaded ${p.localRef} as ${facts.id}, which is not the built image ${built.digest}`)
  }
  // The containerd store keeps the whole index: each platform's image is the one its manifest names.
  const platforms = built.platforms.map(i => ({ platform: i.platform, digest: i.digest, imageId: facts.id, localRef: p.localRef }))
  return { imageId: facts.id, localRef: p.localRef, workingDir: facts.workingDir, platforms }
}

/**
 * Keeps the tested image in the engine under `p.keepAs` (each platform's under its own name where the
 * engine holds one platform per image): the run's own name goes at cleanup, these stay.
 */
export async function keepImage(p: Plan, loaded: Loaded): Promise<string[]> {
  const perPlatform = p.strategy.loading === 'per-platform' && loaded.platforms.length > 0
  const pairs = perPlatform ? loaded.platforms.map(l => [l.localRef, `${p.keepAs}-${l.platform.replace(/\//g, '-')}`]) : [[loaded.localRef, p.keepAs]]
  for (const [from, to] of pairs) await run('docker', ['tag', from, to])
  return pairs.map(([, to]) => to)
}

/** `docker load`, which prints nothing until it is done: a line now and then while it runs. */
async function loadArchive(file: string, what: string, log: Log): Promise<void> {
  log.info(`Loading ${what} into the engine`)
  await ticking(log, seconds => `Loading ${what}: ${seconds} s`, () => run('docker', ['load', '--quiet', '--input', file]))
}

/**
 * An engine without the containerd store holds one platform per image: each platform's image is copied
 * out of the archive on its own and loaded under a reference of its own, and checked by its config
 * digest, the ID such an engine gives it.
 */
async function loadEachPlatform(p: Plan, built: Built, log: Log): Promise<Loaded> {
  const platforms: LoadedPlatform[] = []
  let workingDir = ''
  for (const image of built.platforms) {
    const [os, arch, variant] = image.platform.split('/')
    const slug = image.platform.replace(/\//g, '-')
    // The run's own repository, so cleanup finds every platform's image by it.
    const localRef = `${p.localRef}-${slug}`
    const file = join(p.workspace.workDir, `image-${slug}.tar`)
    // A docker archive cannot hold zstd layers: they are unpacked on the way, for the engine alone. The
    // config, and with it the engine's name for the image, stays the one built.
    const unpacked = join(p.workspace.workDir, `image-${slug}`)
    await copyLocally(
      ['copy', '--quiet', '--dest-decompress', '--override-os', os, '--override-arch', arch, ...(variant ? ['--override-variant', variant] : []), `oci-archive:${built.archive}`, `dir:${unpacked}`],
      `extracting the ${image.platform} image`
    )
    log.info(`Loading ${image.platform} (${image.digest})`)
    await copyLocally(['copy', '--quiet', `dir:${unpacked}`, `docker-archive:${file}:${localRef}`], `extracting the ${image.platform} image`)
    await rm(unpacked, { recursive: true, force: true })
    await loadArchive(file, `the ${image.platform} image`, log)
    await rm(file, { force: true })
    const facts = await inspectImage(localRef)
    if (facts.id !== image.configDigest) {
      throw new Error(`the engine loaded ${localRef} as ${facts.id}, which is not the built ${image.platform} image (config ${image.configDigest})`)
    }
    workingDir ||= facts.workingDir
    platforms.push({ platform: image.platform, digest: image.digest, imageId: facts.id, localRef })
  }
  return { imageId: platforms[0]?.imageId ?? '', localRef: platforms[0]?.localRef ?? p.localRef, workingDir, platforms }
}

/** A refused cache export is ignored by BuildKit (ignore-error); the user still hears of it, once. */
function warnOnCacheExportError(buildLog: string, log: Log): void {
  const step = /^#(\d+) exporting cache/m.exec(buildLog)?.[1]
  const error = step && new RegExp(`^#${step} ERROR: (.*)$`, 'm').exec(buildLog)?.[1]
  if (error) log.warning(`cache: the cache export was refused, so the build went on without saving its cache: ${error}`)
}
