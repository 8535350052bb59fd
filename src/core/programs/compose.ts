// The project's own compose services, started beside the image under test and always torn down.
import { lstat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Document } from 'yaml'
import { fileReach, hostReach, inside, type ComposeJson } from './compose-policy.js'
import { Input } from '../constants.js'
import { CommandError, InputError, lastLine } from '../errors.js'
import { output, run } from './exec.js'
import type { Log } from '../log.js'
import type { Plan } from '../stages/plan.js'

export interface ComposeProject {
  name: string
  /** The arguments that select this project and its files, for every compose command. */
  args: string[]
  env: Record<string, string>
  /** The project's default network, where the integration container joins the services. */
  network: string
  services: string[]
}

interface ComposeService {
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[]
}

interface ComposeConfig extends ComposeJson {
  services: Record<string, ComposeService>
  networks?: Record<string, { name?: string }>
}

interface ServiceState {
  Service: string
  State: string
  Health: string
  ExitCode: number
}

/**
 * The project as it will run: the user's compose file, the service under test replaced by the built
 * image, checked against the compose policy. Runs before the build too, so a refused file fails fast.
 */
export async function prepareServices(p: Plan, localRef: string, tree: string, workDir: string, platform?: string): Promise<ComposeProject> {
  const file = join(tree, p.inputs[Input.ComposeFile])
  const inTree = inside(tree)
  if ((await lstat(file)).isSymbolicLink() || !(await inTree(file))) {
    throw new InputError(Input.ComposeFile, `'${p.inputs[Input.ComposeFile]}' is a symlink in the commit; commit the compose file itself`)
  }
  const name = composeProjectName(p.workspace.runId)
  // Compose interpolates variables into the services: it sees the ones the caller named, never the runner's.
  const given = p.inputs[Input.ComposeEnv].map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  const env: Record<string, string> = { ...Object.fromEntries(given), HASHDOCK_IMAGE: localRef }
  const base = ['compose', '--project-name', name, '--project-directory', dirname(file), '--file', file]
  const trusted = p.inputs[Input.ComposeTrust] === 'host'
  if (!trusted) refuse(await fileReach(file, inTree))
  const config = await composeConfig(base, env)
  const services = Object.keys(config.services)

  const args = [...base]
  const service = p.inputs[Input.ComposeService]
  if (service) {
    if (!Object.hasOwn(config.services, service)) {
      throw new InputError(Input.ComposeService, `'${service}' is not a service of ${p.inputs[Input.ComposeFile]}; it has: ${services.join(', ')}`)
    }
    const override = join(workDir, 'compose.hashdock.yaml')
    await writeFile(override, overrideFor(service, config.services[service], localRef, platform), { mode: 0o644 })
    args.push('--file', override)
  }
  const final = service ? await composeConfig(args, env) : config
  if (!trusted) refuse(await hostReach(final, inTree))
  return { name, args, env, network: final.networks?.default?.name ?? `${name}_default`, services }
}

/** One line for the first refusal: what reaches the host, and the two ways out. */
function refuse(problems: string[]): void {
  if (!problems.length) return
  const more = problems.length > 1 ? ` (${problems.length - 1} more: ${problems.slice(1, 4).join('; ')}${problems.length > 4 ? '; …' : ''})` : ''
  throw new InputError(Input.ComposeFile, `${problems[0]}, which reaches the host; remove it or set ${Input.ComposeTrust}: host${more}`)
}

/** Starts the services of the user's compose file, unchanged but for the service that runs the built image. */
export async function startServices(p: Plan, localRef: string, tree: string, workDir: string, log: Log, platform?: string): Promise<ComposeProject> {
  const project = await prepareServices(p, localRef, tree, workDir, platform)
  const { args, env, services } = project
  const timeout = p.inputs[Input.WaitTimeout]
  log.info(`Starting ${services.join(', ')} (waiting up to ${timeout} s for them to be healthy)`)
  const up = await log.untrusted(() =>
    run('docker', [...args, 'up', '--detach', '--wait', '--wait-timeout', String(timeout), '--pull', 'missing'], {
      env,
      stream: true,
      allowFailure: true,
      untrustedFiles: true
    })
  )
  if (up.exitCode !== 0) {
    const why = await whyNotUp(project, up.stderr, timeout)
    await showLogs(project, log)
    await stopServices(project)
    throw new Error(why)
  }
  return project
}

/**
 * The service under test runs the image that was built, never a rebuild or a pull. Its host ports and
 * bind mounts go: ports would collide between parallel runs, and a bind mount of the checkout would
 * replace the code of the image under test.
 */
export function overrideFor(service: string, config: ComposeService, localRef: string, platform?: string): string {
  const doc = new Document({ services: { [service]: { image: localRef, pull_policy: 'never', ...(platform ? { platform } : {}) } } })
  const node = doc.getIn(['services', service], true) as { set(key: string, value: unknown): void }
  const reset = (value: unknown, tag: string): unknown => Object.assign(doc.createNode(value), { tag })
  node.set('build', reset(null, '!reset'))
  node.set('ports', reset([], '!reset'))
  const kept = (config.volumes ?? []).filter(v => v.type !== 'bind')
  node.set('volumes', reset(kept, '!override'))
  return doc.toString()
}

async function composeConfig(base: string[], env: Record<string, string>): Promise<ComposeConfig> {
  try {
    return JSON.parse(await output('docker', [...base, 'config', '--format', 'json'], { env, untrustedFiles: true })) as ComposeConfig
  } catch (error) {
    const why = error instanceof CommandError ? lastLine(error.stderr) : String(error)
    throw new InputError(Input.ComposeFile, why)
  }
}

/** Names the service that kept the project from coming up, with its health and last words. */
async function whyNotUp(project: ComposeProject, stderr: string, timeout: number): Promise<string> {
  const states = await serviceStates(project)
  const bad = states.find(s => s.Health === 'unhealthy') ?? states.find(s => s.Health === 'starting') ?? states.find(s => s.State !== 'running')
  if (!bad) return `compose-file: the services did not start: ${lastLine(stderr)}`
  const logs = await run('docker', [...project.args, 'logs', '--no-color', '--no-log-prefix', '--tail', '3', bad.Service], { env: project.env, allowFailure: true, untrustedFiles: true })
  const last = (logs.stdout || logs.stderr).split('\n').map(l => l.trim()).filter(Boolean).join(' | ')
  const health = bad.Health || 'no health check'
  return `compose-file: service '${bad.Service}' did not become healthy within ${timeout} s (wait-timeout): state ${bad.State}, health ${health}${bad.State === 'exited' ? `, exit ${bad.ExitCode}` : ''}; last log lines: ${last || '(none)'}`
}

async function serviceStates(project: ComposeProject): Promise<ServiceState[]> {
  const r = await run('docker', [...project.args, 'ps', '--all', '--format', 'json'], { env: project.env, allowFailure: true, untrustedFiles: true })
  const text = r.stdout.trim()
  if (!text) return []
  // Compose prints one object per line; older versions printed one array.
  return text.startsWith('[') ? (JSON.parse(text) as ServiceState[]) : text.split('\n').map(l => JSON.parse(l) as ServiceState)
}

/** Prints each service's log in its own group; the logs are the services', so never read as commands. */
export async function showLogs(project: ComposeProject, log: Log): Promise<void> {
  for (const service of project.services) {
    await log.group(`Logs of ${service}`, () =>
      log.untrusted(() =>
        run('docker', [...project.args, 'logs', '--no-color', '--timestamps', service], { env: project.env, stream: true, allowFailure: true, untrustedFiles: true })
      )
    )
  }
}

export async function stopServices(project: ComposeProject): Promise<void> {
  await run('docker', [...project.args, 'down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5'], { env: project.env, allowFailure: true, untrustedFiles: true })
}

/** The compose project name a run uses, for cleanup without its files. */
export const composeProjectName = (runId: string): string => `hashdock-${runId}`
