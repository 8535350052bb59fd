// How a run builds, decided once from the inputs and the facts of the engine and the builder.
import type { BuilderFacts } from '../programs/builder.js'
import { runName } from '../constants.js'
import type { Engine } from '../programs/docker.js'
import { isLoopback, registryOf } from '../image-ref.js'
import type { CacheMode, Compression } from '../inputs.js'

export interface BuildStrategy {
  /** The builder to use; `create`: a docker-container builder made for this run and removed after it. */
  builder: BuilderFacts & { create: boolean }
  /** Registries the created builder must reach over plain HTTP on the host's network. */
  loopbackRegistries: string[]
  cache: CacheMode
  compression: Compression
  /** Platforms to build, each tested; empty: the builder's native platform only. */
  platforms: string[]
  /**
   * How BuildKit writes the image: `docker`, one image that docker load reads on every engine; `oci`,
   * an index (one image per platform, or an image with its attestations), which the docker exporter cannot write.
   */
  exporter: 'docker' | 'oci'
  /**
   * How a platform's image gets into the engine: `archive` loads the whole archive (the containerd image
   * store keeps every platform of an index); `per-platform` loads each platform's image on its own, as
   * an engine without the containerd store holds one platform per image.
   */
  loading: 'archive' | 'per-platform'
  /** Load the built image into the engine: only when a test runs in it. */
  load: boolean
  /** BuildKit's provenance and SBOM attestations, inside the image index. */
  provenance: boolean
  sbom: boolean
  /** The digest depends only on the commit and the inputs. */
  reproducible: boolean
  /** Why the strategy is what it is, as sentences for the summary; `notices` are said once in the log too. */
  reasons: string[]
  notices: string[]
}

/** What plan reads from the inputs for the strategy. */
export interface StrategyInputs {
  images: string[]
  /** provenance: in-image; a record beside the image leaves the build alone. */
  provenance: boolean
  sbom: boolean
  /** Empty: the adapter found no cache to offer. */
  cache: CacheMode | ''
  /** A test command is given: the image is loaded to run it. */
  tested: boolean
  keepImage: boolean
  compression: Compression
  platforms: string[]
  /** Why the run builds on a builder of its own; '' when it does not have to. */
  isolate: string
}

/**
 * The image's clock, the same for every commit: BuildKit clamps every newer timestamp in the layers it
 * writes to it (rewrite-timestamp). A clock that moved with each commit would put the clock of whichever
 * commit first built a cached layer into every later image that reuses that layer, so a commit's digest
 * would depend on what the builder had cached. The commit's own time is kept in the image's
 * org.opencontainers.image.created label and the commit-time output.
 */
export const IMAGE_CLOCK = 0

/**
 * Every builder but one writes an OCI image archive with rewritten timestamps and exports a layer
 * cache; the exception is the engine's own `docker` driver on an engine without the containerd image
 * store, and for it the run brings a docker-container builder of its own.
 */
export function decideStrategy(inputs: StrategyInputs, engine: Engine, selected: BuilderFacts, runId: string): BuildStrategy {
  if (!engine.buildx) {
    throw new Error('docker buildx is not installed: hashdock builds with BuildKit through buildx. Install the docker-buildx plugin (on GitHub, docker/setup-buildx-action).')
  }
  const reasons: string[] = []
  const notices: string[] = []
  // The same registry answers as localhost, 127.0.0.1 and [::1]; base images may name it either way.
  const loopbackRegistries = [
    ...new Set(
      inputs.images.map(registryOf).filter(isLoopback).flatMap(registry => {
        const port = /:(\d+)$/.exec(registry)?.[1]
        return [registry, ...['localhost', '127.0.0.1'].map(h => (port ? `${h}:${port}` : h))]
      })
    )
  ]
  let builder = { ...selected, create: false }
  if (selected.driver === 'docker' && !engine.containerdStore) {
    builder = { name: runName(runId), driver: 'docker-container', create: true }
    notices.push(
      `builder: '${selected.name}' is the engine's own builder on an engine without the containerd image store, which can neither write an image archive nor export a layer cache; this run uses a docker-container builder of its own (${builder.name}), removed when it ends. Select one with docker/setup-buildx-action or the builder input to keep it between runs.`
    )
  }
  else if (inputs.isolate) {
    // A pull request's commit writes layers and cache mounts (RUN --mount=type=cache) into the builder it
    // runs on; on a builder of its own they are gone with the run, and no trusted build ever reads them.
    builder = { name: runName(runId), driver: 'docker-container', create: true }
    notices.push(
      `builder: this run builds on a docker-container builder of its own (${builder.name}), removed when it ends, since ${inputs.isolate}: its layers and cache mounts never reach the builder trusted builds use (isolate-builder: false builds on '${selected.name}').`
    )
  }
  reasons.push(`built by '${builder.name}' (${builder.driver} driver${builder.create ? ', created for this run' : ''})`)

  const { provenance, sbom, tested, compression, platforms } = inputs
  const reproducible = !provenance && !sbom
  if (!reproducible) {
    notices.push('Not reproducible: provenance and SBOM attestations inside the image record when and how it was built, so every build gets a new digest (provenance: true keeps the record beside the image instead).')
  } else {
    reasons.push('reproducible: every timestamp in the new layers is the fixed image clock, and no attestation inside the image records build times')
  }
  const cache: CacheMode = inputs.cache || 'none'
  const load = tested || inputs.keepImage
  if (!load) reasons.push('no test runs, so the image is not loaded into the engine')
  else if (!tested) reasons.push('no test runs; the image is loaded into the engine to be kept (keep-image)')
  const multi = platforms.length > 1
  // An index (several platforms, or attestations) needs the oci exporter; the classic store loads
  // each platform's image of it on its own.
  const exporter = multi || !reproducible ? 'oci' : 'docker'
  const loading = exporter === 'oci' && !engine.containerdStore ? 'per-platform' : 'archive'
  if (multi) {
    reasons.push(
      `${platforms.join(', ')}: one build writes an index of one image per platform, each tested (${
        loading === 'archive' ? 'the containerd image store holds them all' : 'loaded one platform at a time: the engine has no containerd image store'
      }); the index is pushed only if every platform passed`
    )
  }
  return { builder, loopbackRegistries, cache, compression, platforms, exporter, loading, load, provenance, sbom, reproducible, reasons: [...notices, ...reasons], notices }
}

/**
 * An assembly builds nothing: it reads images other jobs built and tested, so it needs neither an
 * engine nor a builder.
 */
export function assemblyStrategy(inputs: StrategyInputs): BuildStrategy {
  const { platforms } = inputs
  const reasons = [`${platforms.join(', ')}: one index assembled from the images each platform's own job built and tested; pushed only if every platform's image is there and passed`]
  return {
    builder: { name: '', driver: '', create: false },
    loopbackRegistries: [],
    cache: 'none',
    compression: inputs.compression,
    platforms,
    exporter: 'oci',
    loading: 'archive',
    load: false,
    provenance: inputs.provenance,
    sbom: inputs.sbom,
    reproducible: true,
    reasons,
    notices: []
  }
}
