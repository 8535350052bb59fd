// The one place that reads the action's inputs; secrets are masked before anything else happens.
import * as core from '@actions/core'
import { Input } from '../core/constants.js'
import { parseInputs, type Inputs } from '../core/inputs.js'

export function readInputs(): Inputs {
  const password = core.getInput(Input.RegistryPassword)
  if (password) core.setSecret(password)
  return parseInputs(name => core.getInput(name))
}
