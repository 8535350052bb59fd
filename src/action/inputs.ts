// The one place that reads the action's inputs; secrets are masked before anything else happens.
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { Input, InputError, type Inputs, parseInputs, parseSigstoreInstance, SigningInput, type SigstoreInstance } from '../core/index.js'

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
  /** The instance's trusted roots, read from the file the input names: what checks a record before reuse. */
  trustedRoots: object[]
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
  const rootFile = core.getInput(SigningInput.SigstoreTrustedRoot).trim()
  if (rootFile && !instance) throw new InputError(SigningInput.SigstoreTrustedRoot, 'is the trust root of sigstore-instance, which is empty; name the instance too, or leave this empty')
  return { ...(instance ? { instance } : {}), trustedRoots: rootFile ? readTrustedRoots(rootFile) : [], githubAttestations: flag === 'true', githubToken: token }
}

/** A Sigstore trusted root file: one JSON object, or one a line (as gh attestation trusted-root writes them). */
function readTrustedRoots(file: string): object[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(SigningInput.SigstoreTrustedRoot, `cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'}); give the path of the instance's trusted_root.json in the job`)
  }
  try {
    const trimmed = text.trim()
    return trimmed.startsWith('{') && !trimmed.includes('\n{') ? [JSON.parse(trimmed) as object] : trimmed.split('\n').filter(l => l.trim()).map(l => JSON.parse(l) as object)
  } catch {
    throw new InputError(SigningInput.SigstoreTrustedRoot, `'${file}' is not a Sigstore trusted root (JSON, or one a line)`)
  }
}
