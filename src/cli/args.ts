// The CLI's flags: the action's inputs, spelled as --flags, read into the same Inputs. Each command
// takes only the flags it reads; docker's own spellings (-t, -f, --build-arg, --platform, …) work too.
import { Input } from '../core/constants.js'
import { parseInputs, type Inputs } from '../core/inputs.js'
import { ADVICE_COMMITS } from '../core/stages/advise.js'
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

const BUILD: readonly Command[] = ['build']
const SOURCE: readonly Command[] = ['build', 'context', 'advise']

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
  Input.BuildLogin
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
  [Input.Mtime]: ['build', 'context'],
  [Input.BuildContexts]: ['build', 'context'],
  [Input.ComposeFile]: ['build', 'context'],
  [Input.Target]: ['build', 'advise']
}

/** Inputs that carry secrets: read from the environment, never from a flag, which any process listing shows. */
const FROM_ENV: Partial<Record<Input, string>> = {
  [Input.Secrets]: 'HASHDOCK_SECRETS',
  [Input.RegistryLogins]: 'HASHDOCK_REGISTRY_LOGINS'
}

/** docker's and buildx's spellings, as people type them from habit: alias → flag. */
export const ALIASES: Record<string, string> = {
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
    json: { kind: 'switch', commands: ['build', 'advise', 'doctor'] },
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
  const { values, positionals, unknown } = tokenize(argv, table)
  const first = positionals[0]
  if (values.version || first === 'version') return bare('version')
  if (first === 'help' || (first === undefined && (values.help || (!unknown && !Object.keys(values).length)))) {
    const topic = first === 'help' ? positionals[1] : undefined
    if (topic !== undefined && !isCommand(topic)) throw unknownCommand(topic)
    return bare('help', topic)
  }
  if (first === undefined) throw new UsageError(`${unknown ?? `--${Object.keys(values)[0]}`}: a command comes first: hashdock ${COMMANDS.join('|')} [options]`)
  if (!isCommand(first)) throw unknownCommand(first)
  const command = first
  if (values.help) return bare('help', command)
  if (unknown) throw unknownFlag(unknown, command, table)
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; every option is a --flag (see hashdock ${command} --help)`)
  for (const name of Object.keys(values)) {
    const owners = table[name].commands
    if (!owners.includes(command)) {
      throw new UsageError(
        owners.length === 1 ? `--${name}: only hashdock ${owners[0]} reads it` : `--${name}: hashdock ${command} does not read it; ${listed(owners)} do`
      )
    }
  }
  secretAliases(values)

  // Only a build logs in; no other command reads a password.
  const password = command !== 'build' ? '' : values['registry-password-stdin'] ? stdin().trim() : (process.env.HASHDOCK_REGISTRY_PASSWORD ?? '')
  delete process.env.HASHDOCK_REGISTRY_PASSWORD // read once; only docker login gets it, on its standard input
  const read = (name: Input): string => {
    if (name === Input.RegistryPassword) return password
    const envName = FROM_ENV[name]
    if (envName) return command === 'build' ? (process.env[envName] ?? '') : ''
    const given = values[name]
    // Pushing is explicit on a developer's machine: a first try must not publish anything.
    if (name === Input.Push && given === undefined) return 'false'
    if (!given) return ''
    return given.join(name === Input.Platforms ? ',' : '\n')
  }
  const inputs =
    command === 'build'
      ? parseInputs(read)
      : command === 'doctor'
        ? ({} as Inputs)
        : // The other commands build no image, so they need no image name: any valid one will do.
          parseInputs(n => (n === Input.Image ? `${command}/only` : read(n)))
  const artifactsDir = values['artifacts-dir']?.[0] ?? ''
  if (command === 'build' && inputs[Input.Artifacts].length && !artifactsDir) {
    throw new UsageError('--artifacts-dir: give the directory --artifacts are written to, e.g. --artifacts-dir dist')
  }
  if (command === 'build' && artifactsDir && !inputs[Input.Artifacts].length) {
    throw new UsageError('--artifacts-dir: no --artifacts are asked for; name them with --artifacts STAGE:PATH')
  }
  return {
    command,
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

const listed = (words: readonly string[]): string => (words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words.join(''))

const isCommand = (word: string): word is Command => (COMMANDS as readonly string[]).includes(word)

function unknownCommand(word: string): UsageError {
  const near = closest(word, COMMANDS)
  return new UsageError(`unknown command '${word}'; ${near ? `did you mean ${near}? The` : 'the'} commands are ${listed(COMMANDS)}`)
}

function commits(value: string | undefined): number {
  if (value === undefined) return ADVICE_COMMITS
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new UsageError(`--commits: '${value}' is not a whole number of commits, e.g. --commits 200`)
  return Number(value)
}

/**
 * The words of a command line: --flag VALUE, --flag=VALUE, -t VALUE, switches, booleans with their
 * --no- form, and positionals. The first unknown flag is kept to be reported once the command is known.
 */
function tokenize(argv: string[], table: Record<string, Flag>): { values: Values; positionals: string[]; unknown?: string } {
  const values: Values = {}
  const positionals: string[] = []
  let unknown: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]
    if (word === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word)
      continue
    }
    const eq = word.indexOf('=')
    const spelled = eq < 0 ? word : word.slice(0, eq)
    const inline = eq < 0 ? undefined : word.slice(eq + 1)
    const bareName = spelled.replace(/^--?/, '')
    // A single dash is for the one-letter aliases only; --t is no spelling of anything.
    const known = spelled.startsWith('--') ? (bareName.length > 1 ? bareName : undefined) : bareName.length === 1 ? bareName : undefined
    let name = known === undefined ? undefined : known in table ? known : ALIASES[known]
    let negated = false
    if (name === undefined && known?.startsWith('no-') && table[known.slice(3)]?.kind === 'boolean') {
      name = known.slice(3)
      negated = true
    }
    if (name === undefined || !(name in table)) {
      unknown ??= spelled
      continue
    }
    const flag = table[name]
    const add = (value: string): void => {
      if (values[name] && !flag.multiple && flag.kind !== 'switch') throw new UsageError(`${spelled} is given twice; give it once`)
      ;(values[name] ??= []).push(value)
    }
    if (flag.kind === 'switch' || negated) {
      if (inline !== undefined) throw new UsageError(`${spelled} takes no value`)
      add(negated ? 'false' : 'true')
    } else if (flag.kind === 'boolean') {
      if (inline === '') throw new UsageError(`${spelled}= needs true or false, or no value at all: ${spelled} alone is true`)
      // The next word is the value unless it is a flag: --push, --push true, --push=false.
      const next = argv[i + 1]
      // After the command no other word stands alone, so the next one is this flag's value, true or not.
      if (inline !== undefined) add(inline)
      else if (next !== undefined && !next.startsWith('-') && (positionals.length > 0 || /^(true|false)$/i.test(next))) add(argv[++i])
      else add('true')
    } else {
      const value = inline ?? argv[i + 1]
      if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-')) throw new UsageError(`${spelled} needs a value, e.g. ${spelled}=VALUE`)
      if (inline === undefined) i++
      add(value)
    }
  }
  return { values, positionals, ...(unknown ? { unknown } : {}) }
}

function unknownFlag(flag: string, command: Command, table: Record<string, Flag>): UsageError {
  const why: Record<string, string> = {
    '--registry-password': '; the password comes from HASHDOCK_REGISTRY_PASSWORD or --registry-password-stdin, never from a flag',
    '--secrets': '; secret values come from HASHDOCK_SECRETS (id=value lines), --secret-envs or --secret-files, never from a flag',
    '--registry-logins': '; logins come from HASHDOCK_REGISTRY_LOGINS (registry=user:password lines), never from a flag'
  }
  if (why[flag]) return new UsageError(`unknown flag ${flag}${why[flag]}`)
  const names = [...Object.keys(table).filter(n => table[n].commands.includes(command)), ...Object.keys(ALIASES).filter(a => a.length > 1 && table[ALIASES[a]]?.commands.includes(command))]
  const near = closest(flag.replace(/^--?/, ''), names)
  return new UsageError(`unknown flag ${flag}; ${near ? `did you mean --${near}?` : `hashdock ${command} --help lists its flags`}`)
}

/** The nearest word within a couple of typos, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : distance(word, c)
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
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

