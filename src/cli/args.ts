// The CLI's flags: the action's inputs, spelled as --flags, read into the same Inputs. Each command
// takes only the flags it reads; docker's own spellings (-t, -f, --build-arg, --platform, …) work too.
import { ADVICE_COMMITS, Input, type Inputs, parseInputs } from '../core/index.js'
import { Command as Parser, CommanderError, Option } from 'commander'
import { COMMANDS, commandUsage, USAGE, type Command } from './help.js'

export type { Command } from './help.js'
export { USAGE }

/** The help of one command (its flags only), or the overview. */
export function helpText(topic?: Command): string {
  const table = flags()
  const booleans = Object.keys(table).filter(n => table[n].kind === 'boolean')
  return topic ? commandUsage(topic, c => Object.keys(table).filter(n => table[n].commands.includes(c)), booleans) : USAGE
}

export interface CliOptions {
  command: Command | 'help' | 'version'
  /** (help) the command whose flags to show; none for the overview. */
  topic?: Command
  inputs: Inputs
  repo: string
  json: boolean
  out: string
  /** (advise) first-parent commits to measure. */
  commits: number
  /** Where --artifacts are written; empty when none are asked for. */
  artifactsDir: string
  /** (verify) what to check, and against whom. */
  verify?: VerifyOptions
}

export interface VerifyOptions {
  image: string
  digest: string
  repository?: string
  workflow?: string
  trustedRoot?: string
  allowUnsigned: boolean
}

/** A command line hashdock cannot run: the message names what was wrong; the CLI exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * A flag: `value` takes one (repeatable with `multiple`), `switch` takes none, `boolean` is an input that
 * is true alone (`--push`), takes true or false (`--push false`, `--push=false`) and has a `--no-` form.
 */
export interface Flag {
  kind: 'value' | 'switch' | 'boolean'
  multiple?: boolean
  commands: readonly Command[]
}

// plan says what build would do with the same flags.
const BUILD: readonly Command[] = ['build', 'plan']
const SOURCE: readonly Command[] = ['build', 'plan', 'context', 'advise']

/** Inputs that are booleans: a bare switch means true. */
const BOOLEAN_INPUTS = new Set<string>([
  Input.Push,
  Input.ForceTags,
  Input.NoCache,
  Input.Pull,
  Input.Rebuild,
  Input.Provenance,
  Input.Sbom,
  Input.Reuse,
  Input.Advice,
  Input.BuildLogin,
  Input.KeepImage,
  Input.VerifyReproducible
])

const REPEATABLE = new Set<string>([
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

/** Inputs the commands other than build read too: what names the commit, its context and its Dockerfile. */
const SHARED_INPUTS: Partial<Record<string, readonly Command[]>> = {
  [Input.Githash]: SOURCE,
  [Input.Context]: SOURCE,
  [Input.Dockerfile]: SOURCE,
  [Input.Mtime]: ['build', 'plan', 'context'],
  [Input.BuildContexts]: ['build', 'plan', 'context'],
  [Input.ComposeFile]: ['build', 'plan', 'context'],
  [Input.Target]: ['build', 'plan', 'advise']
}

/** Inputs that carry secrets: read from the environment, never from a flag, which any process listing shows. */
const FROM_ENV: Partial<Record<Input, string>> = {
  [Input.Secrets]: 'HASHDOCK_SECRETS',
  [Input.RegistryLogins]: 'HASHDOCK_REGISTRY_LOGINS'
}

/** docker's and buildx's spellings, as people type them from habit: alias → flag. */
const ALIASES: Record<string, string> = {
  t: Input.Tags,
  tag: Input.Tags,
  f: Input.Dockerfile,
  file: Input.Dockerfile,
  'build-arg': Input.BuildArgs,
  platform: Input.Platforms,
  label: Input.Labels,
  annotation: Input.Annotations,
  'add-host': Input.AddHosts,
  'build-context': Input.BuildContexts,
  secret: 'secret',
  h: 'help',
  V: 'version'
}

/** Every flag the CLI reads: each input but the password and those from the environment, and the CLI's own. */
export function flags(): Record<string, Flag> {
  const options: Record<string, Flag> = {
    repo: { kind: 'value', commands: [...SOURCE, 'doctor'] },
    json: { kind: 'switch', commands: ['build', 'plan', 'advise', 'doctor', 'verify'] },
    repository: { kind: 'value', commands: ['verify'] },
    workflow: { kind: 'value', commands: ['verify'] },
    'trusted-root': { kind: 'value', commands: ['verify'] },
    'allow-unsigned': { kind: 'switch', commands: ['verify'] },
    'dry-run': { kind: 'switch', commands: ['build'] },
    help: { kind: 'switch', commands: COMMANDS },
    version: { kind: 'switch', commands: COMMANDS },
    'registry-password-stdin': { kind: 'switch', commands: BUILD },
    out: { kind: 'value', commands: ['context'] },
    commits: { kind: 'value', commands: ['advise'] },
    'artifacts-dir': { kind: 'value', commands: BUILD },
    // docker's --secret id=ID,src=PATH|env=VAR, read into --secret-files or --secret-envs.
    secret: { kind: 'value', multiple: true, commands: BUILD }
  }
  for (const name of Object.values(Input)) {
    // --repo says where the repository is; checkout-path is the action's way of saying it.
    if (name === Input.RegistryPassword || name === Input.CheckoutPath || name in FROM_ENV) continue
    const kind = BOOLEAN_INPUTS.has(name) ? 'boolean' : 'value'
    // --platform repeats as buildx's does; the input is one comma-separated list.
    const multiple = REPEATABLE.has(name) || name === Input.Platforms
    options[name] = { kind, ...(multiple ? { multiple } : {}), commands: SHARED_INPUTS[name] ?? BUILD }
  }
  return options
}

type Values = Record<string, string[]>

export function parseCli(argv: string[], stdin: () => string): CliOptions {
  const table = flags()
  const words = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length)
  if (words.some(w => w === '--version' || w === '-V') || argv[0] === 'version') return bare('version')
  const first = argv[0]
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' ? argv[1] : undefined
    if (topic !== undefined && !isCommand(topic)) throw unknownCommand(topic)
    return bare('help', topic)
  }
  if (first.startsWith('-')) throw new UsageError(`${first.split('=')[0]}: a command comes first: hashdock ${COMMANDS.join('|')} [options]`)
  if (!isCommand(first)) throw unknownCommand(first)
  const command = first
  const { values, positionals } = readFlags(command, argv.slice(1), table)
  if (values.help) return bare('help', command)
  if (positionals.length && command !== 'verify') throw new UsageError(`unexpected argument '${positionals[0]}'; every option is a --flag (see hashdock ${command} --help)`)
  for (const name of Object.keys(values)) {
    const owners = table[name].commands
    if (!owners.includes(command)) {
      throw new UsageError(
        // plan reads what build reads: "only hashdock build (and plan) reads it" says it the way a user thinks of it.
        owners.length === 1 || owners.join() === 'build,plan'
          ? `--${name}: only hashdock ${owners[0]}${owners.length > 1 ? ' (and plan)' : ''} reads it`
          : `--${name}: hashdock ${command} does not read it; ${listed(owners)} do`
      )
    }
  }
  if (command === 'verify') return { ...bare('help'), command, json: Boolean(values.json), verify: verifyOptions(values, positionals) }
  secretAliases(values)
  // build --dry-run is plan: the same flags, read the same way.
  const builds = command === 'build' || command === 'plan'

  // Only a build logs in; no other command reads a password.
  const password = !builds ? '' : values['registry-password-stdin'] ? stdin().trim() : (process.env.HASHDOCK_REGISTRY_PASSWORD ?? '')
  delete process.env.HASHDOCK_REGISTRY_PASSWORD // read once; only docker login gets it, on its standard input
  const read = (name: Input): string => {
    if (name === Input.RegistryPassword) return password
    const envName = FROM_ENV[name]
    if (envName) return builds ? (process.env[envName] ?? '') : ''
    const given = values[name]
    // Pushing is explicit on a developer's machine: a first try must not publish anything.
    if (name === Input.Push && given === undefined) return 'false'
    if (!given) return ''
    return given.join(name === Input.Platforms ? ',' : '\n')
  }
  const inputs = builds
    ? parseInputs(read)
    : command === 'doctor'
      ? ({} as Inputs)
      : // The other commands build no image, so they need no image name: any valid one will do.
        parseInputs(n => (n === Input.Image ? `${command}/only` : read(n)))
  const artifactsDir = values['artifacts-dir']?.[0] ?? ''
  if (builds && inputs[Input.Artifacts].length && !artifactsDir) {
    throw new UsageError('--artifacts-dir: give the directory --artifacts are written to, e.g. --artifacts-dir dist')
  }
  if (builds && artifactsDir && !inputs[Input.Artifacts].length) {
    throw new UsageError('--artifacts-dir: no --artifacts are asked for; name them with --artifacts STAGE:PATH')
  }
  return {
    command: command === 'build' && values['dry-run'] ? 'plan' : command,
    inputs,
    repo: values.repo?.[0] ?? process.cwd(),
    json: Boolean(values.json),
    out: values.out?.[0] ?? '',
    commits: commits(values.commits?.[0]),
    artifactsDir
  }
}

function bare(command: 'help' | 'version', topic?: Command): CliOptions {
  return { command, ...(topic ? { topic } : {}), inputs: {} as Inputs, repo: process.cwd(), json: false, out: '', commits: ADVICE_COMMITS, artifactsDir: '' }
}

/** `verify IMAGE@DIGEST` and its flags: a digest, never a tag, and whose signature to trust. */
function verifyOptions(values: Values, positionals: string[]): VerifyOptions {
  const example = 'e.g. hashdock verify ghcr.io/acme/app@sha256:<64 hex> --repository acme/app'
  if (positionals.length !== 1) throw new UsageError(`IMAGE@DIGEST: ${positionals.length ? `give one image, not ${positionals.length}` : 'name the image by its digest'}; ${example}`)
  const [reference] = positionals
  const m = /^([a-z0-9][^@\s]*)@(sha256:[0-9a-f]{64})$/.exec(reference)
  if (!m) throw new UsageError(`IMAGE@DIGEST: '${reference.slice(0, 120)}' is not an image by its digest (a tag can be moved; a digest cannot); ${example}`)
  if (m[1].slice(m[1].lastIndexOf('/') + 1).includes(':')) throw new UsageError(`IMAGE@DIGEST: '${reference.slice(0, 120)}' names a tag and a digest; drop the tag, the digest decides`)
  const repository = values.repository?.[0]
  if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new UsageError(`--repository: '${repository.slice(0, 80)}' is not OWNER/REPO, e.g. --repository acme/app`)
  const allowUnsigned = Boolean(values['allow-unsigned'])
  if (!repository && !allowUnsigned) throw new UsageError(`--repository: name the repository whose workflows may sign the record, e.g. --repository acme/app (or --allow-unsigned to accept an unsigned one)`)
  const workflow = values.workflow?.[0]
  if (workflow !== undefined && !/^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/)?\.github\/workflows\/[^/@\s]+\.ya?ml$/.test(workflow)) {
    throw new UsageError(`--workflow: '${workflow.slice(0, 120)}' is not .github/workflows/FILE.yml or OWNER/REPO/.github/workflows/FILE.yml`)
  }
  if (workflow && !repository) throw new UsageError('--workflow: needs --repository, the repository whose run it was')
  return {
    image: m[1],
    digest: m[2],
    ...(repository ? { repository } : {}),
    ...(workflow ? { workflow } : {}),
    ...(values['trusted-root'] ? { trustedRoot: values['trusted-root'][0] } : {}),
    allowUnsigned
  }
}

const listed = (words: readonly string[]): string => (words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words.join(''))

const isCommand = (word: string): word is Command => (COMMANDS as readonly string[]).includes(word)

function unknownCommand(word: string): UsageError {
  // commander's own "did you mean", from a parser that knows only the commands.
  const parser = quiet(new Parser('hashdock'))
  for (const c of COMMANDS) parser.command(c)
  let near: string | undefined
  try {
    parser.parse([word], { from: 'user' })
  } catch (error) {
    near = suggestion(error)
  }
  return new UsageError(`unknown command '${word}'; ${near ? `did you mean ${near}? The` : 'the'} commands are ${listed(COMMANDS)}`)
}

function commits(value: string | undefined): number {
  if (value === undefined) return ADVICE_COMMITS
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new UsageError(`--commits: '${value}' is not a whole number of commits, e.g. --commits 200`)
  return Number(value)
}

/** A commander parser that throws instead of printing or exiting: every message here is hashdock's own line. */
function quiet(parser: Parser): Parser {
  return parser
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .showSuggestionAfterError(true)
}

/** The word commander's "(Did you mean X?)" offers, if any. */
const suggestion = (error: unknown): string | undefined =>
  error instanceof CommanderError ? /\(Did you mean (\S+?)\?\)/.exec(error.message)?.[1] : undefined

/**
 * The flags after the command, read by commander: --flag VALUE, --flag=VALUE, -t VALUE, switches,
 * booleans with their --no- form, and positionals. Every flag of every command is known to the parser,
 * so a flag another command reads is named as such, not as unknown; values keep the order they were
 * given in, aliases and all.
 */
function readFlags(command: Command, argv: string[], table: Record<string, Flag>): { values: Values; positionals: string[] } {
  const values: Values = {}
  const parser = quiet(new Parser(command)).argument('[words...]').allowUnknownOption(false)
  const spellings = (name: string): string[] => [name, ...Object.keys(ALIASES).filter(a => a !== name && ALIASES[a] === name)]
  for (const [name, flag] of Object.entries(table)) {
    for (const spelled of spellings(name)) {
      const dashes = spelled.length === 1 ? '-' : '--'
      const option = `${dashes}${spelled}`
      const add = (value: string): void => {
        if (values[name] && !flag.multiple && flag.kind !== 'switch') throw new UsageError(`${option} is given twice; give it once`)
        ;(values[name] ??= []).push(value)
      }
      if (flag.kind === 'switch') {
        parser.addOption(new Option(option))
        parser.on(`option:${spelled}`, () => add('true'))
      } else if (flag.kind === 'boolean') {
        // --push, --push true, --push=false, --no-push.
        parser.addOption(new Option(`${option} [boolean]`))
        parser.on(`option:${spelled}`, (value: string | null) => {
          if (value === '') throw new UsageError(`${option}= needs true or false, or no value at all: ${option} alone is true`)
          add(value ?? 'true')
        })
        parser.addOption(new Option(`--no-${spelled}`))
        parser.on(`option:no-${spelled}`, () => add('false'))
      } else {
        parser.addOption(new Option(`${option} <value>`))
        parser.on(`option:${spelled}`, (value: string) => {
          // A flag is no value: `--image --json` forgot the image.
          if (/^--?[a-z]/i.test(value) && argv.includes(value)) throw new UsageError(`${option} needs a value, e.g. ${option}=VALUE`)
          add(value)
        })
      }
    }
  }
  try {
    parser.parse(argv, { from: 'user' })
  } catch (error) {
    throw error instanceof CommanderError ? usageError(error, command) : error
  }
  return { values, positionals: parser.args }
}

/** commander's complaint as hashdock's one line, in the words of the flag as it was typed. */
function usageError(error: CommanderError, command: Command): UsageError {
  const flag = /'(-[^' ]+)/.exec(error.message)?.[1] ?? ''
  if (error.code === 'commander.optionMissingArgument') return new UsageError(`${flag} needs a value, e.g. ${flag}=VALUE`)
  if (error.code !== 'commander.unknownOption') return new UsageError(error.message.replace(/^error: /, '').split('\n')[0])
  const [name] = flag.split('=')
  // A switch given a value: --json=yes, --no-push=true.
  const plain = name.replace(/^--(no-)?/, '')
  const target = flags()[ALIASES[plain] ?? plain]
  if (flag.includes('=') && target && (target.kind === 'switch' || name.startsWith('--no-'))) return new UsageError(`${name} takes no value`)
  const why: Record<string, string> = {
    '--registry-password': '; the password comes from HASHDOCK_REGISTRY_PASSWORD or --registry-password-stdin, never from a flag',
    '--secrets': '; secret values come from HASHDOCK_SECRETS (id=value lines), --secret-envs or --secret-files, never from a flag',
    '--registry-logins': '; logins come from HASHDOCK_REGISTRY_LOGINS (registry=user:password lines), never from a flag'
  }
  if (why[name]) return new UsageError(`unknown flag ${name}${why[name]}`)
  const near = suggestion(error)
  return new UsageError(`unknown flag ${name}; ${near ? `did you mean ${near}?` : `hashdock ${command} --help lists its flags`}`)
}

/** docker's `--secret id=ID,src=PATH` (or `env=VAR`, `type=env`) as the --secret-files and --secret-envs it means. */
function secretAliases(values: Values): void {
  for (const spec of values.secret ?? []) {
    const fields = new Map<string, string>()
    for (const part of spec.split(',')) {
      const at = part.indexOf('=')
      const key = at < 0 ? '' : part.slice(0, at)
      if (!['id', 'src', 'source', 'env', 'type', 'required'].includes(key)) {
        throw new UsageError(`--secret: '${spec}' is not id=ID,src=PATH or id=ID,env=VAR; '${part}' is no field of it`)
      }
      fields.set(key === 'source' ? 'src' : key, part.slice(at + 1))
    }
    const id = fields.get('id')
    const type = fields.get('type') ?? (fields.has('env') ? 'env' : 'file')
    if (!id) throw new UsageError(`--secret: '${spec}' has no id=; e.g. --secret id=npm,src=$HOME/.npmrc`)
    if (type === 'env') (values[Input.SecretEnvs] ??= []).push(`${id}=${fields.get('env') ?? id}`)
    else if (type === 'file' && fields.get('src')) (values[Input.SecretFiles] ??= []).push(`${id}=${fields.get('src')}`)
    else throw new UsageError(`--secret: '${spec}' says neither src=PATH nor env=VAR; e.g. --secret id=${id},src=PATH`)
  }
  delete values.secret
}

