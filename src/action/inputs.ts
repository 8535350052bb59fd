// The one place that reads the action's inputs; secrets are masked before anything else happens.
import * as core from '@actions/core'
import { Input, type Inputs, parseInputs } from '../core/index.js'

/** Inputs whose lines carry a secret after their first separator: `id=value`, `registry=user:password`. */
const SECRET_LINES: Record<string, RegExp> = { [Input.Secrets]: /=/, [Input.RegistryLogins]: /:/ }

export function readInputs(): Inputs {
  const password = core.getInput(Input.RegistryPassword)
  if (password) core.setSecret(password)
  for (const [name, separator] of Object.entries(SECRET_LINES)) {
    for (const line of core.getInput(name).split(/\r?\n/)) {
      if (!line.trim()) continue
      // The whole line, and the value alone: either may end up in a program's output.
      core.setSecret(line)
      const value = name === Input.RegistryLogins ? line.slice(line.indexOf('=') + 1).replace(/^[^:]*:/, '') : line.slice(line.search(separator) + 1)
      if (value.trim()) core.setSecret(value)
    }
  }
  // Read once, then gone from the environment: only docker login and BuildKit get them, never an argument.
  const secret = new Map([Input.RegistryPassword, ...Object.keys(SECRET_LINES)].map(name => [name, core.getInput(name)]))
  for (const name of secret.keys()) delete process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]
  return parseInputs(name => secret.get(name) ?? core.getInput(name))
}
