// The inputs users bring from build-push-action and the registry logins: parsed once, errors naming
// the input, secret values never in a message.
import { describe, expect, test } from '@jest/globals'
import { credentialLike } from '../../src/core/build-inputs.js'
import { Input } from '../../src/core/constants.js'
import { InputError } from '../../src/core/errors.js'
import { parseInputs, type Inputs } from '../../src/core/inputs.js'

type Raw = Partial<Record<Input, string>>

function parse(raw: Raw): Inputs {
  const all: Raw = { [Input.Image]: 'ghcr.io/acme/app', ...raw }
  return parseInputs(name => all[name] ?? '')
}

function inputError(raw: Raw): InputError {
  try {
    parse(raw)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an error, got none')
}

describe('valid values', () => {
  test.each<[string, Raw, keyof Inputs, unknown]>([
    ['several images, one a line', { [Input.Image]: 'ghcr.io/acme/app\n\ndocker.io/acme/app' }, Input.Image, ['ghcr.io/acme/app', 'docker.io/acme/app']],
    ['a login per registry', { [Input.RegistryLogins]: 'docker.io=acme-ci:pa:ss=word\nquay.io=robot+ci:tok' }, Input.RegistryLogins, [
      { registry: 'docker.io', username: 'acme-ci', password: 'pa:ss=word', from: Input.RegistryLogins },
      { registry: 'quay.io', username: 'robot+ci', password: 'tok', from: Input.RegistryLogins }
    ]],
    ['a login named by an image of its registry', { [Input.RegistryLogins]: 'registry.example.com:5000/acme/app=u:p' }, Input.RegistryLogins, [
      { registry: 'registry.example.com:5000', username: 'u', password: 'p', from: Input.RegistryLogins }
    ]],
    ['registry-username joins the logins, for the first image\'s registry', { [Input.RegistryUsername]: 'bot', [Input.RegistryPassword]: 'pw', [Input.RegistryLogins]: 'docker.io=u:p' }, Input.RegistryLogins, [
      { registry: 'ghcr.io', username: 'bot', password: 'pw', from: Input.RegistryPassword },
      { registry: 'docker.io', username: 'u', password: 'p', from: Input.RegistryLogins }
    ]],
    ['secrets from values, files and variables', { [Input.Secrets]: 'npm=a=b=c\ngh= spaced ', [Input.SecretFiles]: 'aws=.aws/credentials', [Input.SecretEnvs]: 'tok=GH_TOKEN' }, Input.Secrets, [
      { id: 'npm', value: 'a=b=c' },
      { id: 'gh', value: ' spaced' },
      { id: 'aws', file: '.aws/credentials' },
      { id: 'tok', env: 'GH_TOKEN' }
    ]],
    ['ssh', { [Input.Ssh]: 'default\ngithub=/home/runner/.ssh/id_ed25519' }, Input.Ssh, ['default', 'github=/home/runner/.ssh/id_ed25519']],
    ['build contexts', { [Input.BuildContexts]: 'shared=libs/shared/\nbase=docker-image://alpine:3.20' }, Input.BuildContexts, [
      { name: 'shared', path: 'libs/shared' },
      { name: 'base', image: 'alpine:3.20' }
    ]],
    ['labels, later lines win', { [Input.Labels]: 'a=1\norg.opencontainers.image.title=x\na=2' }, Input.Labels, { a: '2', 'org.opencontainers.image.title': 'x' }],
    ['annotations, typed or not', { [Input.Annotations]: 'org.opencontainers.image.description=x\nindex:team=y\nmanifest[linux/amd64]:k=v' }, Input.Annotations, [
      'org.opencontainers.image.description=x',
      'index:team=y',
      'manifest[linux/amd64]:k=v'
    ]],
    ['no-cache', { [Input.NoCache]: 'true' }, Input.NoCache, true],
    ['pull', { [Input.Pull]: 'true' }, Input.Pull, true],
    ['network', { [Input.Network]: 'none' }, Input.Network, 'none'],
    ['shm-size', { [Input.ShmSize]: '128m' }, Input.ShmSize, '128m'],
    ['ulimit', { [Input.Ulimit]: 'nofile=1024:2048\nnproc=512' }, Input.Ulimit, ['nofile=1024:2048', 'nproc=512']],
    ['add-hosts, either separator', { [Input.AddHosts]: 'db.internal=10.0.0.5\ncache:10.0.0.6' }, Input.AddHosts, ['db.internal=10.0.0.5', 'cache=10.0.0.6']],
    ['force-tags', { [Input.ForceTags]: 'true' }, Input.ForceTags, true]
  ])('%s', (_, raw, key, expected) => {
    expect(parse(raw)[key]).toEqual(expected)
  })

  test('defaults: nothing added, nothing forced', () => {
    expect(parse({})).toMatchObject({
      [Input.RegistryLogins]: [],
      [Input.Secrets]: [],
      [Input.Ssh]: [],
      [Input.BuildContexts]: [],
      [Input.Labels]: {},
      [Input.Annotations]: [],
      [Input.NoCache]: false,
      [Input.Pull]: false,
      [Input.Network]: '',
      [Input.ShmSize]: '',
      [Input.Ulimit]: [],
      [Input.AddHosts]: [],
      [Input.ForceTags]: false
    })
  })
})

describe('invalid values name their input', () => {
  test.each<[Raw, Input, string]>([
    [{ [Input.Image]: 'ghcr.io/acme/app\nghcr.io/acme/app' }, Input.Image, 'given twice'],
    [{ [Input.Image]: 'ghcr.io/acme/app\ndocker.io/acme/app:1' }, Input.Image, 'must not carry a tag'],
    [{ [Input.RegistryLogins]: 'docker.io' }, Input.RegistryLogins, 'line 1 is not registry=username:password'],
    [{ [Input.RegistryLogins]: 'docker.io=user' }, Input.RegistryLogins, 'line 1 is not'],
    [{ [Input.RegistryLogins]: 'docker.io=:pw' }, Input.RegistryLogins, 'line 1 is not'],
    [{ [Input.RegistryLogins]: 'docker.io=u:p\ndocker.io=v:q' }, Input.RegistryLogins, 'given twice'],
    [{ [Input.RegistryLogins]: 'ghcr.io=u:p', [Input.RegistryUsername]: 'bot', [Input.RegistryPassword]: 'pw' }, Input.RegistryLogins, 'registry-username already does'],
    [{ [Input.Secrets]: '=value' }, Input.Secrets, 'without an id'],
    [{ [Input.Secrets]: 'no-separator' }, Input.Secrets, 'without an id'],
    [{ [Input.Secrets]: 'bad id=x' }, Input.Secrets, 'is not an id'],
    [{ [Input.Secrets]: 'a=1', [Input.SecretEnvs]: 'a=A' }, Input.Secrets, "'a' is given twice"],
    [{ [Input.SecretFiles]: 'aws' }, Input.SecretFiles, 'is not KEY=VALUE'],
    [{ [Input.SecretEnvs]: 'tok=not a name' }, Input.SecretEnvs, 'not an environment variable name'],
    [{ [Input.Ssh]: 'bad id=/key' }, Input.Ssh, "is not 'default' or id=path"],
    [{ [Input.BuildContexts]: 'shared=../outside' }, Input.BuildContexts, 'must be a directory of the repository'],
    [{ [Input.BuildContexts]: 'shared=/abs/path' }, Input.BuildContexts, 'must be a directory of the repository'],
    [{ [Input.BuildContexts]: 'src=https://github.com/acme/lib.git' }, Input.BuildContexts, 'only a directory of the commit or docker-image://'],
    [{ [Input.BuildContexts]: 'base=docker-image://' }, Input.BuildContexts, 'is not an image reference'],
    [{ [Input.Labels]: 'no-value' }, Input.Labels, 'is not KEY=VALUE'],
    [{ [Input.Labels]: 'org.opencontainers.image.revision=abc' }, Input.Labels, 'always names the commit built'],
    [{ [Input.Annotations]: 'bogus:key=v' }, Input.Annotations, 'is not an annotation key'],
    [{ [Input.Network]: 'bridge' }, Input.Network, 'is not one of default, none, host'],
    [{ [Input.ShmSize]: 'big' }, Input.ShmSize, 'is not a size'],
    [{ [Input.Ulimit]: 'nofile' }, Input.Ulimit, 'is not type=soft[:hard]'],
    [{ [Input.AddHosts]: 'db.internal' }, Input.AddHosts, 'not NAME=VALUE'],
    [{ [Input.AddHosts]: 'db internal=10.0.0.1' }, Input.AddHosts, 'is not host=ip'],
    [{ [Input.NoCache]: 'yes' }, Input.NoCache, 'is not a boolean'],
    [{ [Input.ForceTags]: '1' }, Input.ForceTags, 'is not a boolean']
  ])('%j → %s', (raw, input, message) => {
    const error = inputError(raw)
    expect(error.input).toBe(input)
    expect(error.message.startsWith(`${input}: `)).toBe(true)
    expect(error.message).toContain(message)
  })

  // The value of a secret or a password is never quoted back, even from a malformed line.
  test.each<[Raw, string]>([
    [{ [Input.RegistryLogins]: 'docker.io=user-without-password-s3cr3t' }, 's3cr3t'],
    [{ [Input.RegistryLogins]: 'docker.io=u:p\ndocker.io=v:s3cr3t' }, 's3cr3t'],
    [{ [Input.Secrets]: 'bad id=s3cr3t' }, 's3cr3t'],
    [{ [Input.Secrets]: '=s3cr3t' }, 's3cr3t']
  ])('%j: the error does not show the secret', (raw, secret) => {
    expect(inputError(raw).message).not.toContain(secret)
  })
})

describe('build arguments that look like credentials', () => {
  test.each<[string, boolean]>([
    ['NPM_TOKEN', true],
    ['GITHUB_TOKEN', true],
    ['DB_PASSWORD', true],
    ['db_passwd', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['API_KEY', true],
    ['APIKEY', true],
    ['PRIVATE_REPO_URL', true],
    ['BASE', false],
    ['NODE_VERSION', false],
    ['KEYBOARD_LAYOUT', false],
    ['MONKEY', false]
  ])('%s: %s', (name, flagged) => {
    expect(credentialLike([`${name}=x`])).toEqual(flagged ? [name] : [])
  })
})
