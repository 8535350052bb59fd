// The pipeline's inputs, parsed and checked once, from whichever adapter supplies the raw strings.
import { posix } from 'node:path'
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { registryOf } from './image-ref.js'
import * as build from './build-inputs.js'
import type { ArtifactPath, NamedContext, RegistryLogin, Secret } from './build-inputs.js'
import { PLACEHOLDERS } from './tags.js'

/** Keyed by the real input names, so docs, action.yml and code say the same thing. */
export interface Inputs {
  /** Every repository the tested image is pushed to, the first one first. */
  [Input.Image]: string[]
  /** Where the repository was checked out, relative to the workspace (actions/checkout's path). */
  [Input.CheckoutPath]: string
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
  /** One login per registry, registry-username's included (for the first image's registry). */
  [Input.RegistryLogins]: RegistryLogin[]
  [Input.TestCommand]: string
  [Input.ComposeFile]: string
  [Input.ComposeService]: string
  /** none: the compose policy refuses what reaches the host; host: the commit is trusted with it. */
  [Input.ComposeTrust]: ComposeTrust
  /** KEY=VALUE lines: the only variables compose-file's interpolation sees, beside HASHDOCK_IMAGE. */
  [Input.ComposeEnv]: string[]
  [Input.IntegrationCommand]: string
  [Input.TestResults]: string
  [Input.WaitTimeout]: number
  [Input.Mtime]: MtimeMode
  /** Empty: the adapter picks the best cache it has. */
  [Input.Cache]: CacheMode | ''
  [Input.Rebuild]: boolean
  /**
   * Re-use an image the registry holds for this commit; off, because a registry write could forge it.
   * signed: reuse only beside a record this run can check was signed by its own identity; never beside an unsigned one.
   */
  [Input.Reuse]: boolean | 'signed'
  /**
   * true: an SLSA provenance record stored (and signed) beside the pushed digest, which stays reproducible;
   * in-image: BuildKit's own, inside the image index, which then differs on every build.
   */
  [Input.Provenance]: boolean | 'in-image'
  /** BuildKit's SBOM, inside the image index: it embeds build times, so the digest differs on every build. */
  [Input.Sbom]: boolean
  /** Empty: the builder buildx has selected. */
  [Input.Builder]: string
  /** auto: a builder of the run's own for a pull request's commit; true: always; false: never. */
  [Input.IsolateBuilder]: IsolateBuilder
  /** Log in before building even when not pushing (private base images, a registry cache to read). */
  [Input.BuildLogin]: boolean
  [Input.KeepImage]: boolean
  [Input.VerifyReproducible]: boolean
  [Input.Compression]: Compression
  /** Point tags at this commit even when they name a newer one now. */
  [Input.ForceTags]: boolean
  /** secrets, secret-files and secret-envs together, by where each value comes from. */
  [Input.Secrets]: Secret[]
  [Input.Ssh]: string[]
  [Input.BuildContexts]: NamedContext[]
  [Input.Labels]: Record<string, string>
  [Input.Annotations]: string[]
  [Input.NoCache]: boolean
  [Input.Pull]: boolean
  [Input.Network]: string
  [Input.ShmSize]: string
  [Input.Ulimit]: string[]
  [Input.AddHosts]: string[]
  /** os/arch[/variant] of every image to build and test; empty: the builder's native platform only. */
  [Input.Platforms]: string[]
  /** Measure the Dockerfile against the history and advise; advice never fails a run. */
  [Input.Advice]: boolean
  /** A directory to hand the tested image on to (its archive and a record), for a later assembly; empty: none. */
  [Input.ExportDir]: string
  /** A directory of handed-on images to assemble into one index instead of building; empty: build. */
  [Input.AssembleFrom]: string
  /** Paths to take out of build stages once the tests pass; their stages are checked against the Dockerfile in plan. */
  [Input.Artifacts]: ArtifactPath[]
  /** Seconds one registry request, or one skopeo copy, may take before it is abandoned and retried. */
  [Input.RegistryTimeout]: number
  /** Attempts after the first for a registry operation that failed in a way another attempt may not meet. */
  [Input.RegistryRetries]: number
  /** BuildKit's cache export: max keeps every stage's layers, min only the final image's. */
  [Input.CacheMode]: (typeof CACHE_EXPORT_MODES)[number]
  /** What a pull request's run does with the layer cache: read the default branch's, or also write its own. */
  [Input.CachePullRequests]: (typeof CACHE_PULL_REQUESTS)[number]
}

export const MTIME_MODES = ['content', 'commit', 'per-file'] as const
export type MtimeMode = (typeof MTIME_MODES)[number]
/** Modes whose digest can depend on what the builder had cached: the run says so in a notice. */
export const CACHE_DEPENDENT_MTIME: readonly string[] = ['commit'] satisfies MtimeMode[]
const COMPRESSIONS = ['gzip', 'zstd'] as const
export type Compression = (typeof COMPRESSIONS)[number]
const ISOLATE_BUILDER = ['auto', 'true', 'false'] as const
export type IsolateBuilder = (typeof ISOLATE_BUILDER)[number]
const COMPOSE_TRUST = ['none', 'host'] as const
export type ComposeTrust = (typeof COMPOSE_TRUST)[number]
const CACHE_MODES = ['gha', 'registry', 'none'] as const
export type CacheMode = (typeof CACHE_MODES)[number]
const CACHE_EXPORT_MODES = ['max', 'min'] as const
const CACHE_PULL_REQUESTS = ['read', 'write'] as const

/** Reads one raw input; an unset input reads as ''. */
export type InputSource = (name: Input) => string

export function parseInputs(read: InputSource): Inputs {
  const get = (name: Input): string => read(name).trim()
  const password = read(Input.RegistryPassword)
  const images = build.images(lines(read(Input.Image)))
  const inputs: Inputs = {
    [Input.Image]: images,
    [Input.CheckoutPath]: checkoutPath(get(Input.CheckoutPath) || '.'),
    [Input.Githash]: githash(get(Input.Githash)),
    [Input.Context]: repoPath(Input.Context, get(Input.Context) || '.'),
    [Input.Dockerfile]: get(Input.Dockerfile) && repoPath(Input.Dockerfile, get(Input.Dockerfile)),
    [Input.Tags]: tags(lines(read(Input.Tags))),
    [Input.BuildArgs]: withoutImageClock(keyValues(Input.BuildArgs, lines(read(Input.BuildArgs)), 'build argument')),
    [Input.Target]: target(get(Input.Target)),
    [Input.Push]: boolean(Input.Push, get(Input.Push), true),
    [Input.RegistryUsername]: get(Input.RegistryUsername),
    [Input.RegistryPassword]: password,
    [Input.RegistryLogins]: build.registryLogins(lines(read(Input.RegistryLogins))),
    [Input.TestCommand]: get(Input.TestCommand),
    [Input.ComposeFile]: get(Input.ComposeFile) && repoPath(Input.ComposeFile, get(Input.ComposeFile)),
    [Input.ComposeService]: get(Input.ComposeService),
    [Input.ComposeEnv]: keyValues(Input.ComposeEnv, lines(read(Input.ComposeEnv)), 'variable'),
    [Input.ComposeTrust]: oneOf(Input.ComposeTrust, get(Input.ComposeTrust) || 'none', COMPOSE_TRUST),
    [Input.IntegrationCommand]: get(Input.IntegrationCommand),
    [Input.TestResults]: testResults(get(Input.TestResults)),
    [Input.WaitTimeout]: positiveInteger(Input.WaitTimeout, get(Input.WaitTimeout), 120),
    [Input.Mtime]: oneOf(Input.Mtime, get(Input.Mtime) || 'content', MTIME_MODES),
    [Input.Cache]: get(Input.Cache) && oneOf(Input.Cache, get(Input.Cache), CACHE_MODES),
    [Input.Rebuild]: boolean(Input.Rebuild, get(Input.Rebuild), false),
    [Input.Reuse]: booleanOr(Input.Reuse, get(Input.Reuse), 'signed'),
    [Input.Provenance]: booleanOr(Input.Provenance, get(Input.Provenance), 'in-image'),
    [Input.Sbom]: boolean(Input.Sbom, get(Input.Sbom), false),
    [Input.Builder]: builderName(get(Input.Builder)),
    [Input.IsolateBuilder]: oneOf(Input.IsolateBuilder, get(Input.IsolateBuilder) || 'auto', ISOLATE_BUILDER),
    [Input.BuildLogin]: boolean(Input.BuildLogin, get(Input.BuildLogin), false),
    [Input.KeepImage]: boolean(Input.KeepImage, get(Input.KeepImage), false),
    [Input.VerifyReproducible]: boolean(Input.VerifyReproducible, get(Input.VerifyReproducible), false),
    [Input.Compression]: oneOf(Input.Compression, get(Input.Compression) || 'zstd', COMPRESSIONS),
    [Input.ForceTags]: boolean(Input.ForceTags, get(Input.ForceTags), false),
    [Input.Secrets]: build.secrets(lines(read(Input.Secrets)), lines(read(Input.SecretFiles)), lines(read(Input.SecretEnvs))),
    [Input.Ssh]: build.ssh(lines(read(Input.Ssh))),
    [Input.BuildContexts]: build.namedContexts(lines(read(Input.BuildContexts))),
    [Input.Labels]: build.keyValues(Input.Labels, lines(read(Input.Labels))),
    [Input.Annotations]: build.annotations(lines(read(Input.Annotations))),
    [Input.NoCache]: boolean(Input.NoCache, get(Input.NoCache), false),
    [Input.Pull]: boolean(Input.Pull, get(Input.Pull), false),
    [Input.Network]: build.network(get(Input.Network)),
    [Input.ShmSize]: build.shmSize(get(Input.ShmSize)),
    [Input.Ulimit]: build.ulimits(lines(read(Input.Ulimit))),
    [Input.AddHosts]: build.addHosts(lines(read(Input.AddHosts))),
    [Input.Platforms]: platforms(read(Input.Platforms)),
    [Input.Advice]: boolean(Input.Advice, get(Input.Advice), true),
    [Input.ExportDir]: get(Input.ExportDir),
    [Input.AssembleFrom]: get(Input.AssembleFrom),
    [Input.Artifacts]: build.artifacts(lines(read(Input.Artifacts))),
    [Input.RegistryTimeout]: positiveInteger(Input.RegistryTimeout, get(Input.RegistryTimeout), 300),
    [Input.RegistryRetries]: retries(get(Input.RegistryRetries)),
    [Input.CacheMode]: oneOf(Input.CacheMode, get(Input.CacheMode) || 'max', CACHE_EXPORT_MODES),
    [Input.CachePullRequests]: oneOf(Input.CachePullRequests, get(Input.CachePullRequests) || 'read', CACHE_PULL_REQUESTS)
  }
  if (password && !inputs[Input.RegistryUsername]) {
    throw new InputError(Input.RegistryUsername, 'is required when registry-password is set')
  }
  if (inputs[Input.RegistryUsername] && !password) {
    throw new InputError(Input.RegistryPassword, `is empty, so hashdock cannot log in as ${inputs[Input.RegistryUsername]}`, 'password')
  }
  if (inputs[Input.RegistryUsername]) {
    const registry = registryOf(images[0])
    if (inputs[Input.RegistryLogins].some(l => l.registry === registry)) {
      throw new InputError(Input.RegistryLogins, `also logs in to ${registry}, which registry-username already does; give that registry's login in one place`)
    }
    inputs[Input.RegistryLogins].unshift({ registry, username: inputs[Input.RegistryUsername], password, from: Input.RegistryPassword })
  }
  if (inputs[Input.Labels]['org.opencontainers.image.revision'] !== undefined) {
    throw new InputError(Input.Labels, 'org.opencontainers.image.revision always names the commit built; remove it from labels')
  }
  if (inputs[Input.ComposeService] && !inputs[Input.ComposeFile]) {
    throw new InputError(Input.ComposeService, 'needs compose-file: name the compose file that defines this service')
  }
  fanOut(inputs)
  if (inputs[Input.Artifacts].length && inputs[Input.AssembleFrom]) {
    throw new InputError(Input.Artifacts, 'come out of a build, and assemble-from builds nothing; give artifacts to the platform jobs instead')
  }
  if (inputs[Input.Artifacts].length && inputs[Input.Platforms].length > 1) {
    throw new InputError(Input.Artifacts, 'takes files out of one platform\'s build; build one platform (platforms) or leave artifacts empty')
  }
  return inputs
}

/** A hand-on names its one platform; an assembly names every platform it expects, in the index's order. */
function fanOut(inputs: Inputs): void {
  const platforms = inputs[Input.Platforms]
  if (inputs[Input.ExportDir]) {
    if (inputs[Input.AssembleFrom]) throw new InputError(Input.ExportDir, 'hands a built image on, and assemble-from builds nothing; set one of them')
    if (platforms.length !== 1) {
      throw new InputError(Input.ExportDir, `hands on one platform's image; set platforms to the one platform this job builds, e.g. linux/arm64 (it is ${platforms.length ? platforms.join(',') : 'empty'})`)
    }
    if (!inputs[Input.TestCommand] && !inputs[Input.IntegrationCommand]) {
      throw new InputError(Input.ExportDir, 'hands on a tested image, and no test runs; give test-command or integration-command')
    }
  }
  if (inputs[Input.AssembleFrom] && !platforms.length) {
    throw new InputError(Input.AssembleFrom, 'needs platforms: every platform the index must hold, in its order, e.g. linux/amd64,linux/arm64')
  }
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
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

function checkoutPath(value: string): string {
  const normalized = posix.normalize(value.replace(/\\/g, '/')).replace(/\/+$/, '') || '.'
  if (posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new InputError(Input.CheckoutPath, `'${value}' must be a relative path inside the workspace, as given to actions/checkout's path`)
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

function keyValues(name: Input, values: string[], what: string): string[] {
  for (const value of values) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
      throw new InputError(name, `'${value.split('=')[0]}' is not KEY=VALUE; write one ${what} per line`)
    }
  }
  return values
}

/** Comma- or line-separated os/arch[/variant] names, as buildx's --platform takes them; each once. */
function platforms(value: string): string[] {
  const names = value.split(/[,\r\n]/).map(p => p.trim()).filter(Boolean)
  for (const name of names) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(name)) {
      throw new InputError(Input.Platforms, `'${name}' is not a platform; write os/arch or os/arch/variant, e.g. linux/amd64,linux/arm64`)
    }
  }
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  if (twice) throw new InputError(Input.Platforms, `'${twice}' is listed twice`)
  return names
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
/** YAML 1.2's core-schema spellings of a boolean, as the toolkit's getBooleanInput reads them. */
const TRUE = ['true', 'True', 'TRUE']
const FALSE = ['false', 'False', 'FALSE']

function boolean(name: Input, value: string, fallback: boolean): boolean {
  if (!value) return fallback
  if (TRUE.includes(value)) return true
  if (FALSE.includes(value)) return false
  throw new InputError(name, `'${value}' is not a boolean; use true or false`)
}

/** A boolean (off when empty), or one word more. */
function booleanOr<T extends string>(name: Input, value: string, word: T): boolean | T {
  if (value === word) return word
  if (value && !TRUE.includes(value) && !FALSE.includes(value)) throw new InputError(name, `'${value}' is not one of true, false or ${word}`)
  return boolean(name, value, false)
}

function retries(value: string): number {
  if (!value) return 4
  if (!/^[0-9]+$/.test(value) || Number(value) > 20) throw new InputError(Input.RegistryRetries, `'${value}' is not a whole number from 0 to 20`)
  return Number(value)
}

function positiveInteger(name: Input, value: string, fallback: number): number {
  if (!value) return fallback
  if (!/^[1-9][0-9]*$/.test(value)) throw new InputError(name, `'${value}' is not a whole number of seconds`)
  return Number(value)
}

/**
 * SOURCE_DATE_EPOCH is the image clock hashdock passes itself: BuildKit takes the last one given, so a
 * build argument of that name would move every timestamp while the run still said reproducible.
 */
function withoutImageClock(args: string[]): string[] {
  const clock = args.find(a => a.startsWith('SOURCE_DATE_EPOCH='))
  if (clock) throw new InputError(Input.BuildArgs, `'${clock}': SOURCE_DATE_EPOCH is hashdock's image clock and cannot be set; remove it (the commit's time is in the created label and the commit-time output)`)
  return args
}
