// The project's own compose services, started beside the image under test and always torn down.
// Compose runs in a directory of the run's, with an environment and a docker configuration hashdock
// wrote: for an untrusted commit it sees only the project file hashdock wrote from the commit's.
import { lstat, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Document } from 'yaml'
import { ComposeReadError, loadProject } from '../compose/load.js'
import { ComposeRefusal, writeProject, type ServiceBuild } from '../compose/project.js'
import { Input, RUN_LABEL, runName } from '../constants.js'
import { CommandError, InputError, lastLine } from '../errors.js'
import type { ComposeTrust } from '../inputs.js'
import { inside } from '../paths.js'
import { credentialFreeConfig } from './docker-config.js'
import { output, run } from './exec.js'
import { ticking, type Log } from '../log.js'

/** What the plan decided about the integration tests' services. */
export interface ComposeSpec {
  /** The compose file, a path of the commit. */
  file: string
  /** The service that runs the image under test, or ''. */
  service: string
  trust: ComposeTrust
  /** compose-env: the variables the commit's files are interpolated with, beside HASHDOCK_IMAGE. */
  env: Record<string, string>
  waitTimeout: number
  runId: string
  /** The builder that builds the services' images, as it builds the tested one. */
  builder: string
}

export interface ComposeProject {
  name: string
  /** The arguments that select this project and its files, for every compose command. */
  args: string[]
  /** Compose's whole environment, and the run's directory it runs in. */
  composeEnv: Record<string, string>
  cwd: string
  /** The variables the integration container gets: compose-env and HASHDOCK_IMAGE. */
  env: Record<string, string>
  /** The project's default network, where the integration container joins the services. */
  network: string
  services: string[]
  /** Images hashdock builds, and pulls, before compose starts anything (an untrusted commit's project). */
  builds: ServiceBuild[]
  pulls: string[]
}

interface ComposeService {
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[]
}

interface ComposeConfig {
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
 * The project as it will run, the service under test given the built image. For an untrusted commit, a
 * project file of hashdock's own, translated from the commit's files read as data; for a trusted one,
 * the commit's file as compose reads it. Runs before the build too, so a refused file fails fast.
 */
export async function prepareServices(spec: ComposeSpec, localRef: string, tree: string, workDir: string, platform?: string): Promise<ComposeProject> {
  const file = join(tree, spec.file)
  if ((await lstat(file)).isSymbolicLink() || !(await inside(tree)(file))) {
    throw new InputError(Input.ComposeFile, `'${spec.file}' is a symlink in the commit; commit the compose file itself`)
  }
  const name = runName(spec.runId)
  const env: Record<string, string> = { ...spec.env, HASHDOCK_IMAGE: localRef }
  const dir = join(workDir, `compose${platform ? `-${platform.replace(/\W+/g, '-')}` : ''}`)
  await mkdir(dir, { recursive: true })
  return spec.trust === 'host' ? trustedProject(spec, name, env, file, dir, localRef, platform) : writtenProject(spec, name, env, tree, dir, localRef, platform)
}

async function writtenProject(spec: ComposeSpec, name: string, env: Record<string, string>, tree: string, dir: string, localRef: string, platform?: string): Promise<ComposeProject> {
  let written
  try {
    const source = await loadProject(tree, spec.file, env)
    if (spec.service && !Object.hasOwn(source.services, spec.service)) {
      throw new InputError(Input.ComposeService, `'${spec.service}' is not a service of ${spec.file}; it has: ${Object.keys(source.services).join(', ')}`)
    }
    written = await writeProject(source, { runId: spec.runId, project: name, tested: spec.service || undefined, localRef, platform, tree })
  } catch (error) {
    if (error instanceof ComposeRefusal) throw new InputError(Input.ComposeFile, `${error.message}; remove it, or set ${Input.ComposeTrust}: host for a trusted commit`)
    if (error instanceof ComposeReadError) throw new InputError(Input.ComposeFile, error.message)
    throw error
  }
  const projectFile = join(dir, 'compose.yaml')
  const envFile = join(dir, 'compose.env')
  await writeFile(projectFile, written.yaml, { mode: 0o644 })
  await writeFile(envFile, '', { mode: 0o644 })
  const args = ['compose', '--project-name', name, '--project-directory', dir, '--file', projectFile, '--env-file', envFile]
  const composeEnv = await composeEnvironment(dir, name, false)
  // Compose checks the file it will run: a value of the commit's it would refuse is one line, now.
  await composeConfig(args, composeEnv, dir)
  return { name, args, composeEnv, cwd: dir, env, network: `${name}_default`, services: written.services, builds: written.builds, pulls: written.pulls }
}

async function trustedProject(spec: ComposeSpec, name: string, env: Record<string, string>, file: string, dir: string, localRef: string, platform?: string): Promise<ComposeProject> {
  const base = ['compose', '--project-name', name, '--project-directory', dirname(file), '--file', file]
  const composeEnv = { ...(await composeEnvironment(dir, name, true)), ...env }
  const config = await composeConfig(base, composeEnv, dir)
  const services = Object.keys(config.services)
  const args = [...base]
  if (spec.service) {
    if (!Object.hasOwn(config.services, spec.service)) {
      throw new InputError(Input.ComposeService, `'${spec.service}' is not a service of ${spec.file}; it has: ${services.join(', ')}`)
    }
    const override = join(dir, 'compose.hashdock.yaml')
    await writeFile(override, overrideFor(spec.service, config.services[spec.service], localRef, platform), { mode: 0o644 })
    args.push('--file', override)
  }
  const final = spec.service ? await composeConfig(args, composeEnv, dir) : config
  return { name, args, composeEnv, cwd: dir, env, network: final.networks?.default?.name ?? `${name}_default`, services, builds: [], pulls: [] }
}

/**
 * Every variable compose, the docker CLI and git read, set by hashdock. An untrusted project gets a
 * docker configuration with no credentials at all (images are built and pulled by hashdock first);
 * a trusted one the run's own, so compose can build and pull as the commit asks.
 */
async function composeEnvironment(dir: string, name: string, trusted: boolean): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    COMPOSE_PROJECT_NAME: name,
    COMPOSE_FILE: '',
    COMPOSE_ENV_FILES: '',
    COMPOSE_PROFILES: '',
    COMPOSE_PATH_SEPARATOR: ':',
    COMPOSE_EXPERIMENTAL_GIT_REMOTE: 'false',
    COMPOSE_EXPERIMENTAL_OCI_REMOTE: 'false',
    COMPOSE_REMOVE_ORPHANS: 'false',
    COMPOSE_IGNORE_ORPHANS: 'false',
    COMPOSE_CONVERT_WINDOWS_PATHS: 'false',
    COMPOSE_ANSI: 'never',
    COMPOSE_MENU: 'false',
    COMPOSE_STATUS_STDOUT: 'false',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_SSH_COMMAND: 'false',
    GIT_ASKPASS: 'false',
    SSH_ASKPASS: 'false'
  }
  if (!trusted) {
    env.DOCKER_CONFIG = await credentialFreeConfig(join(dir, 'docker-config'))
    env.COMPOSE_BAKE = 'false'
  }
  return env
}

/** One line for a file compose refuses, in compose's own words. */
async function composeConfig(base: string[], env: Record<string, string>, cwd: string): Promise<ComposeConfig> {
  try {
    return JSON.parse(await output('docker', [...base, 'config', '--format', 'json'], { env, cwd, untrustedFiles: true })) as ComposeConfig
  } catch (error) {
    const why = error instanceof CommandError ? lastLine(error.stderr) : String(error)
    throw new InputError(Input.ComposeFile, why)
  }
}

const compose = (project: ComposeProject, args: string[], options: { stream?: boolean } = {}) =>
  run('docker', [...project.args, ...args], { env: project.composeEnv, cwd: project.cwd, allowFailure: true, untrustedFiles: true, ...options })

/** Starts the services: images hashdock builds and pulls first, then compose, which neither builds nor pulls. */
export async function startServices(spec: ComposeSpec, localRef: string, tree: string, workDir: string, log: Log, platform?: string): Promise<ComposeProject> {
  const project = await prepareServices(spec, localRef, tree, workDir, platform)
  for (const build of project.builds) {
    await log.untrusted(() => buildService(build, spec, log))
  }
  for (const image of project.pulls) await pullIfMissing(image, log)
  const timeout = spec.waitTimeout
  log.info(`Starting ${project.services.join(', ')} (waiting up to ${timeout} s for them to be healthy)`)
  const pull = spec.trust === 'host' ? 'missing' : 'never'
  const waiting = (seconds: number): string => `Waiting for ${project.services.join(', ')} to be healthy: ${Math.max(timeout - seconds, 0)} s left`
  const up = await ticking(log, waiting, () =>
    log.untrusted(() => compose(project, ['up', '--detach', '--wait', '--wait-timeout', String(timeout), '--pull', pull], { stream: true }))
  )
  if (up.exitCode !== 0) {
    const why = await whyNotUp(project, up.stderr, timeout)
    await showLogs(project, log)
    await stopServices(project)
    throw new Error(why)
  }
  return project
}

/** A service's image, built as the tested one is: the run's builder, one name of the run's, its label, no cache export. */
async function buildService(build: ServiceBuild, spec: ComposeSpec, log: Log): Promise<void> {
  log.info(`Building the image of service ${build.service}`)
  const r = await run('docker', serviceBuildArgs(build, spec.builder, spec.runId), { stream: true, allowFailure: true })
  if (r.exitCode !== 0) throw new Error(`compose-file: the image of service '${build.service}' did not build: ${lastLine(r.stderr)}`)
}

/** The buildx arguments of a service's image. */
export function serviceBuildArgs(build: ServiceBuild, builder: string, runId: string): string[] {
  return [
    'buildx', 'build', '--builder', builder, '--progress', 'plain', '--provenance=false', '--sbom=false',
    '--file', build.dockerfile,
    ...Object.entries(build.args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...(build.target ? ['--target', build.target] : []),
    '--label', `${RUN_LABEL}=${runId}`,
    '--tag', build.image, '--load',
    build.context
  ]
}

/** A service's image the engine does not hold yet, pulled with the run's login: compose itself has none. */
async function pullIfMissing(image: string, log: Log): Promise<void> {
  if ((await run('docker', ['image', 'inspect', '--format', '{{.Id}}', '--', image], { allowFailure: true })).exitCode === 0) return
  log.info(`Pulling ${image}`)
  const r = await log.untrusted(() => run('docker', ['pull', '--quiet', '--', image], { allowFailure: true }))
  if (r.exitCode !== 0) throw new Error(`compose-file: the image ${image} could not be pulled: ${lastLine(r.stderr)}`)
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

/** Names the service that kept the project from coming up, with its health and last words. */
async function whyNotUp(project: ComposeProject, stderr: string, timeout: number): Promise<string> {
  const states = await serviceStates(project)
  const bad = states.find(s => s.Health === 'unhealthy') ?? states.find(s => s.Health === 'starting') ?? states.find(s => s.State !== 'running')
  if (!bad) return `compose-file: the services did not start: ${lastLine(stderr)}`
  const logs = await compose(project, ['logs', '--no-color', '--no-log-prefix', '--tail', '3', '--', bad.Service])
  const last = (logs.stdout || logs.stderr).split('\n').map(l => l.trim()).filter(Boolean).join(' | ')
  const health = bad.Health || 'no health check'
  return `compose-file: service '${bad.Service}' did not become healthy within ${timeout} s (wait-timeout): state ${bad.State}, health ${health}${bad.State === 'exited' ? `, exit ${bad.ExitCode}` : ''}; last log lines: ${last || '(none)'}`
}

async function serviceStates(project: ComposeProject): Promise<ServiceState[]> {
  const text = (await compose(project, ['ps', '--all', '--format', 'json'])).stdout.trim()
  if (!text) return []
  // Compose prints one object per line; older versions printed one array.
  return text.startsWith('[') ? (JSON.parse(text) as ServiceState[]) : text.split('\n').map(l => JSON.parse(l) as ServiceState)
}

/** Prints each service's log in its own group; the logs are the services', so never read as commands. */
export async function showLogs(project: ComposeProject, log: Log): Promise<void> {
  for (const service of project.services) {
    await log.group(`Logs of ${service}`, () => log.untrusted(() => compose(project, ['logs', '--no-color', '--timestamps', '--', service], { stream: true })))
  }
}

export async function stopServices(project: ComposeProject): Promise<void> {
  await compose(project, ['down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5'])
}

