// The one place that reads the action's inputs; secrets are masked before anything else happens.
import * as core from '@actions/core'
import { Input, SigningInput } from '../core/constants.js'
import { parseSigstoreInstance, type SigstoreInstance } from '../core/attestation/instance.js'
import { InputError } from '../core/errors.js'
import { parseInputs, type Inputs } from '../core/inputs.js'

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

/** How the action signs the test-result attestation: the action's own inputs, which the CLI has no flags for. */
export interface SigningInputs {
  instance?: SigstoreInstance
  githubAttestations: boolean
  /** Writes to GitHub's attestation store; masked, and gone from the environment once read. */
  githubToken: string
}

export function readSigningInputs(): SigningInputs {
  const token = core.getInput(SigningInput.GithubToken)
  if (token) core.setSecret(token)
  delete process.env[`INPUT_${SigningInput.GithubToken.toUpperCase()}`]
  const flag = core.getInput(SigningInput.GithubAttestations).trim() || 'true'
  if (!['true', 'false'].includes(flag)) throw new InputError(SigningInput.GithubAttestations, `'${flag.slice(0, 40)}' is not true or false`)
  const instance = parseSigstoreInstance(core.getInput(SigningInput.SigstoreInstance))
  return { ...(instance ? { instance } : {}), githubAttestations: flag === 'true', githubToken: token }
}
