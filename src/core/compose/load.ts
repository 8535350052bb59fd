// A commit's compose files read as data, the way compose reads them: every YAML document, anchors and
// merge keys, includes and extends (inside the commit only), each project's .env, variables substituted.
// Nothing here runs compose: what it returns is only ever translated (see project.ts).
import { lstat, readFile, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { parseAllDocuments } from 'yaml'
import { interpolateAll, InterpolationError, type Variables } from './interpolate.js'
import { inside } from '../paths.js'

export type Json = Record<string, unknown>

/** A service as defined, with the directory its relative paths start from. */
export interface SourceService {
  def: Json
  /** The file that defined it, relative to the commit's root, for messages. */
  file: string
  dir: string
}

export interface SourceProject {
  services: Record<string, SourceService>
  networks: Record<string, Json>
  volumes: Record<string, Json>
  /** The variables of the top project (its .env under compose-env): `environment: [NAME]` reads them. */
  vars: Variables
}

/** A commit's compose file that cannot be read safely: the message names the file and what to do. */
export class ComposeReadError extends Error {}

/** Budgets on what a commit's compose files may make hashdock read. */
const MAX_FILE_BYTES = 1 << 20
const MAX_FILES = 32
const MAX_DEPTH = 8

export const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {})
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value])

/** A file of the commit read within a byte budget, symlinks followed only inside the commit: its text, or why not. */
export async function commitFile(inTree: (path: string) => Promise<boolean>, path: string, maxBytes: number): Promise<{ text: string } | { problem: string; missing: boolean }> {
  const stat = await lstat(path).catch(() => undefined)
  if (!stat) return { problem: 'is not a file of the commit', missing: true }
  if (stat.isSymbolicLink() && !(await inTree(path))) return { problem: 'is a symlink outside the commit', missing: false }
  const real = await realpath(path)
  const target = await lstat(real)
  if (!target.isFile()) return { problem: 'is not a file', missing: false }
  if (target.size > maxBytes) return { problem: `is larger than ${maxBytes >= 1 << 20 ? `${maxBytes >> 20} MiB` : `${maxBytes >> 10} KiB`}`, missing: false }
  return { text: await readFile(real, 'utf8') }
}

const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i

/** Reads `file` (a path of the commit, relative to `tree`) and everything it includes or extends. */
export async function loadProject(tree: string, file: string, given: Variables): Promise<SourceProject> {
  const reader = new Reader(tree)
  const path = join(tree, file)
  const vars = { ...(await reader.dotenv(dirname(path))), ...given }
  const project: SourceProject = { services: {}, networks: {}, volumes: {}, vars }
  await reader.project(path, vars, project, 0)
  return project
}

class Reader {
  private files = 0
  private readonly inTree: (path: string) => Promise<boolean>

  constructor(private readonly tree: string) {
    this.inTree = inside(tree)
  }

  private name(path: string): string {
    return relative(this.tree, path) || '.'
  }

  /** A path named by a file of the commit, made absolute and checked: a file of the commit, never the host's. */
  private async local(from: string, what: string, value: unknown, base: string): Promise<string> {
    if (typeof value !== 'string' || !value) throw new ComposeReadError(`${this.name(from)}: ${what} must be a path`)
    if (REMOTE.test(value)) throw new ComposeReadError(`${this.name(from)}: ${what} '${value}' is remote; hashdock reads only files of the commit`)
    const full = isAbsolute(value) ? value : resolve(base, value)
    if (!(await this.inTree(full))) throw new ComposeReadError(`${this.name(from)}: ${what} '${value}' is outside the commit`)
    return full
  }

  /** A file's text, within the budgets; a file that is not there is reported, never guessed at. */
  async text(path: string, what: string): Promise<string> {
    if (++this.files > MAX_FILES) throw new ComposeReadError(`more than ${MAX_FILES} files are included, extended or read; hashdock reads no more`)
    const file = await commitFile(this.inTree, path, MAX_FILE_BYTES)
    if ('problem' in file) throw new ComposeReadError(`${what} '${this.name(path)}' ${file.problem}`)
    return file.text
  }

  /** A project directory's .env, as compose reads it for interpolation: absent is empty. */
  async dotenv(dir: string): Promise<Variables> {
    const path = join(dir, '.env')
    if (!(await lstat(path).catch(() => undefined))) return {}
    return parseDotenv(await this.text(path, "the project's .env"))
  }

  /** Every document of a YAML file, merged in order as compose merges them, variables substituted. */
  private async yaml(path: string, vars: Variables): Promise<Json> {
    const text = await this.text(path, 'compose file')
    const docs = parseAllDocuments(text, { merge: true, uniqueKeys: true })
    if (!Array.isArray(docs)) throw new ComposeReadError(`${this.name(path)}: not YAML`)
    let merged: Json = {}
    for (const doc of docs) {
      const problem = doc.errors[0] ?? doc.warnings[0]
      if (problem) throw new ComposeReadError(`${this.name(path)}: cannot be read: ${problem.message.split('\n')[0]}`)
      let value: unknown
      try {
        value = doc.toJS({ maxAliasCount: 100 })
      } catch (error) {
        throw new ComposeReadError(`${this.name(path)}: cannot be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
      }
      if (value === null || value === undefined) continue
      if (typeof value !== 'object' || Array.isArray(value)) throw new ComposeReadError(`${this.name(path)}: a document is not a mapping`)
      merged = mergeProject(merged, value as Json)
    }
    try {
      return obj(interpolateAll(merged, vars))
    } catch (error) {
      if (error instanceof InterpolationError) throw new ComposeReadError(`${this.name(path)}: ${error.message}`)
      throw error
    }
  }

  /** A file's includes first, then its own services, networks and volumes, each name defined once. */
  async project(path: string, vars: Variables, into: SourceProject, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) throw new ComposeReadError(`${this.name(path)}: includes nest deeper than ${MAX_DEPTH}`)
    const doc = await this.yaml(path, vars)
    const base = dirname(path)
    for (const entry of list(doc.include)) {
      const e = typeof entry === 'string' ? { path: entry } : obj(entry)
      const paths = await Promise.all(list(e.path).map(p => this.local(path, 'include', p, base)))
      if (!paths.length) throw new ComposeReadError(`${this.name(path)}: an include names no file`)
      const dir = e.project_directory === undefined ? dirname(paths[0]) : await this.local(path, 'include project_directory', e.project_directory, base)
      let own: Variables = {}
      if (e.env_file === undefined) own = await this.dotenv(dir)
      for (const f of list(e.env_file)) own = { ...own, ...parseDotenv(await this.text(await this.local(path, 'include env_file', f, base), 'env_file')) }
      // The including project's variables win over the included project's own.
      for (const p of paths) await this.project(p, { ...own, ...vars }, into, depth + 1)
    }
    const services = obj(doc.services)
    for (const name of Object.keys(services)) {
      if (Object.hasOwn(into.services, name)) {
        throw new ComposeReadError(`service '${name}' is defined in both ${into.services[name].file} and ${this.name(path)}`)
      }
      into.services[name] = { def: await this.resolved(path, services, name, vars, depth, []), file: this.name(path), dir: base }
    }
    for (const kind of ['networks', 'volumes'] as const) {
      for (const [name, value] of Object.entries(obj(doc[kind]))) {
        if (Object.hasOwn(into[kind], name)) throw new ComposeReadError(`${kind.slice(0, -1)} '${name}' is defined twice (in ${this.name(path)})`)
        into[kind][name] = obj(value)
      }
    }
  }

  /** A service with what it extends merged under it; relative paths made absolute from the file that wrote them. */
  private async resolved(path: string, services: Json, name: string, vars: Variables, depth: number, seen: string[]): Promise<Json> {
    const key = `${path}#${name}`
    if (seen.includes(key)) throw new ComposeReadError(`${this.name(path)}: service '${name}' extends itself`)
    if (seen.length > MAX_DEPTH) throw new ComposeReadError(`${this.name(path)}: extends nest deeper than ${MAX_DEPTH}`)
    if (!Object.hasOwn(services, name)) throw new ComposeReadError(`${this.name(path)}: extends names service '${name}', which it does not define`)
    const def = absolutePaths(obj(services[name]), dirname(path))
    if (def.extends === undefined) return def
    const ext = typeof def.extends === 'string' ? { service: def.extends } : obj(def.extends)
    const { extends: _, ...rest } = def
    let from = path
    let fromServices = services
    if (ext.file !== undefined) {
      from = await this.local(path, `service '${name}' extends.file`, ext.file, dirname(path))
      fromServices = obj((await this.yaml(from, vars)).services)
    }
    const base = await this.resolved(from, fromServices, String(ext.service), vars, depth, [...seen, key])
    return mergeService(base, rest)
  }
}

/** Relative build contexts and env files of a service, made absolute from the directory of its file. */
function absolutePaths(def: Json, dir: string): Json {
  const out = { ...def }
  const abs = (p: unknown): unknown => (typeof p === 'string' && !REMOTE.test(p) && !isAbsolute(p) ? resolve(dir, p) : p)
  if (typeof out.build === 'string') out.build = { context: abs(out.build) }
  else if (out.build && typeof out.build === 'object') out.build = { ...obj(out.build), context: abs(obj(out.build).context ?? '.') }
  if (out.env_file !== undefined) out.env_file = list(out.env_file).map(f => (typeof f === 'string' ? abs(f) : { ...obj(f), path: abs(obj(f).path) }))
  return out
}

/** Later documents of a file override earlier ones, as compose's override files do. */
function mergeProject(a: Json, b: Json): Json {
  const out: Json = { ...a }
  for (const [key, value] of Object.entries(b)) {
    if (key === 'services') {
      const services = { ...obj(a.services) }
      for (const [name, def] of Object.entries(obj(value))) services[name] = Object.hasOwn(services, name) ? mergeService(obj(services[name]), obj(def)) : def
      out.services = services
    } else if (key === 'include') out.include = [...list(a.include), ...list(value)]
    else out[key] = deepMerge(a[key], value)
  }
  return out
}

/** Settings compose lists as KEY=VALUE lines or as a mapping: merged key by key. */
const KEYED = new Set(['environment', 'labels', 'annotations', 'sysctls'])
/** Lists compose merges by one field of each entry (a later entry for the same target wins). */
const BY_TARGET = new Set(['volumes'])

/** Compose's merge of an overriding service definition into a base one (extends, several documents). */
function mergeService(base: Json, over: Json): Json {
  const out: Json = { ...base }
  for (const [key, value] of Object.entries(over)) {
    if (!Object.hasOwn(base, key)) out[key] = value
    else if (key === 'command' || key === 'entrypoint' || key === 'image') out[key] = value
    else if (KEYED.has(key)) out[key] = { ...keyed(base[key]), ...keyed(value) }
    else if (key === 'depends_on' || key === 'networks') out[key] = { ...named(base[key]), ...named(value) }
    else if (BY_TARGET.has(key)) {
      const target = (v: unknown): string => (typeof v === 'string' ? (v.split(':')[1] ?? v) : String(obj(v).target))
      const later = list(value)
      out[key] = [...list(base[key]).filter(v => !later.some(w => target(w) === target(v))), ...later]
    } else out[key] = deepMerge(base[key], value)
  }
  return out
}

/** `[A=b, C]` or `{A: b}` as a mapping; a name without a value maps to null. */
export function keyed(value: unknown): Record<string, unknown> {
  if (!Array.isArray(value)) return { ...obj(value) }
  return Object.fromEntries(value.map(line => {
    const s = String(line)
    const at = s.indexOf('=')
    return at < 0 ? [s, null] : [s.slice(0, at), s.slice(at + 1)]
  }))
}

/** `[a, b]` or `{a: {...}}` as a mapping of names. */
export function named(value: unknown): Record<string, Json> {
  if (Array.isArray(value)) return Object.fromEntries(value.map(n => [String(n), {}]))
  return Object.fromEntries(Object.entries(obj(value)).map(([k, v]) => [k, obj(v)]))
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b.filter(v => !a.some(w => JSON.stringify(w) === JSON.stringify(v)))]
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Json = { ...(a as Json) }
    for (const [k, v] of Object.entries(b)) out[k] = Object.hasOwn(out, k) ? deepMerge(out[k], v) : v
    return out
  }
  return b
}
