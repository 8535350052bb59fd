// The CLI's flags: the action's inputs, spelled as --flags, read into the same Inputs.
import { parseArgs } from 'node:util'
import { Input } from '../core/constants.js'
import { parseInputs, type Inputs } from '../core/inputs.js'
import { ADVICE_COMMITS } from '../core/stages/advise.js'

export interface CliOptions {
  command: 'build' | 'context' | 'advise' | 'help'
  inputs: Inputs
  repo: string
  json: boolean
  out: string
  /** (advise) first-parent commits to measure. */
  commits: number
  /** Where --artifacts are written; empty when none are asked for. */
  artifactsDir: string
}

/** A command line hashdock cannot run: the message names what was wrong; the CLI exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `Usage: hashdock build --image REPOSITORY [options]
       hashdock context --out DIR [--githash REF] [--mtime commit|per-file] [--context PATH]
       hashdock advise [--githash REF] [--context PATH] [--dockerfile PATH] [--commits N] [--json]

build    builds one commit of a git repository into an image, tests it inside the image, and,
         with --push true, pushes it only when the tests pass. Every option mirrors an input of
         the GitHub Action; only the default of --push differs (the action pushes by default).
context  writes the exact build context hashdock would use for that commit into DIR (a new or
         an empty directory), timestamps included, to inspect or time it.
advise   measures the Dockerfile against the repository's history: which steps lose their layer
         cache to copies of files they never read, and whether the image runs as root for no
         reason. Needs no engine; advice is not a failure (exit 0).

Options:
  --image REPO               image repository, without a tag (required); repeat to push to several
  --githash REF              commit to build: hash, tag or branch (default: HEAD)
  --repo DIR                 the git repository (default: the current directory)
  --context PATH             build context inside the repository (default: .)
  --dockerfile PATH          Dockerfile in the repository (default: <context>/Dockerfile)
  --tags TAG                 extra tag; repeat for more ({githash} {short} {ref} {date} {version}
                             {major} {minor} {patch} {branch} {pr})
  --force-tags true|false    move tags even when they name a newer commit now (default: false)
  --build-args KEY=VALUE     build argument; repeat for more
  --target STAGE             Dockerfile stage to build
  --secret-files ID=PATH     a BuildKit secret from a file; repeat for more
  --secret-envs ID=ENV       a BuildKit secret from an environment variable; repeat for more
  --ssh default|ID=PATH      SSH agent or keys for RUN --mount=type=ssh; repeat for more
  --build-contexts NAME=PATH a named context: a directory of the commit, or docker-image://REF
  --labels KEY=VALUE         image label; repeat for more
  --annotations KEY=VALUE    manifest annotation (or manifest:KEY=VALUE, index:KEY=VALUE)
  --no-cache true|false      build without the builder's cache
  --pull true|false          always pull the base images
  --network default|none|host  network of RUN steps
  --shm-size SIZE            /dev/shm size of RUN steps, e.g. 128m
  --ulimit TYPE=SOFT[:HARD]  ulimit of RUN steps; repeat for more
  --add-hosts HOST=IP        extra /etc/hosts entry in RUN steps; repeat for more
  --push true|false          push the tested image (default: false)
  --registry-username USER   log in as USER; the password comes from the environment
                             variable HASHDOCK_REGISTRY_PASSWORD or, with
  --registry-password-stdin  from standard input (never from a flag)
  --test-command CMD         unit-test command, run in the image with /bin/sh -c
  --compose-file PATH        compose file whose services integration tests run beside
  --compose-service NAME     the compose service that runs the image under test
  --compose-env KEY=VALUE    variable for the compose file; repeat for more (compose sees no others)
  --compose-trust none|host  host lets the compose file reach the host (privileged, mounts, …)
  --integration-command CMD  integration-test command, run on the compose network
  --test-results DIR         directory of JUnit XML inside the test containers
  --wait-timeout SECONDS     wait for healthy compose services (default: 120)
  --mtime commit|per-file    file timestamps: the commit's, or each file's last change
  --cache registry|none      layer cache kept in the registry as <image>:buildcache (default: none)
  --cache-mode max|min      cache every stage's layers, or only the final image's (default: max)
  --cache-pull-requests read|write  (GitHub) a pull request reads the cache, or also writes its own
  --compression gzip|zstd    layer compression (default: zstd; zstd is faster, needs Docker 23+ to pull)
  --platforms LIST           platforms to build and test, e.g. linux/amd64,linux/arm64 (default:
                             the builder's native one); one index is pushed if every one passed
  --export-dir DIR           hand the tested image on: its archive and a record, into DIR, once
                             its tests pass (needs --platforms with the one platform built)
  --assemble-from DIR        build nothing: assemble the images handed on into DIR, one per
                             platform of --platforms, into one index, and push it with --push true
  --builder NAME             BuildKit builder (default: the one docker buildx has selected)
  --rebuild true|false       build even when the registry holds this commit from the same inputs
  --provenance true|false    attach a provenance attestation (default: false); it records build
                             times, so the digest is no longer reproducible
  --sbom true|false          attach an SBOM attestation (default: false); same caveat
  --reuse true|false         re-use the registry's image of this commit (default: false)
  --artifacts STAGE:PATH     a file or directory of a build stage (path relative to its root, e.g.
                             builder:out/app.deb) to take out once the tests pass; repeat for more
  --registry-timeout SECONDS one registry request, or one skopeo copy, before it is retried (default: 300)
  --registry-retries N       retries of a registry operation that failed transiently (default: 4)
  --artifacts-dir DIR        where --artifacts go (a new or existing directory), each below its stage
  --out DIR                  (context) where to write the build context
  --commits N                (advise) first-parent commits to measure (default: 200)
  --advice true|false        (build) advise on the Dockerfile in the report (default: true)
  --json                     print only the outputs, as JSON, on standard output; logs and the
                             build's progress go to standard error, as they always do
  --help                     show this help

Environment:
  HASHDOCK_REGISTRY_PASSWORD  the registry password, for --registry-username
  HASHDOCK_REGISTRY_LOGINS    more logins, one registry=username:password a line
  HASHDOCK_SECRETS            BuildKit secrets, one id=value a line
  HASHDOCK_DEBUG=1            also show every command hashdock runs
  NO_COLOR                    no colour, even on a terminal

Exit status: 0 done, 1 the build, a test or the push failed, 2 the command line is wrong.
`

const repeatable = new Set<string>([
  Input.Image,
  Input.Tags,
  Input.BuildArgs,
  Input.ComposeEnv,
  Input.SecretFiles,
  Input.SecretEnvs,
  Input.Ssh,
  Input.BuildContexts,
  Input.Labels,
  Input.Annotations,
  Input.Ulimit,
  Input.AddHosts,
  Input.Artifacts
])

/** Inputs that carry secrets: read from the environment, never from a flag, which any process listing shows. */
const FROM_ENV: Partial<Record<Input, string>> = {
  [Input.Secrets]: 'HASHDOCK_SECRETS',
  [Input.RegistryLogins]: 'HASHDOCK_REGISTRY_LOGINS'
}

/** Every flag the CLI reads: each input but the password, and the CLI's own. */
export function flags(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    repo: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
    'registry-password-stdin': { type: 'boolean' },
    out: { type: 'string' },
    commits: { type: 'string' },
    'artifacts-dir': { type: 'string' }
  }
  for (const name of Object.values(Input)) {
    // --repo says where the repository is; checkout-path is the action's way of saying it.
    if (name !== Input.RegistryPassword && name !== Input.CheckoutPath && !(name in FROM_ENV)) options[name] = { type: 'string', multiple: repeatable.has(name) }
  }
  return options
}

export function parseCli(argv: string[], stdin: () => string): CliOptions {
  const { values, positionals } = readFlags(argv)
  const command = values.help || positionals.length === 0 || positionals[0] === 'help' ? 'help' : positionals[0]
  if (command !== 'help' && command !== 'build' && command !== 'context' && command !== 'advise') {
    throw new UsageError(`unknown command '${command}'; the commands are build, context and advise`)
  }
  if (command !== 'help' && positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; every option is a --flag`)
  // Only a build logs in; the context command never reads a password.
  const password =
    command !== 'build' ? '' : values['registry-password-stdin'] ? stdin().trim() : (process.env.HASHDOCK_REGISTRY_PASSWORD ?? '')
  delete process.env.HASHDOCK_REGISTRY_PASSWORD // read once; only docker login gets it, on its standard input
  const read = (name: Input): string => {
    if (name === Input.RegistryPassword) return password
    const envName = FROM_ENV[name]
    if (envName) return command === 'build' ? (process.env[envName] ?? '') : ''
    // Pushing is explicit on a developer's machine: a first try must not publish anything.
    if (name === Input.Push && values[name] === undefined) return 'false'
    const value = values[name]
    return Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : ''
  }
  const inputs =
    command === 'build'
      ? parseInputs(read)
      : command === 'context' || command === 'advise'
        ? parseInputs(n => (n === Input.Image ? `${command}/only` : read(n)))
        : ({} as Inputs)
  const artifactsDir = typeof values['artifacts-dir'] === 'string' ? values['artifacts-dir'] : ''
  if (command === 'build' && inputs[Input.Artifacts].length && !artifactsDir) {
    throw new UsageError('--artifacts-dir: give the directory --artifacts are written to, e.g. --artifacts-dir dist')
  }
  if (command === 'build' && artifactsDir && !inputs[Input.Artifacts].length) {
    throw new UsageError('--artifacts-dir: no --artifacts are asked for; name them with --artifacts STAGE:PATH')
  }
  return {
    command,
    // The context command builds no image, so it needs no image name: any valid one will do.
    inputs,
    repo: typeof values.repo === 'string' ? values.repo : process.cwd(),
    json: values.json === true,
    out: typeof values.out === 'string' ? values.out : '',
    commits: commits(command, values.commits),
    artifactsDir
  }
}

function commits(command: string, value: unknown): number {
  if (value === undefined) return ADVICE_COMMITS
  if (command !== 'advise') throw new UsageError('--commits: only hashdock advise reads it')
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,5}$/.test(value)) throw new UsageError(`--commits: '${String(value)}' is not a whole number of commits, e.g. --commits 200`)
  return Number(value)
}

function readFlags(argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: flags(), allowPositionals: true })
  } catch (error) {
    const code = (error as { code?: string }).code
    const message = error instanceof Error ? error.message : String(error)
    const flag = /'(--?[^' ]+)/.exec(message)?.[1] ?? ''
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const why =
        flag === '--registry-password'
          ? '; the password comes from HASHDOCK_REGISTRY_PASSWORD or --registry-password-stdin, never from a flag'
          : flag === '--secrets'
            ? '; secret values come from HASHDOCK_SECRETS (id=value lines), --secret-envs or --secret-files, never from a flag'
            : flag === '--registry-logins'
              ? '; logins come from HASHDOCK_REGISTRY_LOGINS (registry=user:password lines), never from a flag'
              : ''
      throw new UsageError(`unknown flag ${flag}${why}`)
    }
    if (/argument missing|ambiguous/.test(message)) throw new UsageError(`${flag} needs a value, e.g. ${flag}=VALUE`)
    if (/does not take an argument/.test(message)) throw new UsageError(`${flag} takes no value`)
    throw new UsageError(message.split('\n')[0])
  }
}
