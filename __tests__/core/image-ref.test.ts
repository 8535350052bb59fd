// Image references against Docker's reference grammar: repositories, tags and the registry that holds them.
import { describe, expect, test } from '@jest/globals'
import { DOCKER_HUB, isLoopback, isValidTag, registryOf, repositoryProblem } from '../../src/core/image-ref.js'

describe('repositoryProblem', () => {
  test.each([
    'ghcr.io/acme/app',
    'localhost:5000/x',
    '127.0.0.1:5000/a/b',
    'acme/app',
    'app',
    'docker.io/library/nginx',
    'registry.example.com:443/team/sub/app',
    'my-app',
    'my--app',
    'my_app',
    'my__app',
    'my.app',
    'a0/b1',
    'a'.repeat(255)
  ])('%s is a repository', name => {
    expect(repositoryProblem(name)).toBeUndefined()
  })

  test.each<[string, string, RegExp]>([
    ['a tag', 'ghcr.io/acme/app:1.0', /tag/],
    ['a tag on a registry with a port', 'localhost:5000/x:latest', /tag/],
    ['a tag on a one-part name', 'app:latest', /tag/],
    ['a digest', `acme/app@sha256:${'a'.repeat(64)}`, /digest/],
    ['a tag and a digest', `acme/app:1@sha256:${'a'.repeat(64)}`, /digest/],
    ['upper case', 'acme/App', /not a valid image repository/],
    ['upper case everywhere', 'GHCR.IO/ACME/APP', /not a valid image repository/],
    ['double slash', 'acme//app', /not a valid image repository/],
    ['double dot', 'acme/my..app', /not a valid image repository/],
    ['triple underscore', 'acme/my___app', /not a valid image repository/],
    ['mixed separators', 'acme/my._app', /not a valid image repository/],
    ['leading separator', 'acme/-app', /not a valid image repository/],
    ['trailing separator', 'acme/app-', /not a valid image repository/],
    ['trailing slash', 'acme/app/', /not a valid image repository/],
    ['leading slash', '/acme/app', /not a valid image repository/],
    ['a space', 'acme/my app', /not a valid image repository/],
    ['empty', '', /not a valid image repository/],
    ['256 characters', 'a'.repeat(256), /longer than 255/],
    ['256 characters with a registry', `ghcr.io/${'a'.repeat(248)}`, /longer than 255/]
  ])('%s: %s', (_, name, problem) => {
    expect(repositoryProblem(name)).toMatch(problem)
  })
})

describe('isValidTag', () => {
  test.each<[string, boolean]>([
    ['latest', true],
    ['v1.2.3', true],
    ['1.0-rc.1', true],
    ['_private', true],
    ['Mixed_Case-1.x', true],
    ['0123456789abcdef0123456789abcdef01234567', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['', false],
    ['.hidden', false],
    ['-dash', false],
    ['feature/login', false],
    ['a:b', false],
    ['a b', false],
    ['a+b', false],
    ['{short}', false]
  ])('%j → %s', (value, valid) => {
    expect(isValidTag(value)).toBe(valid)
  })
})

describe('registryOf', () => {
  test.each<[string, string]>([
    ['ghcr.io/acme/app', 'ghcr.io'],
    ['localhost:5000/x', 'localhost:5000'],
    ['127.0.0.1:5000/a/b', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['registry.example.com:443/team/app', 'registry.example.com:443'],
    ['docker.io/library/nginx', 'docker.io'],
    ['acme/app', DOCKER_HUB],
    ['acme/team/app', DOCKER_HUB],
    ['app', DOCKER_HUB],
    ['localhost', DOCKER_HUB]
  ])('%s → %s', (name, registry) => {
    expect(registryOf(name)).toBe(registry)
  })

  test('Docker Hub is named as docker login names it', () => {
    expect(DOCKER_HUB).toBe('docker.io')
  })
})

// Which registries docker itself trusts without TLS: those on this machine, parsed, not guessed from a prefix.
describe('isLoopback', () => {
  test.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['LOCALHOST:5000', true],
    ['127.0.0.1:5000', true],
    ['127.255.255.254', true],
    ['[::1]:5000', true],
    ['127.evil.example', false],
    ['127.evil.example:5000', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example', false],
    ['127.0.0.256', false],
    ['128.0.0.1', false],
    ['ghcr.io', false],
    ['[::2]:5000', false]
  ])('%s is loopback: %s', (registry, expected) => {
    expect(isLoopback(registry)).toBe(expected)
  })
})
