// The core's messages in a terminal user's words: flags for inputs, and the fixes a developer applies.
import { Input, type Remedy } from '../core/index.js'

const HINTS: Record<Remedy, string> = {
  checkout: 'run hashdock inside a git repository, or pass its directory with --repo',
  'full-history': 'fetch the full history first: git fetch --unshallow',
  password: 'set HASHDOCK_REGISTRY_PASSWORD, or pass --registry-password-stdin'
}

/**
 * A message from the core, as a terminal user meets it: an input's name becomes its flag (githash: →
 * --githash:), and the fix is the one a developer applies.
 */
export function terminalMessage(message: string, remedy?: Remedy): string {
  const m = /^([a-z-]+): /.exec(message)
  const name = m?.[1]
  let text = message
  if (name && (Object.values(Input) as string[]).includes(name)) {
    const problem = message.slice(m[0].length)
    // In a workflow the checkout is the workspace; here it is --repo, whichever input the core named.
    text = remedy === 'checkout' ? `--repo: ${problem}` : name === Input.RegistryPassword ? `registry password: ${problem}` : `--${message}`
  }
  text = flagWords(text)
  return remedy ? `${text}; ${HINTS[remedy]}` : text
}

const INPUT_NAMES = (Object.values(Input) as string[]).sort((a, b) => b.length - a.length).join('|')
const FLAG_WORDS: [RegExp, (name: string, value?: string) => string][] = [
  // "set push to false", "set compose-trust: host" → "pass --push false", "pass --compose-trust host"
  [new RegExp(`\\bset (${INPUT_NAMES})(?: to|:) (true|false|none|host|[\\w.-]*[/=\\d][\\w./=:-]*?)(?=[,;.)]?(?:\\s|$))`, 'g'), (name, value) => `pass --${name} ${value}`],
  // "set dockerfile to its path in the repository" → "pass its path in the repository with --dockerfile"
  [new RegExp(`\\bset (${INPUT_NAMES}) to ([^,;.]+)`, 'g'), (name, what) => `pass ${what} with --${name}`],
  // "leave builder empty" → "leave out --builder"
  [new RegExp(`\\bleave (${INPUT_NAMES}) empty\\b`, 'g'), name => `leave out --${name}`],
  // "in the tags input", "the builder input" → "in --tags", "--builder"
  [new RegExp(`\\b(?:the )?(${INPUT_NAMES}) input\\b`, 'g'), name => `--${name}`],
  // "(platforms)", "(githash)": an input named in passing
  [new RegExp(`\\((${INPUT_NAMES})\\)`, 'g'), name => `(--${name})`]
]

/** The action's words for its inputs inside a message, as flags: what a terminal user types. */
function flagWords(text: string): string {
  return FLAG_WORDS.reduce((t, [pattern, words]) => t.replace(pattern, (_, name: string, value?: string) => words(name, value)), text)
}
