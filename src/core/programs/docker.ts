// The Docker engine as the pipeline sees it: a few questions, each one CLI call with machine-readable output.
import { lastLine } from '../errors.js'
import { output, run } from './exec.js'

export interface ImageFacts {
  id: string
  workingDir: string
}

export interface Engine {
  version: string
  buildx: boolean
  /** The containerd image store keeps an image's blobs as built, so a push sends the tested digest. */
  containerdStore: boolean
}

/** What the engine can do, from one `docker info`; fails with one line when no engine answers. */
export async function requireEngine(): Promise<Engine> {
  const r = await run('docker', ['info', '--format', '{{json .}}'], { allowFailure: true })
  const info = r.exitCode === 0 ? JSON.parse(r.stdout) : undefined
  if (!info?.ServerVersion) {
    throw new Error(`Docker engine unreachable: ${lastLine(r.stderr) || 'no answer'}. Start the Docker daemon, or point DOCKER_HOST at one.`)
  }
  const plugins: { Name: string }[] = info.ClientInfo?.Plugins ?? []
  const driverStatus: string[][] = info.DriverStatus ?? []
  return {
    version: info.ServerVersion,
    buildx: plugins.some(p => p.Name === 'buildx'),
    containerdStore: driverStatus.some(([key, value]) => key === 'driver-type' && value.startsWith('io.containerd.snapshotter'))
  }
}

export async function inspectImage(ref: string): Promise<ImageFacts> {
  const raw = JSON.parse(await output('docker', ['image', 'inspect', '--format', '{{json .}}', ref]))
  return {
    id: raw.Id,
    workingDir: raw.Config?.WorkingDir ?? ''
  }
}

/** docker is there to run (it says its version without an engine); a ProgramMissing error when it is not. */
export async function requireDocker(): Promise<void> {
  await run('docker', ['--version'], { allowFailure: true })
}

/** skopeo pushes the tested archive byte for byte; without it nothing can be pushed. */
export async function requireSkopeo(): Promise<void> {
  const found = await run('skopeo', ['--version'], { allowFailure: true }).catch(() => undefined)
  if (!found || found.exitCode !== 0) {
    throw new Error('skopeo is not installed: hashdock pushes the tested image with it, byte for byte. Install it (apt-get install skopeo; GitHub\'s Ubuntu runners have it), or set push to false.')
  }
}
