// Stage 3: build the context into an image in the engine, tagged with the full commit hash.
import { join } from 'node:path'
import { Input } from './constants.js'
import type { BuildContext } from './context.js'
import { inspectImage, type Engine } from './docker.js'
import { run } from './exec.js'
import type { Log } from './log.js'
import type { Plan } from './plan.js'

export interface Built {
  /** The engine's ID of the image: what the tests run and what gets pushed. */
  imageId: string
  /** `image:<full hash>` in the engine. */
  localRef: string
  size: number
  /** Where relative paths inside the image start: test reports name files from here. */
  workingDir: string
  /** Whether the image's bytes depend only on the commit and the inputs (see reproducibility). */
  reproducible: boolean
  seconds: number
}

/**
 * Reproducible when the engine allows it: BuildKit writes an OCI archive with every timestamp clamped
 * to SOURCE_DATE_EPOCH (rewrite-timestamp), and the containerd image store loads it unchanged, so the
 * image ID is the manifest digest the registry will report. rewrite-timestamp cannot be combined with
 * the image exporter (it conflicts with unpacking), hence the archive.
 */
export interface BuildOptions {
  /** buildx arguments for the layer cache. */
  cacheArgs: string[]
  /** A docker configuration holding the registry login, for the cache import and export. */
  dockerConfig?: string
}

export async function build(p: Plan, context: BuildContext, engine: Engine, options: BuildOptions, workDir: string, log: Log): Promise<Built> {
  const localRef = `${p.image}:${p.commit}`
  const args = [
    '--file', context.dockerfile,
    '--build-arg', `SOURCE_DATE_EPOCH=${p.sourceDateEpoch}`,
    ...p.inputs[Input.BuildArgs].flatMap(arg => ['--build-arg', arg]),
    ...Object.entries(p.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(p.inputs[Input.Target] ? ['--target', p.inputs[Input.Target]] : [])
  ]
  const attested = p.inputs[Input.Provenance] || p.inputs[Input.Sbom]
  const attestations = [`--provenance=${p.inputs[Input.Provenance] ? 'mode=max' : 'false'}`, `--sbom=${p.inputs[Input.Sbom]}`]
  const exportable = engine.buildx && engine.containerdStore
  const reproducible = exportable && !attested
  const started = Date.now()
  if (exportable) {
    const archive = join(workDir, 'image.oci.tar')
    if (attested) log.notice('Not reproducible: provenance and SBOM attestations record when and how the image was built, so every build gets a new digest.')
    args.push('--progress=plain', ...attestations, ...options.cacheArgs)
    args.push('--output', `type=oci,dest=${archive},name=${localRef},rewrite-timestamp=true`)
    const env = options.dockerConfig ? { DOCKER_CONFIG: options.dockerConfig } : undefined
    const r = await run('docker', ['buildx', 'build', ...args, context.contextDir], { stream: true, env })
    warnOnCacheExportError(r.stderr, log)
    await run('docker', ['load', '--input', archive])
  } else if (engine.buildx) {
    log.notice(`Not reproducible: the engine stores images without containerd, so layers are recompressed on push. Enable the containerd image store ("features": {"containerd-snapshotter": true}) for reproducible digests.`)
    // No cache arguments: the docker driver exports caches only with the containerd image store.
    args.push('--progress=plain', ...attestations, '--load', '--tag', localRef)
    await run('docker', ['buildx', 'build', ...args, context.contextDir], { stream: true })
  } else {
    log.notice('Not reproducible: docker buildx is not installed, so timestamps cannot be rewritten; building with `docker build` and BuildKit.')
    await run('docker', ['build', '--tag', localRef, ...args, context.contextDir], { stream: true, env: { DOCKER_BUILDKIT: '1' } })
  }
  const seconds = (Date.now() - started) / 1000
  const facts = await inspectImage(localRef)
  return { imageId: facts.id, localRef, size: facts.size, workingDir: facts.workingDir, reproducible, seconds }
}

/** A refused cache export is ignored by BuildKit (ignore-error); the user still hears of it, once. */
function warnOnCacheExportError(buildLog: string, log: Log): void {
  const step = /^#(\d+) exporting cache/m.exec(buildLog)?.[1]
  const error = step && new RegExp(`^#${step} ERROR: (.*)$`, 'm').exec(buildLog)?.[1]
  if (error) log.warning(`cache: the cache export was refused, so the build went on without saving its cache: ${error}`)
}
