// The BuildKit builder a run uses: the one the user selected, or a docker-container builder of the run's own.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Input, runName } from '../constants.js'
import { InputError, lastLine } from '../errors.js'
import { run } from './exec.js'

export interface BuilderFacts {
  name: string
  /** buildx's driver: docker, docker-container, remote, kubernetes, … */
  driver: string
}

/**
 * The builder buildx would use: the one named (the builder input), else BUILDX_BUILDER, else the
 * one selected with `docker buildx use` (docker/setup-buildx-action selects the one it creates).
 */
export async function selectedBuilder(name: string): Promise<BuilderFacts> {
  const r = await run('docker', ['buildx', 'inspect', ...(name ? [name] : [])], { allowFailure: true })
  if (r.exitCode !== 0) {
    if (name) throw new InputError(Input.Builder, `no builder named '${name}': ${lastLine(r.stderr)}; create it (docker buildx create, or docker/setup-buildx-action) or leave builder empty`)
    throw new Error(`docker buildx cannot name its builder: ${lastLine(r.stderr)}`)
  }
  // `buildx inspect` has no machine-readable form in every version in use; its first lines are stable.
  const field = (key: string): string => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(r.stdout)?.[1].trim() ?? ''
  return { name: field('Name'), driver: field('Driver') }
}

export interface RunBuilderOptions {
  /** Plain-HTTP registries on the loopback interface: the builder joins the host's network to reach them. */
  loopbackRegistries: string[]
}

/** Creates and starts a docker-container builder, as docker/setup-buildx-action does. */
export async function createRunBuilder(runId: string, workDir: string, options: RunBuilderOptions): Promise<string> {
  const name = runName(runId)
  const args = ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--bootstrap']
  if (options.loopbackRegistries.length) {
    const config = join(workDir, 'buildkitd.toml')
    await writeFile(config, options.loopbackRegistries.map(r => `[registry.${JSON.stringify(r)}]\n  http = true\n`).join(''))
    args.push('--driver-opt', 'network=host', '--buildkitd-config', config)
  }
  await run('docker', args)
  return name
}

/** The run's own builder, by name, when it exists: empty when the run made none or it is gone. */
export async function runBuilder(runId: string): Promise<string[]> {
  const name = runName(runId)
  return (await run('docker', ['buildx', 'inspect', name], { allowFailure: true })).exitCode === 0 ? [name] : []
}

export async function removeRunBuilder(runId: string): Promise<void> {
  for (const name of await runBuilder(runId)) await run('docker', ['buildx', 'rm', name])
}
