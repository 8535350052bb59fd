// The inputs users bring from docker/build-push-action (secrets, SSH, extra contexts, labels, the
// builder's run options) and the registry logins, each line checked as parsed.
import { posix } from 'node:path'
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { registryOf, repositoryProblem } from './image-ref.js'

export interface RegistryLogin {
  registry: string
  username: string
  /** Never logged, never in an argument list: docker login reads it from standard input. */
  password: string
  /** The input it came from, for errors: registry-password or registry-logins. */
  from: Input.RegistryPassword | Input.RegistryLogins
}

/** A BuildKit secret: where its value comes from. The value itself is never part of an argument list. */
export type Secret = { id: string; value: string } | { id: string; file: string } | { id: string; env: string }

/** A named build context: a directory of the commit, or an image. */
export type NamedContext = { name: string; path: string } | { name: string; image: string }

const NETWORKS = ['default', 'none', 'host'] as const

/** One `KEY=VALUE` (or `KEY:VALUE`) line, split at the first separator. */
function split(name: Input, line: string, what: string, separators = '='): [string, string] {
  const at = [...separators].map(s => line.indexOf(s)).filter(i => i > 0)
  if (!at.length) throw new InputError(name, `'${what}' is not ${separators === '=' ? 'KEY=VALUE' : 'NAME=VALUE'}; write one per line`)
  const i = Math.min(...at)
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()]
}

const ID = /^[A-Za-z0-9_.-]+$/

function id(name: Input, value: string): string {
  if (!ID.test(value)) throw new InputError(name, `'${value}' is not an id (letters, digits, '.', '_', '-')`)
  return value
}

/** `registry=username:password` lines; the registry may be given as any image of it (ghcr.io/acme/app). */
export function registryLogins(lines: string[]): RegistryLogin[] {
  const logins: RegistryLogin[] = []
  for (const line of lines) {
    const eq = line.indexOf('=')
    const colon = line.indexOf(':', eq + 1)
    // Never quote the line: it holds a password.
    if (eq <= 0 || colon < 0 || colon === eq + 1 || colon === line.length - 1) {
      throw new InputError(Input.RegistryLogins, `line ${logins.length + 1} is not registry=username:password`)
    }
    const host = line.slice(0, eq).trim()
    const registry = host.includes('/') ? registryOf(host) : host
    if (!/^[\w.-]+(:\d+)?$/.test(registry)) throw new InputError(Input.RegistryLogins, `'${host}' is not a registry host (e.g. ghcr.io or docker.io)`)
    if (logins.some(l => l.registry === registry)) throw new InputError(Input.RegistryLogins, `${registry} is given twice; one login per registry`)
    logins.push({ registry, username: line.slice(eq + 1, colon).trim(), password: line.slice(colon + 1), from: Input.RegistryLogins })
  }
  return logins
}

export function secrets(values: string[], files: string[], envs: string[]): Secret[] {
  const all: Secret[] = [
    // The value is never quoted in an error: only its id.
    ...values.map(line => {
      const eq = line.indexOf('=')
      if (eq <= 0) throw new InputError(Input.Secrets, `a line without an id; write id=value (the value is never shown)`)
      return { id: id(Input.Secrets, line.slice(0, eq).trim()), value: line.slice(eq + 1) }
    }),
    ...files.map(line => {
      const [key, file] = split(Input.SecretFiles, line, line)
      if (!file) throw new InputError(Input.SecretFiles, `'${key}' has no file; write id=path`)
      return { id: id(Input.SecretFiles, key), file }
    }),
    ...envs.map(line => {
      const [key, env] = split(Input.SecretEnvs, line, line)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new InputError(Input.SecretEnvs, `'${env}' is not an environment variable name; write id=ENV_NAME`)
      return { id: id(Input.SecretEnvs, key), env }
    })
  ]
  const ids = all.map(s => s.id)
  const twice = ids.find((s, i) => ids.indexOf(s) !== i)
  if (twice) throw new InputError(Input.Secrets, `secret id '${twice}' is given twice (across secrets, secret-files and secret-envs)`)
  return all
}

/** `default` (the agent in SSH_AUTH_SOCK), `id` or `id=path[,path]` (keys or agent sockets). */
export function ssh(lines: string[]): string[] {
  for (const line of lines) {
    const [key] = line.split('=')
    if (!ID.test(key)) throw new InputError(Input.Ssh, `'${line}' is not 'default' or id=path`)
  }
  return lines
}

export function namedContexts(lines: string[]): NamedContext[] {
  return lines.map(line => {
    const [name, value] = split(Input.BuildContexts, line, line)
    if (!/^[A-Za-z0-9][A-Za-z0-9_./-]*$/.test(name)) throw new InputError(Input.BuildContexts, `'${name}' is not a context name`)
    if (value.startsWith('docker-image://')) {
      const ref = value.slice('docker-image://'.length)
      if (!ref || /\s/.test(ref)) throw new InputError(Input.BuildContexts, `'${value}' is not an image reference`)
      return { name, image: ref }
    }
    if (/^[a-z][\w+.-]*:\/\//.test(value)) {
      throw new InputError(Input.BuildContexts, `'${value}': only a directory of the commit or docker-image://<image> can be a context, so the build reads nothing outside the commit`)
    }
    const normalized = posix.normalize(value.replace(/\\/g, '/')).replace(/\/+$/, '') || '.'
    if (posix.isAbsolute(value) || normalized === '..' || normalized.startsWith('../')) {
      throw new InputError(Input.BuildContexts, `'${value}' must be a directory of the repository (a relative path) or docker-image://<image>`)
    }
    return { name, path: normalized }
  })
}

/** `key=value` lines into a map; later lines win. */
export function keyValues(name: Input, lines: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of lines) {
    const [key, value] = split(name, line, line)
    if (!/^[\w.:/-]+$/.test(key)) throw new InputError(name, `'${key}' is not a label key`)
    out[key] = value
  }
  return out
}

/** `key=value`, optionally typed as BuildKit reads it: `manifest:key=value`, `index:…`, `manifest[linux/amd64]:…`. */
export function annotations(lines: string[]): string[] {
  for (const line of lines) {
    const [key] = split(Input.Annotations, line, line)
    if (!/^((manifest|index|manifest-descriptor|index-descriptor)(\[[\w/.-]+\])?:)?[\w.-]+(\/[\w.-]+)*$/.test(key)) {
      throw new InputError(Input.Annotations, `'${key}' is not an annotation key (key, or manifest:key / index:key)`)
    }
  }
  return lines
}

export function network(value: string): string {
  if (value && !(NETWORKS as readonly string[]).includes(value)) {
    throw new InputError(Input.Network, `'${value}' is not one of ${NETWORKS.join(', ')} (the networks BuildKit's RUN steps can use)`)
  }
  return value
}

export function shmSize(value: string): string {
  if (value && !/^\d+(\.\d+)?[bkmg]?$/i.test(value)) throw new InputError(Input.ShmSize, `'${value}' is not a size like 64m or 2g`)
  return value
}

/** `type=soft[:hard]`, as docker run's --ulimit. */
export function ulimits(lines: string[]): string[] {
  for (const line of lines) {
    if (!/^[a-z]+=-?\d+(:-?\d+)?$/.test(line)) throw new InputError(Input.Ulimit, `'${line}' is not type=soft[:hard], e.g. nofile=1024:1024`)
  }
  return lines
}

/** `host:ip` or `host=ip`, as buildx's --add-host. */
export function addHosts(lines: string[]): string[] {
  return lines.map(line => {
    const [host, ip] = split(Input.AddHosts, line, line, '=:')
    if (!/^[\w.-]+$/.test(host) || !/^[0-9a-fA-F.:[\]]+$/.test(ip)) throw new InputError(Input.AddHosts, `'${line}' is not host=ip (e.g. db.internal=10.0.0.5)`)
    return `${host}=${ip}`
  })
}

/** Every repository to push, one a line; the first names caches and the summary. */
export function images(lines: string[]): string[] {
  if (!lines.length) throw new InputError(Input.Image, 'is required: the repository to build, e.g. ghcr.io/acme/app (several: one a line)')
  for (const value of lines) {
    const problem = repositoryProblem(value)
    if (problem) throw new InputError(Input.Image, `'${value}' ${problem}`)
  }
  const twice = lines.find((v, i) => lines.indexOf(v) !== i)
  if (twice) throw new InputError(Input.Image, `'${twice}' is given twice`)
  return lines
}

/** The names of `NAME=value` build arguments, without their values. */
export function buildArgNames(buildArgs: string[]): string[] {
  return buildArgs.map(a => a.split('=')[0])
}

/** Build argument names that look like credentials: they end up in the image's history, secrets do not. */
export function credentialLike(buildArgs: string[]): string[] {
  return buildArgNames(buildArgs).filter(n => /TOKEN|PASSW(OR)?D|SECRET|(^|_)(API_?)?KEY($|_)|CREDENTIAL|PRIVATE|AUTH/i.test(n))
}

/** A path to take out of a build stage: `STAGE:PATH`, the path absolute in the stage or relative to its root. */
export interface ArtifactPath {
  stage: string
  /** Normalized, relative to the stage's root file system: `out/app.deb` is `/out/app.deb` in the stage. */
  path: string
}

/**
 * `STAGE:PATH` lines. The path stays inside the stage's root, and is plain characters only: BuildKit's
 * COPY would read `*`, `?` and `[` as a pattern, and a path with spaces or quotes is one no summary can quote.
 */
export function artifacts(lines: string[]): ArtifactPath[] {
  const out: ArtifactPath[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    const stage = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (colon <= 0 || !value) throw new InputError(Input.Artifacts, `'${line}' is not STAGE:PATH; write one per line, e.g. builder:out/app.deb`)
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stage)) throw new InputError(Input.Artifacts, `'${stage}' in '${line}' is not a stage name`)
    // A path in the stage as its Dockerfile writes it (/out/app.deb) or from its root (out/app.deb): the same file.
    const normalized = posix.normalize(value.replace(/^\/+/, '')).replace(/\/+$/, '')
    if (normalized === '..' || normalized.startsWith('../') || normalized === '.' || !normalized) {
      throw new InputError(Input.Artifacts, `'${value}' in '${line}' must be a path inside the stage's root, not the root itself, e.g. ${stage}:/out/app.deb`)
    }
    if (!/^[A-Za-z0-9_.+@%=,~/-]+$/.test(normalized)) {
      throw new InputError(Input.Artifacts, `'${value}' in '${line}' holds a character artifacts do not take (letters, digits and . _ + @ % = , ~ - / only)`)
    }
    // Stage names are case-insensitive in a Dockerfile.
    const artifact = { stage: stage.toLowerCase(), path: normalized }
    if (out.some(a => a.stage === artifact.stage && a.path === artifact.path)) throw new InputError(Input.Artifacts, `'${line}' is given twice`)
    out.push(artifact)
  }
  return out
}

/** The stage hashdock appends to a copy of the Dockerfile: it holds the requested paths and nothing else. */
export const ARTIFACTS_STAGE = 'hashdock-artifacts'

/** Every stage artifacts names is one the Dockerfile at the commit has (`stages`: its stage names): checked before anything is built. */
export function checkStages(requested: ArtifactPath[], stages: string[], dockerfilePath: string): void {
  if (stages.includes(ARTIFACTS_STAGE)) {
    throw new InputError(Input.Artifacts, `${dockerfilePath} has a stage named ${ARTIFACTS_STAGE}, the name hashdock gives the stage that collects artifacts; rename it`)
  }
  const unknown = requested.find(a => !stages.includes(a.stage))
  if (unknown) {
    const known = stages.length ? `its stages: ${stages.join(', ')}` : 'it names no stage (FROM … AS name)'
    throw new InputError(Input.Artifacts, `'${unknown.stage}:${unknown.path}': ${dockerfilePath} has no stage '${unknown.stage}'; ${known}`)
  }
}
