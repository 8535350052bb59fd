// The core's messages in a terminal user's words: flags for inputs, and the fixes a developer applies.
import { Input } from '../core/constants.js'
import type { Remedy } from '../core/errors.js'

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
  return remedy ? `${text}; ${HINTS[remedy]}` : text
}
