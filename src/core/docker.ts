// The Docker engine as the pipeline sees it: a few questions, each one CLI call with machine-readable output.
import { CommandError } from './errors.js'
import { output, run } from './exec.js'

export interface ImageFacts {
  id: string
  size: number
  labels: Record<string, string>
  repoDigests: string[]
  workingDir: string
}

/** Fails with one line when no engine answers. */
export async function requireEngine(): Promise<string> {
  const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], { allowFailure: true })
  if (r.exitCode !== 0 || !r.stdout) {
    const why = new CommandError('docker version', r.exitCode, r.stderr).message.replace(/^docker version failed \(exit \d+\): /, '')
    throw new Error(`Docker engine unreachable: ${why}. Start the Docker daemon, or point DOCKER_HOST at one.`)
  }
  return r.stdout
}

export async function hasBuildx(): Promise<boolean> {
  return (await run('docker', ['buildx', 'version'], { allowFailure: true })).exitCode === 0
}

export async function inspectImage(ref: string): Promise<ImageFacts> {
  const raw = JSON.parse(await output('docker', ['image', 'inspect', '--format', '{{json .}}', ref]))
  return {
    id: raw.Id,
    size: raw.Size ?? 0,
    labels: raw.Config?.Labels ?? {},
    repoDigests: raw.RepoDigests ?? [],
    workingDir: raw.Config?.WorkingDir ?? ''
  }
}
