// Parsing the pipeline's inputs: every value checked once, every error naming its input.
import { describe, expect, test } from '@jest/globals'
import { Input } from '../../src/core/constants.js'
import { InputError } from '../../src/core/errors.js'
import { parseInputs, type Inputs } from '../../src/core/inputs.js'

type Raw = Partial<Record<Input, string>>

const IMAGE = 'ghcr.io/acme/app'

/** Parses raw inputs on top of a valid image; every other input unset. */
function parse(raw: Raw): Inputs {
  const all: Raw = { [Input.Image]: IMAGE, ...raw }
  return parseInputs(name => all[name] ?? '')
}

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error, got none')
}

/** The error of parsing `raw`, checked to be an InputError whose message starts with the input's name. */
function inputError(raw: Raw, input: Input): InputError {
  const error = thrown(() => parse(raw))
  expect(error).toBeInstanceOf(InputError)
  expect((error as InputError).input).toBe(input)
  expect(error.message.startsWith(`${input}: `)).toBe(true)
  return error as InputError
}

describe('parseInputs: defaults', () => {
  test('only an image given: everything else takes its documented default', () => {
    expect(parse({})).toMatchObject({
      [Input.Image]: [IMAGE],
      [Input.Githash]: '',
      [Input.Context]: '.',
      [Input.Dockerfile]: '',
      [Input.Tags]: [],
      [Input.BuildArgs]: [],
      [Input.Target]: '',
      [Input.Push]: true,
      [Input.RegistryUsername]: '',
      [Input.RegistryPassword]: '',
      [Input.TestCommand]: '',
      [Input.ComposeFile]: '',
      [Input.ComposeService]: '',
      [Input.IntegrationCommand]: '',
      [Input.TestResults]: '',
      [Input.WaitTimeout]: 120,
      [Input.Mtime]: 'content',
      [Input.Cache]: '',
      [Input.Rebuild]: false
    })
  })

  test('reads each input by its real name', () => {
    const asked: string[] = []
    parseInputs(name => {
      asked.push(name)
      return name === Input.Image ? IMAGE : ''
    })
    for (const name of Object.values(Input)) expect(asked).toContain(name)
  })
})

describe('parseInputs: valid values', () => {
  test.each<[Input, string, unknown]>([
    [Input.Image, 'ghcr.io/acme/app', ['ghcr.io/acme/app']],
    [Input.Image, '  acme/app  ', ['acme/app']],
    [Input.Image, 'localhost:5000/x', ['localhost:5000/x']],
    [Input.Image, 'app', ['app']],
    [Input.Image, 'ghcr.io/acme/app\ndocker.io/acme/app\n', ['ghcr.io/acme/app', 'docker.io/acme/app']],
    [Input.Platforms, '', []],
    [Input.Platforms, 'linux/amd64, linux/arm64', ['linux/amd64', 'linux/arm64']],
    [Input.Platforms, 'linux/amd64\nlinux/arm/v7\n', ['linux/amd64', 'linux/arm/v7']],
    [Input.Githash, '0123456789abcdef0123456789abcdef01234567', '0123456789abcdef0123456789abcdef01234567'],
    [Input.Githash, 'abc1234', 'abc1234'],
    [Input.Githash, 'v1.2.3', 'v1.2.3'],
    [Input.Githash, 'feature/login', 'feature/login'],
    [Input.Githash, 'HEAD~2', 'HEAD~2'],
    [Input.Githash, 'main^', 'main^'],
    [Input.Githash, ' main ', 'main'],
    [Input.Context, '.', '.'],
    [Input.Context, './', '.'],
    [Input.Context, './a/b/', 'a/b'],
    [Input.Context, 'a//b', 'a/b'],
    [Input.Context, 'a/./b', 'a/b'],
    [Input.Context, 'a/../b', 'b'],
    [Input.Context, 'a\\b', 'a/b'],
    [Input.Context, ' app ', 'app'],
    [Input.Dockerfile, 'docker/Dockerfile.prod', 'docker/Dockerfile.prod'],
    [Input.Dockerfile, './Dockerfile', 'Dockerfile'],
    [Input.Target, 'test', 'test'],
    [Input.Target, 'build-stage_2.x', 'build-stage_2.x'],
    [Input.Push, 'true', true],
    [Input.Push, 'True', true],
    [Input.Push, 'TRUE', true],
    [Input.Push, 'false', false],
    [Input.Push, 'False', false],
    [Input.Push, 'FALSE', false],
    [Input.Push, ' false ', false],
    [Input.Rebuild, 'true', true],
    [Input.Rebuild, 'false', false],
    [Input.Reuse, 'signed', 'signed'],
    [Input.Reuse, '', false],
    [Input.Provenance, '', false],
    [Input.Provenance, 'true', true],
    [Input.Provenance, 'in-image', 'in-image'],
    [Input.TestCommand, '  npm test  ', 'npm test'],
    [Input.IntegrationCommand, ' pytest tests/it ', 'pytest tests/it'],
    [Input.TestResults, '/tmp/test-results', '/tmp/test-results'],
    [Input.WaitTimeout, '1', 1],
    [Input.WaitTimeout, '300', 300],
    [Input.WaitTimeout, ' 60 ', 60],
    [Input.Mtime, 'commit', 'commit'],
    [Input.Mtime, 'per-file', 'per-file'],
    [Input.Cache, 'gha', 'gha'],
    [Input.Cache, 'registry', 'registry'],
    [Input.Cache, 'none', 'none']
  ])('%s %j → %j', (input, raw, expected) => {
    expect(parse({ [input]: raw })[input as keyof Inputs]).toEqual(expected)
  })

  test.each<[string, string, string[]]>([
    ['one per line', 'latest\nstable', ['latest', 'stable']],
    ['lines trimmed', '  latest  \n\tstable\t', ['latest', 'stable']],
    ['blank lines dropped', '\nlatest\n\n   \nstable\n', ['latest', 'stable']],
    ['comment lines ignored', '# extra tags\nlatest\n  # indented comment\nstable', ['latest', 'stable']],
    ['CRLF line ends', 'latest\r\nstable\r\n', ['latest', 'stable']],
    ['placeholders kept for later', '{githash}\n{short}\n{ref}\n{date}\nv-{short}-{date}', ['{githash}', '{short}', '{ref}', '{date}', 'v-{short}-{date}']]
  ])('tags: %s', (_, raw, expected) => {
    expect(parse({ [Input.Tags]: raw })[Input.Tags]).toEqual(expected)
  })

  test.each<[string, string, string[]]>([
    ['one per line', 'A=1\nB=two', ['A=1', 'B=two']],
    ['lines trimmed', '  A=1  \n\tB=2', ['A=1', 'B=2']],
    ['comment lines ignored', '# versions\nNODE_VERSION=20\n# done', ['NODE_VERSION=20']],
    ['empty value', 'EMPTY=', ['EMPTY=']],
    ['value holding =', 'OPTS=a=b=c', ['OPTS=a=b=c']],
    ['underscore names', '_PRIVATE=1\nlower_case=x', ['_PRIVATE=1', 'lower_case=x']]
  ])('build-args: %s', (_, raw, expected) => {
    expect(parse({ [Input.BuildArgs]: raw })[Input.BuildArgs]).toEqual(expected)
  })

  test('registry-username and registry-password together', () => {
    const inputs = parse({ [Input.RegistryUsername]: ' bot ', [Input.RegistryPassword]: 's3cret' })
    expect(inputs[Input.RegistryUsername]).toBe('bot')
    expect(inputs[Input.RegistryPassword]).toBe('s3cret')
  })

  test('compose-service with compose-file', () => {
    const inputs = parse({ [Input.ComposeFile]: './deploy/compose.yml', [Input.ComposeService]: 'app' })
    expect(inputs[Input.ComposeFile]).toBe('deploy/compose.yml')
    expect(inputs[Input.ComposeService]).toBe('app')
  })
})

describe('parseInputs: invalid values name their input', () => {
  test.each<[Input, string, string]>([
    [Input.Image, '', 'is required'],
    [Input.Platforms, 'arm64', "'arm64' is not a platform; write os/arch"],
    [Input.Platforms, 'linux/amd64,linux/AMD64', "'linux/AMD64' is not a platform"],
    [Input.Platforms, 'linux/arm64,linux/arm64', "'linux/arm64' is listed twice"],
    [Input.Image, '   ', 'is required'],
    [Input.Image, 'ghcr.io/acme/app:1.0', 'must not carry a tag'],
    [Input.Image, 'acme/app@sha256:' + 'a'.repeat(64), 'must not carry a digest'],
    [Input.Image, 'acme/App', 'is not a valid image repository'],
    [Input.Image, 'acme//app', 'is not a valid image repository'],
    [Input.Image, 'a'.repeat(256), 'longer than 255'],
    [Input.Githash, '-x', 'is not a commit hash, tag or branch name'],
    [Input.Githash, '--upload-pack=touch x', 'is not a commit hash, tag or branch name'],
    [Input.Githash, 'main; rm -rf /', 'is not a commit hash, tag or branch name'],
    [Input.Githash, 'HEAD:src', 'is not a commit hash, tag or branch name'],
    [Input.Githash, '.hidden', 'is not a commit hash, tag or branch name'],
    [Input.Context, '../x', 'must be a relative path inside the repository'],
    [Input.Context, '..', 'must be a relative path inside the repository'],
    [Input.Context, 'a/../../x', 'must be a relative path inside the repository'],
    [Input.Context, '/abs', 'must be a relative path inside the repository'],
    [Input.Context, '/abs/dir/', 'must be a relative path inside the repository'],
    [Input.Context, '..\\x', 'must be a relative path inside the repository'],
    [Input.Dockerfile, '../Dockerfile', 'must be a relative path inside the repository'],
    [Input.Dockerfile, '/etc/passwd', 'must be a relative path inside the repository'],
    [Input.ComposeFile, '../compose.yml', 'must be a relative path inside the repository'],
    [Input.ComposeFile, '/compose.yml', 'must be a relative path inside the repository'],
    [Input.Tags, 'v-{branchname}', 'unknown placeholder {branchname}'],
    [Input.Tags, 'latest\n{SHORT}', 'unknown placeholder {SHORT}'],
    [Input.Tags, '{}', 'unknown placeholder {}'],
    [Input.BuildArgs, 'KEY', 'is not KEY=VALUE'],
    [Input.BuildArgs, 'A=1\nNOPE', "'NOPE' is not KEY=VALUE"],
    [Input.BuildArgs, '1KEY=x', 'is not KEY=VALUE'],
    [Input.BuildArgs, 'A=1\nSOURCE_DATE_EPOCH=1700000000', "'SOURCE_DATE_EPOCH=1700000000': SOURCE_DATE_EPOCH is hashdock's image clock and cannot be set"],
    [Input.BuildArgs, 'MY KEY=x', 'is not KEY=VALUE'],
    [Input.BuildArgs, '=value', 'is not KEY=VALUE'],
    [Input.Target, '-stage', 'is not a stage name'],
    [Input.Target, 'a b', 'is not a stage name'],
    [Input.Push, 'yes', 'is not a boolean'],
    [Input.Push, '1', 'is not a boolean'],
    [Input.Push, 'tRUE', 'is not a boolean'],
    [Input.Rebuild, 'no', 'is not a boolean'],
    [Input.Reuse, 'yes', "'yes' is not one of true, false or signed"],
    [Input.Reuse, 'Signed', 'is not one of true, false or signed'],
    [Input.Provenance, 'beside', "'beside' is not one of true, false or in-image"],
    [Input.Provenance, 'mode=max', 'is not one of true, false or in-image'],
    [Input.WaitTimeout, '0', 'is not a whole number of seconds'],
    [Input.WaitTimeout, '-5', 'is not a whole number of seconds'],
    [Input.WaitTimeout, '1.5', 'is not a whole number of seconds'],
    [Input.WaitTimeout, '2m', 'is not a whole number of seconds'],
    [Input.WaitTimeout, 'abc', 'is not a whole number of seconds'],
    [Input.TestResults, 'results', 'must be an absolute directory'],
    [Input.TestResults, './results', 'must be an absolute directory'],
    [Input.Mtime, 'author', 'is not one of content, commit, per-file'],
    [Input.Cache, 'local', 'is not one of gha, registry, none']
  ])('%s %j', (input, raw, problem) => {
    const error = inputError({ [input]: raw }, input)
    expect(error.message).toContain(problem)
  })

  // The root '/' normalizes to '' and so to '.': it must still be refused as absolute.
  test.each<[Input, string]>([
    [Input.Context, '/'],
    [Input.Context, '///'],
    [Input.Dockerfile, '/'],
    [Input.ComposeFile, '\\']
  ])('%s %j is absolute and must be refused', (input, raw) => {
    inputError({ [input]: raw }, input)
  })

  // Object.prototype's members are not placeholders.
  test.each(['{hasOwnProperty}', 'v-{isPrototypeOf}', '{toString}', '{__proto__}'])('tags %j: unknown placeholder', raw => {
    expect(inputError({ [Input.Tags]: raw }, Input.Tags).message).toContain('unknown placeholder')
  })

  test('an invalid value is quoted in the message', () => {
    expect(inputError({ [Input.Push]: 'maybe' }, Input.Push).message).toContain("'maybe'")
    expect(inputError({ [Input.Context]: '../x' }, Input.Context).message).toContain("'../x'")
  })

  test('an unknown tag placeholder lists the known ones', () => {
    const { message } = inputError({ [Input.Tags]: 'x-{sha}' }, Input.Tags)
    for (const known of ['{githash}', '{short}', '{ref}', '{date}']) expect(message).toContain(known)
  })

  test.each<[string, Raw, Input]>([
    ['registry-password without registry-username', { [Input.RegistryPassword]: 's3cret' }, Input.RegistryUsername],
    ['registry-username without registry-password', { [Input.RegistryUsername]: 'bot' }, Input.RegistryPassword],
    ['compose-service without compose-file', { [Input.ComposeService]: 'app' }, Input.ComposeService]
  ])('%s', (_, raw, input) => {
    inputError(raw, input)
  })

  test('the registry-password error names the user but never the password', () => {
    const { message } = inputError({ [Input.RegistryUsername]: 'bot', [Input.RegistryPassword]: '' }, Input.RegistryPassword)
    expect(message).toContain('bot')
    const other = inputError({ [Input.RegistryPassword]: 'hunter2' }, Input.RegistryUsername)
    expect(other.message).not.toContain('hunter2')
  })
})

describe('parseInputs: handing a tested image on, and assembling an index of them', () => {
  const tested = { [Input.TestCommand]: 'pytest' }

  test('export-dir with one platform and a test; assemble-from with the platforms it expects, in order', () => {
    expect(parse({ ...tested, [Input.ExportDir]: 'handed-on', [Input.Platforms]: 'linux/arm64' })[Input.ExportDir]).toBe('handed-on')
    const assembly = parse({ [Input.AssembleFrom]: 'handed-on', [Input.Platforms]: 'linux/arm64,linux/amd64' })
    expect(assembly[Input.AssembleFrom]).toBe('handed-on')
    expect(assembly[Input.Platforms]).toEqual(['linux/arm64', 'linux/amd64'])
  })

  test.each<[string, Raw, Input, RegExp]>([
    ['export-dir without platforms', { ...tested, [Input.ExportDir]: 'out' }, Input.ExportDir, /set platforms to the one platform this job builds.*\(it is empty\)/],
    ['export-dir with two platforms', { ...tested, [Input.ExportDir]: 'out', [Input.Platforms]: 'linux/amd64,linux/arm64' }, Input.ExportDir, /it is linux\/amd64,linux\/arm64/],
    ['export-dir with no test', { [Input.ExportDir]: 'out', [Input.Platforms]: 'linux/amd64' }, Input.ExportDir, /give test-command or integration-command/],
    ['export-dir and assemble-from', { ...tested, [Input.ExportDir]: 'out', [Input.AssembleFrom]: 'in', [Input.Platforms]: 'linux/amd64' }, Input.ExportDir, /set one of them/],
    ['assemble-from without platforms', { [Input.AssembleFrom]: 'in' }, Input.AssembleFrom, /needs platforms/]
  ])('%s is refused in one line naming the input', (_, raw, input, message) => {
    expect(inputError(raw, input).message).toMatch(message)
  })

  test('an integration test alone is a test', () => {
    expect(parse({ [Input.IntegrationCommand]: 'pytest', [Input.ExportDir]: 'out', [Input.Platforms]: 'linux/amd64' })[Input.ExportDir]).toBe('out')
  })
})
