// The action's inputs, from INPUT_* variables as the runner sets them; the password masked before anything else.
import { afterEach, describe, expect, test } from '@jest/globals'
import { captureStdout } from '../../test/support/stdout.js'
import { readInputs } from '../../src/action/inputs.js'
import { Input } from '../../src/core/constants.js'

const PASSWORD = 'pa55-w0rd-XYZ'

/** The runner's variable for an input: INPUT_ and the name upper-cased, hyphens kept. */
const variable = (name: Input): string => `INPUT_${name.toUpperCase()}`

const stdout = captureStdout()
afterEach(() => {
  for (const name of Object.values(Input)) delete process.env[variable(name)]
})

function setInputs(values: Partial<Record<Input, string>>): void {
  for (const [name, value] of Object.entries(values)) process.env[variable(name as Input)] = value
}

const lines = (): string[] => stdout().join('').split(/\r?\n/).filter(Boolean)

describe('readInputs', () => {
  test('the runner spells hyphenated inputs with their hyphens', () => {
    expect(variable(Input.RegistryPassword)).toBe('INPUT_REGISTRY-PASSWORD')
    expect(variable(Input.BuildArgs)).toBe('INPUT_BUILD-ARGS')
  })

  test('reads every input from its INPUT_ variable', () => {
    setInputs({
      [Input.Image]: 'ghcr.io/acme/app',
      [Input.Githash]: 'v1.0',
      [Input.Context]: './app/',
      [Input.Tags]: 'latest\n# comment\n{short}\n',
      [Input.BuildArgs]: 'A=1\nB=2',
      [Input.Push]: 'false',
      [Input.WaitTimeout]: '30',
      [Input.TestResults]: '/tmp/results',
      [Input.RegistryUsername]: 'bot',
      [Input.RegistryPassword]: PASSWORD,
      [Input.ComposeFile]: 'compose.yml',
      [Input.ComposeService]: 'app'
    })
    expect(readInputs()).toMatchObject({
      [Input.Image]: ['ghcr.io/acme/app'],
      [Input.Githash]: 'v1.0',
      [Input.Context]: 'app',
      [Input.Tags]: ['latest', '{short}'],
      [Input.BuildArgs]: ['A=1', 'B=2'],
      [Input.Push]: false,
      [Input.WaitTimeout]: 30,
      [Input.TestResults]: '/tmp/results',
      [Input.RegistryUsername]: 'bot',
      [Input.RegistryPassword]: PASSWORD,
      [Input.ComposeFile]: 'compose.yml',
      [Input.ComposeService]: 'app'
    })
  })

  test('unset inputs take their defaults', () => {
    setInputs({ [Input.Image]: 'acme/app' })
    expect(readInputs()).toMatchObject({ [Input.Push]: true, [Input.WaitTimeout]: 120, [Input.Context]: '.', [Input.RegistryPassword]: '' })
  })

  test('the password is masked, and masking is the first thing stdout()', () => {
    setInputs({ [Input.Image]: 'acme/app', [Input.RegistryUsername]: 'bot', [Input.RegistryPassword]: PASSWORD })
    readInputs()
    expect(lines()[0]).toBe(`::add-mask::${PASSWORD}`)
    // Nothing else may carry the password.
    expect(stdout().slice(1).join('')).not.toContain(PASSWORD)
  })

  test.each<[string, Partial<Record<Input, string>>, RegExp]>([
    ['an invalid image', { [Input.Image]: 'Acme/App', [Input.RegistryUsername]: 'bot' }, /^image: /],
    ['a missing user', { [Input.Image]: 'acme/app' }, /^registry-username: /],
    ['an invalid push', { [Input.Image]: 'acme/app', [Input.RegistryUsername]: 'bot', [Input.Push]: 'yes' }, /^push: /]
  ])('%s: the error is thrown after the password was masked', (_, values, error) => {
    setInputs({ ...values, [Input.RegistryPassword]: PASSWORD })
    expect(() => readInputs()).toThrow(error)
    expect(lines()[0]).toBe(`::add-mask::${PASSWORD}`)
  })

  test('the error never carries the password', () => {
    setInputs({ [Input.Image]: 'acme/app', [Input.RegistryPassword]: PASSWORD })
    let message = ''
    try {
      readInputs()
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^registry-username: /)
    expect(message).not.toContain(PASSWORD)
  })

  test('no password: nothing to mask, nothing stdout()', () => {
    setInputs({ [Input.Image]: 'acme/app' })
    readInputs()
    expect(stdout()).toEqual([])
  })
})
