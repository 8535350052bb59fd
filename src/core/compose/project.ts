// The compose project hashdock writes for an untrusted commit: only what integration tests need, taken
// from the commit's files by an allow-list, every name scoped to the run. Compose never sees the commit's files.
import { isAbsolute, join, relative } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { stringify } from 'yaml'
import { RUN_LABEL } from '../constants.js'
import { commitFile, keyed, list, named, obj, type Json, type SourceProject, type SourceService } from './load.js'
import { inside } from '../paths.js'

/** A setting of the commit's compose file that hashdock does not hand to compose. */
export class ComposeRefusal extends Error {}

/** An image a service builds: hashdock builds it, under the run's name, with the run's builder. */
export interface ServiceBuild {
  service: string
  /** The name the image gets, and the only one. */
  image: string
  context: string
  dockerfile: string
  args: Record<string, string>
  target?: string
}

export interface WrittenProject {
  /** The project file's text. */
  yaml: string
  services: string[]
  builds: ServiceBuild[]
  /** Images the services run that the engine may not hold yet: pulled by hashdock, never by compose. */
  pulls: string[]
}

export interface ProjectOptions {
  runId: string
  /** The compose project's name: the images hashdock builds for services are named after it. */
  project: string
  /** The service that runs the image under test, if any: it gets the built image, no build, no host ports, no bind mounts. */
  tested?: string
  localRef: string
  platform?: string
  tree: string
}

/** Service names compose accepts; anything else (`--follow`, say) is never a name on a command line. */
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/
const PLAIN_SCALAR = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
const ENV_FILE_MAX = 256 << 10
/** An image reference as the engine reads one: never an option, never two words. */
const IMAGE = /^[a-zA-Z0-9][\w./:@-]{0,511}$/

/**
 * Translates what the commit's files define into a project file of hashdock's own. Settings outside the
 * allow-list are refused (one message naming the service and the key); `x-` extensions are dropped.
 */
export async function writeProject(source: SourceProject, options: ProjectOptions): Promise<WrittenProject> {
  const inTree = inside(options.tree)
  const runLabel = { [RUN_LABEL]: options.runId }
  const scoped = (name: string): string => `${options.project}-${name.toLowerCase()}`
  const networks = Object.keys(source.networks)
  const volumes = Object.keys(source.volumes)
  const services: Record<string, Json> = {}
  const builds: ServiceBuild[] = []
  const pulls = new Set<string>()

  // A service with profiles is left out, as compose leaves it when no profile is active.
  const active = Object.entries(source.services).filter(([name, s]) => name === options.tested || !list(s.def.profiles).length)
  const names = active.map(([name]) => name)
  for (const [name, service] of active) {
    if (!SERVICE_NAME.test(name)) throw new ComposeRefusal(`the service name '${name.slice(0, 64)}' is not one compose accepts (letters, digits, '.', '_', '-')`)
    const out = await translateService(name, service, { ...options, inTree, names, networks, volumes, vars: source.vars })
    out.labels = { ...obj(out.labels), ...runLabel }
    if (name === options.tested) {
      out.image = options.localRef
      if (options.platform) out.platform = options.platform
    } else if (service.def.build !== undefined) {
      const build = await serviceBuild(name, service, inTree, scoped(name))
      builds.push(build)
      out.image = build.image
    } else {
      if (typeof service.def.image !== 'string' || !IMAGE.test(service.def.image)) throw refusal(name, `image ${JSON.stringify(service.def.image ?? null)}`, 'an image reference')
      out.image = service.def.image
      pulls.add(service.def.image)
    }
    out.pull_policy = 'never'
    services[name] = out
  }
  const top = (kind: 'networks' | 'volumes', allowed: string[]): Json => {
    const out: Json = {}
    for (const [name, def] of Object.entries(source[kind])) {
      const what = `${kind.slice(0, -1)} '${name}'`
      for (const key of Object.keys(def)) {
        if (key.startsWith('x-') || key === 'name') continue // a name of the commit's own would reach outside the run
        if (!allowed.includes(key)) throw new ComposeRefusal(`${what} sets ${key}, which hashdock does not pass to compose for an untrusted commit`)
      }
      if (def.driver !== undefined && def.driver !== (kind === 'networks' ? 'bridge' : 'local')) throw new ComposeRefusal(`${what} sets driver ${String(def.driver)}, which hashdock does not pass to compose for an untrusted commit`)
      out[name] = { ...pick(def, ['internal', 'enable_ipv6', 'attachable']), labels: { ...keyed(def.labels), ...runLabel } }
    }
    return out
  }
  const project = {
    services,
    networks: { default: { labels: runLabel }, ...top('networks', ['driver', 'internal', 'enable_ipv6', 'attachable', 'labels']) },
    volumes: top('volumes', ['driver', 'labels'])
  }
  return { yaml: stringify(literal(project), { aliasDuplicateObjects: false }), services: names, builds, pulls: [...pulls] }
}

interface ServiceContext extends ProjectOptions {
  inTree: (path: string) => Promise<boolean>
  names: string[]
  networks: string[]
  volumes: string[]
  vars: Record<string, string>
}

const refusal = (service: string, setting: string, what = ''): ComposeRefusal =>
  new ComposeRefusal(`service '${service}' sets ${setting}, which hashdock does not pass to compose for an untrusted commit${what ? ` (${what})` : ''}`)

/** Keys copied as they are, once their value has the shape compose expects. */
const SCALARS = ['working_dir', 'user', 'hostname', 'domainname', 'stop_signal', 'stop_grace_period', 'restart', 'init', 'read_only', 'tty', 'stdin_open', 'shm_size', 'platform', 'mem_limit', 'cpus']
/** Keys hashdock reads itself, or decides itself. */
const HANDLED = ['image', 'build', 'pull_policy', 'profiles', 'command', 'entrypoint', 'environment', 'env_file', 'healthcheck', 'depends_on', 'networks', 'volumes', 'tmpfs', 'ports', 'expose', 'labels', 'extra_hosts', 'cap_drop', 'security_opt', 'ulimits']

async function translateService(name: string, service: SourceService, c: ServiceContext): Promise<Json> {
  const s = service.def
  const tested = name === c.tested
  for (const key of Object.keys(s)) {
    if (key.startsWith('x-') || SCALARS.includes(key) || HANDLED.includes(key)) continue
    throw refusal(name, key)
  }
  const out: Json = {}
  for (const key of SCALARS) {
    if (s[key] === undefined) continue
    if (!PLAIN_SCALAR(s[key])) throw refusal(name, key, 'not a plain value')
    out[key] = s[key]
  }
  for (const key of ['command', 'entrypoint'] as const) {
    if (s[key] === undefined || s[key] === null) continue
    if (typeof s[key] !== 'string' && !(Array.isArray(s[key]) && s[key].every(PLAIN_SCALAR))) throw refusal(name, key, 'a string or a list of strings')
    out[key] = Array.isArray(s[key]) ? s[key].map(String) : s[key]
  }

  // Files of the commit first, then the service's own environment; `NAME` alone reads the project's variables.
  const env: Record<string, string> = {}
  for (const entry of list(s.env_file)) {
    const e = typeof entry === 'string' ? { path: entry } : obj(entry)
    const path = String(e.path)
    if (!isAbsolute(path) || !(await c.inTree(path))) throw refusal(name, `env_file '${relative(c.tree, path)}'`, 'a file outside the commit')
    const file = await commitFile(c.inTree, path, ENV_FILE_MAX)
    if ('problem' in file) {
      if (file.missing && e.required === false) continue
      throw refusal(name, `env_file '${relative(c.tree, path)}'`, file.problem.replace(/^is /, ''))
    }
    Object.assign(env, parseDotenv(file.text))
  }
  for (const [key, value] of Object.entries(keyed(s.environment))) {
    if (value === null || value === undefined) {
      if (Object.hasOwn(c.vars, key)) env[key] = c.vars[key]
    } else if (PLAIN_SCALAR(value)) env[key] = String(value)
    else throw refusal(name, `environment.${key}`, 'not a plain value')
  }
  if (Object.keys(env).length) out.environment = env

  const labels = keyed(s.labels)
  for (const [key, value] of Object.entries(labels)) {
    if (/^(com\.docker\.|dev\.hashdock\.)/.test(key)) throw refusal(name, `label ${key}`, "a label of compose's or hashdock's own")
    if (!PLAIN_SCALAR(value)) throw refusal(name, `label ${key}`, 'not a plain value')
  }
  if (Object.keys(labels).length) out.labels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]))

  if (s.healthcheck !== undefined) {
    const h = obj(s.healthcheck)
    for (const key of Object.keys(h)) if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'].includes(key)) throw refusal(name, `healthcheck.${key}`)
    out.healthcheck = h
  }
  if (s.depends_on !== undefined) {
    const deps = named(s.depends_on)
    for (const [dep, d] of Object.entries(deps)) {
      if (!c.names.includes(dep)) throw refusal(name, `depends_on ${dep}`, 'not a service of the project')
      for (const key of Object.keys(d)) if (!['condition', 'restart', 'required'].includes(key)) throw refusal(name, `depends_on.${dep}.${key}`)
    }
    out.depends_on = Object.fromEntries(Object.entries(deps).map(([dep, d]) => [dep, { condition: 'service_started', ...d }]))
  }
  if (s.networks !== undefined) {
    const nets = named(s.networks)
    for (const [net, n] of Object.entries(nets)) {
      if (net !== 'default' && !c.networks.includes(net)) throw refusal(name, `networks ${net}`, 'not a network of the project')
      for (const key of Object.keys(n)) if (key !== 'aliases') throw refusal(name, `networks.${net}.${key}`)
    }
    out.networks = nets
  }

  const mounts: Json[] = []
  for (const v of list(s.volumes)) {
    const mount = volumeOf(v)
    if (mount.type === 'volume' && (mount.source === undefined || c.volumes.includes(String(mount.source)))) mounts.push(mount)
    else if (mount.type === 'tmpfs') mounts.push(mount)
    // The service under test runs the image's own code: a bind mount of the checkout would replace it.
    else if (!tested) throw refusal(name, `volumes: ${typeof v === 'string' ? v : `a ${String(mount.type)} mount of ${String(mount.source)}`}`, 'only volumes of the project and tmpfs')
  }
  if (mounts.length) out.volumes = mounts
  if (s.tmpfs !== undefined) out.tmpfs = list(s.tmpfs).map(String)

  // Host ports only on the loopback interface, each on a port the engine picks: parallel runs never collide.
  if (!tested && s.ports !== undefined) out.ports = list(s.ports).map(p => portOf(name, p))
  if (s.expose !== undefined) out.expose = list(s.expose).map(String)
  if (s.extra_hosts !== undefined) {
    const hosts = Array.isArray(s.extra_hosts) ? s.extra_hosts.map(String) : Object.entries(obj(s.extra_hosts)).map(([h, ip]) => `${h}=${String(ip)}`)
    out.extra_hosts = hosts
  }
  if (s.cap_drop !== undefined) out.cap_drop = list(s.cap_drop).map(String)
  for (const opt of list(s.security_opt)) {
    if (!/^no-new-privileges([:=]true)?$/.test(String(opt))) throw refusal(name, `security_opt: ${String(opt)}`, 'only no-new-privileges')
  }
  if (s.security_opt !== undefined) out.security_opt = list(s.security_opt).map(String)
  if (s.ulimits !== undefined) out.ulimits = s.ulimits
  return out
}

/** A mount in compose's long form; the short form `source:target[:mode]` read as compose reads it. */
function volumeOf(v: unknown): Json {
  if (typeof v !== 'string') {
    const m = obj(v)
    return { ...pick(m, ['type', 'source', 'target', 'read_only']), ...(m.volume ? { volume: pick(obj(m.volume), ['nocopy']) } : {}), ...(m.tmpfs ? { tmpfs: pick(obj(m.tmpfs), ['size', 'mode']) } : {}) }
  }
  const parts = v.split(':')
  if (parts.length === 1) return { type: 'volume', target: parts[0] }
  const [source, target, mode] = parts
  const bind = /^[./~]/.test(source) || source.includes('/')
  return { type: bind ? 'bind' : 'volume', source, target, ...(mode?.split(',').includes('ro') ? { read_only: true } : {}) }
}

/** A published port, bound to loopback with the host's port left to the engine. */
function portOf(service: string, p: unknown): Json {
  if (typeof p === 'number') return { target: p, host_ip: '127.0.0.1' }
  if (typeof p === 'string') {
    const m = /^(?:[^:]*:)*?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(p)
    if (!m) throw refusal(service, `ports: ${p}`, 'one container port each')
    return { target: Number(m[1]), host_ip: '127.0.0.1', ...(m[2] ? { protocol: m[2] } : {}) }
  }
  const port = obj(p)
  const target = Number(port.target)
  if (!Number.isInteger(target)) throw refusal(service, 'ports', 'one container port each')
  return { target, host_ip: '127.0.0.1', ...(typeof port.protocol === 'string' ? { protocol: port.protocol } : {}) }
}

/** What hashdock builds for a service: a context and Dockerfile of the commit, build arguments, a target. */
async function serviceBuild(name: string, service: SourceService, inTree: (path: string) => Promise<boolean>, image: string): Promise<ServiceBuild> {
  const b = obj(service.def.build)
  for (const key of Object.keys(b)) {
    if (!['context', 'dockerfile', 'args', 'target'].includes(key) && !key.startsWith('x-')) throw refusal(name, `build.${key}`, 'hashdock builds the service from context, dockerfile, args and target')
  }
  const context = String(b.context)
  if (!isAbsolute(context) || !(await inTree(context))) throw refusal(name, `build.context ${context}`, 'a directory outside the commit')
  const dockerfile = join(context, typeof b.dockerfile === 'string' ? b.dockerfile : 'Dockerfile')
  if (!(await inTree(dockerfile))) throw refusal(name, `build.dockerfile ${String(b.dockerfile)}`, 'a file outside the commit')
  const args: Record<string, string> = {}
  for (const [key, value] of Object.entries(keyed(b.args))) if (value !== null && value !== undefined) args[key] = String(value)
  if (b.target !== undefined && (typeof b.target !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(b.target))) throw refusal(name, 'build.target', 'a stage name')
  return { service: name, image, context, dockerfile, args, ...(typeof b.target === 'string' ? { target: b.target } : {}) }
}

/** Every string with `$` doubled: the values are final, and compose must not substitute them again. */
function literal(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$')
  if (Array.isArray(value)) return value.map(literal)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v)]))
  return value
}

const pick = (o: Json, keys: string[]): Json => Object.fromEntries(keys.filter(k => o[k] !== undefined).map(k => [k, o[k]]))
