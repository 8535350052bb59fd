// The pipeline's inputs, parsed and checked once, from whichever adapter supplies the raw strings.
import { posix } from 'node:path'
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { repositoryProblem } from './image-ref.js'
import { PLACEHOLDERS } from './tags.js'

/** Keyed by the real input names, so docs, action.yml and code say the same thing. */
export interface Inputs {
  [Input.Image]: string
  /** Empty: the adapter's default commit (the one that triggered the run, or HEAD). */
  [Input.Githash]: string
  [Input.Context]: string
  /** Repository path; empty means Dockerfile inside the context. */
  [Input.Dockerfile]: string
  [Input.Tags]: string[]
  [Input.BuildArgs]: string[]
  [Input.Target]: string
  [Input.Push]: boolean
  [Input.RegistryUsername]: string
  [Input.RegistryPassword]: string
  [Input.TestCommand]: string
  [Input.ComposeFile]: string
  [Input.ComposeService]: string
  [Input.IntegrationCommand]: string
  [Input.TestResults]: string
  [Input.WaitTimeout]: number
  [Input.Mtime]: MtimeMode
  /** Empty: the adapter picks the best cache it has. */
  [Input.Cache]: CacheMode | ''
  [Input.Rebuild]: boolean
  /** Attestations embed build times: on, they make the digest differ on every build. */
  [Input.Provenance]: boolean
  [Input.Sbom]: boolean
  /** Empty: the builder buildx has selected. */
  [Input.Builder]: string
  [Input.Compression]: Compression
}

export const MTIME_MODES = ['commit', 'per-file'] as const
export type MtimeMode = (typeof MTIME_MODES)[number]
export const COMPRESSIONS = ['gzip', 'zstd'] as const
export type Compression = (typeof COMPRESSIONS)[number]
export const CACHE_MODES = ['gha', 'registry', 'none'] as const
export type CacheMode = (typeof CACHE_MODES)[number]

/** Reads one raw input; an unset input reads as ''. */
export type InputSource = (name: Input) => string

export function parseInputs(read: InputSource): Inputs {
  const get = (name: Input): string => read(name).trim()
  const password = read(Input.RegistryPassword)
  const inputs: Inputs = {
    [Input.Image]: image(get(Input.Image)),
    [Input.Githash]: githash(get(Input.Githash)),
    [Input.Context]: repoPath(Input.Context, get(Input.Context) || '.'),
    [Input.Dockerfile]: get(Input.Dockerfile) && repoPath(Input.Dockerfile, get(Input.Dockerfile)),
    [Input.Tags]: tags(lines(read(Input.Tags))),
    [Input.BuildArgs]: buildArgs(lines(read(Input.BuildArgs))),
    [Input.Target]: target(get(Input.Target)),
    [Input.Push]: boolean(Input.Push, get(Input.Push), true),
    [Input.RegistryUsername]: get(Input.RegistryUsername),
    [Input.RegistryPassword]: password,
    [Input.TestCommand]: get(Input.TestCommand),
    [Input.ComposeFile]: get(Input.ComposeFile) && repoPath(Input.ComposeFile, get(Input.ComposeFile)),
    [Input.ComposeService]: get(Input.ComposeService),
    [Input.IntegrationCommand]: get(Input.IntegrationCommand),
    [Input.TestResults]: testResults(get(Input.TestResults)),
    [Input.WaitTimeout]: positiveInteger(Input.WaitTimeout, get(Input.WaitTimeout), 120),
    [Input.Mtime]: oneOf(Input.Mtime, get(Input.Mtime) || 'commit', MTIME_MODES),
    [Input.Cache]: get(Input.Cache) && oneOf(Input.Cache, get(Input.Cache), CACHE_MODES),
    [Input.Rebuild]: boolean(Input.Rebuild, get(Input.Rebuild), false),
    [Input.Provenance]: boolean(Input.Provenance, get(Input.Provenance), false),
    [Input.Sbom]: boolean(Input.Sbom, get(Input.Sbom), false),
    [Input.Builder]: builderName(get(Input.Builder)),
    [Input.Compression]: oneOf(Input.Compression, get(Input.Compression) || 'zstd', COMPRESSIONS)
  }
  if (password && !inputs[Input.RegistryUsername]) {
    throw new InputError(Input.RegistryUsername, 'is required when registry-password is set')
  }
  if (inputs[Input.RegistryUsername] && !password) {
    throw new InputError(Input.RegistryPassword, `is empty, so hashdock cannot log in as ${inputs[Input.RegistryUsername]}`, 'password')
  }
  if (inputs[Input.ComposeService] && !inputs[Input.ComposeFile]) {
    throw new InputError(Input.ComposeService, 'needs compose-file: name the compose file that defines this service')
  }
  return inputs
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
}

function image(value: string): string {
  if (!value) throw new InputError(Input.Image, 'is required: the repository to build, e.g. ghcr.io/acme/app')
  const problem = repositoryProblem(value)
  if (problem) throw new InputError(Input.Image, `'${value}' ${problem}`)
  return value
}

// Anything git accepts as a revision, but never something git could read as an option.
function githash(value: string): string {
  if (value && !/^[\w][\w./~^@{}+-]*$/.test(value)) {
    throw new InputError(Input.Githash, `'${value}' is not a commit hash, tag or branch name`)
  }
  return value
}

/** A relative path inside the repository, normalized; never one that leaves it. */
function repoPath(name: Input, value: string): string {
  const slashed = value.replace(/\\/g, '/')
  const normalized = posix.normalize(slashed).replace(/\/+$/, '') || '.'
  if (posix.isAbsolute(slashed) || normalized === '..' || normalized.startsWith('../')) {
    throw new InputError(name, `'${value}' must be a relative path inside the repository`)
  }
  return normalized
}

function tags(values: string[]): string[] {
  for (const value of values) {
    const unknown = [...value.matchAll(/\{([^}]*)\}/g)].map(m => m[1]).find(p => !Object.hasOwn(PLACEHOLDERS, p))
    if (unknown !== undefined) {
      throw new InputError(Input.Tags, `'${value}' uses unknown placeholder {${unknown}}; known: ${Object.keys(PLACEHOLDERS).map(p => `{${p}}`).join(', ')}`)
    }
  }
  return values
}

function buildArgs(values: string[]): string[] {
  for (const value of values) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
      throw new InputError(Input.BuildArgs, `'${value.split('=')[0]}' is not KEY=VALUE; write one build argument per line`)
    }
  }
  return values
}

function builderName(value: string): string {
  if (value && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value)) {
    throw new InputError(Input.Builder, `'${value}' is not a builder name (letters, digits, '.', '_', '-'); see docker buildx ls`)
  }
  return value
}

function target(value: string): string {
  if (value && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw new InputError(Input.Target, `'${value}' is not a stage name`)
  }
  return value
}

function testResults(value: string): string {
  if (value && !value.startsWith('/')) {
    throw new InputError(Input.TestResults, `'${value}' must be an absolute directory inside the test container, e.g. /tmp/test-results`)
  }
  return value
}

function oneOf<T extends string>(name: Input, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(name, `'${value}' is not one of ${allowed.join(', ')}`)
  }
  return value as T
}

// The YAML 1.2 core schema's booleans, as GitHub's getBooleanInput reads them.
function boolean(name: Input, value: string, fallback: boolean): boolean {
  if (!value) return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `'${value}' is not a boolean; use true or false`)
}

function positiveInteger(name: Input, value: string, fallback: number): number {
  if (!value) return fallback
  if (!/^[1-9][0-9]*$/.test(value)) throw new InputError(name, `'${value}' is not a whole number of seconds`)
  return Number(value)
}
