// What a commit's compose file may ask of the engine: nothing that reaches the host, unless the caller trusts the commit.
import { lstat, readFile, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { parse } from 'yaml'

type Json = Record<string, unknown>

/** Compose's normalized configuration (`docker compose config --format json`), as far as the policy reads it. */
export interface ComposeJson {
  services?: Record<string, object>
  networks?: Record<string, object>
  volumes?: Record<string, object>
  secrets?: Record<string, object>
  configs?: Record<string, object>
}

const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {})
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value])
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))

/** Namespaces a service may share only with another service of the project. */
const SHARED_NAMESPACES = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode', 'cgroup']
/** Settings that, whatever their value, hand a container something of the host's. */
const HOST_SETTINGS = ['cap_add', 'devices', 'device_cgroup_rules', 'cgroup_parent', 'gpus', 'external_links', 'use_api_socket', 'provider', 'runtime']

/**
 * Every setting of the normalized configuration that reaches beyond the project's own containers,
 * networks and volumes, as "service 'x' sets …" phrases. Paths must lie inside `tree` (compose has
 * already made them absolute); `inTree` decides, following symlinks.
 */
export async function hostReach(config: ComposeJson, inTree: (path: string) => Promise<boolean>): Promise<string[]> {
  const problems: string[] = []
  const services = obj(config.services)
  const isService = (name: string): boolean => Object.hasOwn(services, name)
  const path = async (what: string, value: unknown): Promise<void> => {
    // A remote build context (git or https URL) is fetched by the builder, never read from the host.
    if (typeof value !== 'string' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('git@')) return
    if (!(await inTree(value))) problems.push(`${what}: ${value} outside the commit`)
  }

  for (const [name, raw] of Object.entries(services)) {
    const s = obj(raw)
    const sets = (setting: string): string => `service '${name}' sets ${setting}`
    if (s.privileged === true) problems.push(sets('privileged: true'))
    for (const key of SHARED_NAMESPACES) {
      const value = s[key]
      if (typeof value !== 'string' || !value) continue
      const other = /^service:(.+)$/.exec(value)?.[1]
      const own = (other !== undefined && isService(other)) || value === 'none' || value === 'private' || value === 'shareable' || value === 'bridge' || (key === 'network_mode' && value === 'default')
      if (!own) problems.push(sets(`${key}: ${value}`))
    }
    for (const key of HOST_SETTINGS) {
      const value = s[key]
      if (value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0)) continue
      problems.push(sets(`${key}: ${text(value)}`))
    }
    for (const opt of list(s.security_opt)) {
      if (/unconfined|disable/i.test(text(opt))) problems.push(sets(`security_opt: ${text(opt)}`))
    }
    for (const from of list(s.volumes_from)) {
      const source = text(from).replace(/:(ro|rw)$/, '')
      const other = source.startsWith('container:') ? undefined : source.replace(/^service:/, '')
      if (other === undefined || !isService(other)) problems.push(sets(`volumes_from: ${text(from)}`))
    }
    for (const v of list(s.volumes)) {
      const volume = obj(v)
      if (volume.type === 'bind' || volume.type === 'npipe' || volume.type === 'cluster') {
        problems.push(sets(`volumes: a ${volume.type} mount of ${text(volume.source)}`))
      }
    }
    for (const hook of [...list(s.post_start), ...list(s.pre_stop)]) {
      if (obj(hook).privileged === true) problems.push(sets('a privileged lifecycle hook'))
    }
    for (const file of [...list(s.env_file), ...list(s.label_file)]) await path(sets('env_file'), obj(file).path ?? file)

    if (s.build !== undefined) {
      const build = typeof s.build === 'string' ? { context: s.build } : obj(s.build)
      await path(sets('build.context'), build.context)
      const dockerfile = build.dockerfile
      if (typeof dockerfile === 'string' && typeof build.context === 'string' && !/^[a-z]+:\/\//i.test(build.context)) {
        await path(sets('build.dockerfile'), resolve(build.context, dockerfile))
      }
      for (const [key, value] of Object.entries(obj(build.additional_contexts))) {
        // Another service's image or a registry image is no host path.
        if (typeof value === 'string' && !/^(service|docker-image|target|oci-layout):/.test(value)) await path(sets(`build.additional_contexts.${key}`), value)
      }
      if (build.network === 'host') problems.push(sets('build.network: host'))
      if (build.privileged === true) problems.push(sets('build.privileged: true'))
      if (list(build.ssh).length) problems.push(sets(`build.ssh: ${text(build.ssh)}`))
      if (list(build.entitlements).length) problems.push(sets(`build.entitlements: ${text(build.entitlements)}`))
    }
  }

  for (const [name, raw] of Object.entries(obj(config.networks))) {
    const n = obj(raw)
    const about = `network '${name}'`
    if (n.external === true || obj(n.external).name) problems.push(`${about} is external, outside the project`)
    if (n.name === 'host' || n.name === 'bridge' || n.name === 'none') problems.push(`${about} is named ${n.name}, one of the engine's own networks`)
    if (n.driver !== undefined && n.driver !== 'bridge') problems.push(`${about} uses the ${text(n.driver)} driver`)
    if (Object.keys(obj(n.driver_opts)).length) problems.push(`${about} sets driver_opts ${text(n.driver_opts)}`)
  }
  for (const [name, raw] of Object.entries(obj(config.volumes))) {
    const v = obj(raw)
    const about = `volume '${name}'`
    if (v.external === true || obj(v.external).name) problems.push(`${about} is external, outside the project`)
    if (v.driver !== undefined && v.driver !== 'local') problems.push(`${about} uses the ${text(v.driver)} driver`)
    const opts = obj(v.driver_opts)
    // Only a tmpfs is a volume of the engine's own; a bind, a device or a network file system is the host's.
    const tmpfs = opts.type === 'tmpfs' && (opts.device === undefined || opts.device === 'tmpfs')
    if (Object.keys(opts).length && (!tmpfs || /bind/.test(text(opts.o ?? '')))) {
      problems.push(`${about} sets driver_opts ${text(opts)}, which mounts a host path or device`)
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    for (const [name, raw] of Object.entries(obj(config[kind]))) {
      const entry = obj(raw)
      if (entry.external === true) problems.push(`${kind.slice(0, -1)} '${name}' is external, outside the project`)
      await path(`${kind.slice(0, -1)} '${name}' reads file`, entry.file)
    }
  }
  return problems
}

/**
 * Compose reads env_file, label_file, include and extends files while it builds the normalized
 * configuration, so those are checked in the file itself first, and in every file it includes.
 */
export async function fileReach(file: string, inTree: (path: string) => Promise<boolean>, depth = 0): Promise<string[]> {
  const problems: string[] = []
  let doc: Json
  try {
    doc = obj(parse(await readFile(file, 'utf8')))
  } catch {
    return [] // compose itself reports a file it cannot read
  }
  const base = dirname(file)
  // Compose reads the project directory's .env for interpolation: a symlink there would read a host file.
  // join, not resolve: the bundler reads resolve() against its own working directory and would turn
  // the path into one of the bundle's assets whenever some dependency ships a .env file.
  const dotenv = join(base, '.env')
  if (depth === 0 && (await exists(dotenv)) && !(await inTree(dotenv))) {
    problems.push(`the project's .env: it is a symlink outside the commit`)
  }
  const check = async (what: string, value: unknown): Promise<boolean> => {
    if (typeof value !== 'string') return false
    if (value.includes('$')) {
      problems.push(`${what}: ${value} is interpolated; name a file of the commit`)
      return false
    }
    const full = isAbsolute(value) ? value : resolve(base, value)
    if (!(await inTree(full))) {
      problems.push(`${what}: ${value} outside the commit`)
      return false
    }
    return true
  }
  const follow = async (path: string): Promise<void> => {
    if (depth < 8) problems.push(...(await fileReach(isAbsolute(path) ? path : resolve(base, path), inTree, depth + 1)))
  }
  for (const entry of list(doc.include)) {
    const e = typeof entry === 'string' ? { path: entry } : obj(entry)
    for (const p of list(e.path)) if (await check('include', p)) await follow(p as string)
    for (const p of list(e.env_file)) await check('include env_file', p)
    if (e.project_directory !== undefined) await check('include project_directory', e.project_directory)
  }
  for (const [name, raw] of Object.entries(obj(doc.services))) {
    const s = obj(raw)
    const sets = (setting: string): string => `service '${name}' sets ${setting}`
    for (const f of [...list(s.env_file), ...list(s.label_file)]) await check(sets('env_file'), typeof f === 'string' ? f : obj(f).path)
    const extended = obj(s.extends).file
    if (await check(sets('extends.file'), extended)) await follow(extended as string)
  }
  return problems
}

/** Whether a path, symlinks followed, lies inside `root`; a path that does not exist yet is judged by its nearest existing parent. */
export function inside(root: string): (path: string) => Promise<boolean> {
  const rootReal = realpath(root)
  return async path => {
    const top = await rootReal
    let probe = resolve(path)
    let rest = ''
    for (;;) {
      try {
        const real = await realpath(probe)
        const full = rest ? resolve(real, rest) : real
        return full === top || full.startsWith(top + sep)
      } catch {
        const parent = dirname(probe)
        if (parent === probe) return false
        rest = rest ? `${probe.slice(parent.length + 1)}${sep}${rest}` : probe.slice(parent.length + 1)
        probe = parent
      }
    }
  }
}

const exists = (path: string): Promise<boolean> => lstat(path).then(
  () => true,
  () => false
)
