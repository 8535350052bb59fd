// Stage 3: build the context into an image in the engine, tagged with the full commit hash.
import { join } from 'node:path'
import { Input } from './constants.js'
import type { BuildContext } from './context.js'
import { hasBuildx, inspectImage } from './docker.js'
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
  builder: 'buildx' | 'docker build'
  seconds: number
}

export async function build(p: Plan, context: BuildContext, workDir: string, log: Log): Promise<Built> {
  const localRef = `${p.image}:${p.commit}`
  const buildx = await hasBuildx()
  const args = [
    '--file', context.dockerfile,
    '--tag', localRef,
    // BuildKit clamps what it can to this time; the commit time keeps the image free of the wall clock.
    '--build-arg', `SOURCE_DATE_EPOCH=${p.commitTime}`,
    ...p.inputs[Input.BuildArgs].flatMap(arg => ['--build-arg', arg]),
    ...Object.entries(p.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(p.inputs[Input.Target] ? ['--target', p.inputs[Input.Target]] : [])
  ]
  const started = Date.now()
  if (buildx) {
    // Attestations embed build times; they stay off so the image carries the commit time alone.
    args.push('--progress=plain', '--provenance=false', '--sbom=false', '--load', '--metadata-file', join(workDir, 'build-metadata.json'))
    await run('docker', ['buildx', 'build', ...args, context.contextDir], { stream: true })
  } else {
    log.notice('docker buildx is not installed: building with the classic `docker build` and BuildKit')
    await run('docker', ['build', ...args, context.contextDir], { stream: true, env: { DOCKER_BUILDKIT: '1' } })
  }
  const seconds = (Date.now() - started) / 1000
  const facts = await inspectImage(localRef)
  return { imageId: facts.id, localRef, size: facts.size, workingDir: facts.workingDir, builder: buildx ? 'buildx' : 'docker build', seconds }
}
