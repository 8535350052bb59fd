// The one place that reads the action's inputs; secrets are masked before anything else happens.
import * as core from '@actions/core'
import { Input } from '../core/constants.js'
import { parseInputs, type Inputs } from '../core/inputs.js'

export function readInputs(): Inputs {
  const password = core.getInput(Input.RegistryPassword)
  if (password) core.setSecret(password)
  // Read once, then gone from the environment: only docker login gets it, on its standard input.
  delete process.env[`INPUT_${Input.RegistryPassword.toUpperCase()}`]
  return parseInputs(name => (name === Input.RegistryPassword ? password : core.getInput(name)))
}
