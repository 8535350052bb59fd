// The compose override that puts the image under test in place of the user's service (a trusted commit), and how hashdock builds a service's image (an untrusted one).
import { describe, expect, test } from '@jest/globals'
import { parse } from 'yaml'
import { overrideFor, serviceBuildArgs } from '../../../src/core/programs/compose.js'

describe('overrideFor', () => {
  test('the tested image, never pulled or built; host ports and bind mounts go', () => {
    const text = overrideFor('app', { volumes: [{ type: 'bind', source: '.', target: '/srv' }, { type: 'volume', source: 'data', target: '/data' }] }, 'hashdock-run-1:abc')
    expect(text).toContain('build: !reset')
    expect(text).toContain('ports: !reset')
    expect(parse(text.replace(/!(reset|override)/g, ''))).toMatchObject({
      services: { app: { image: 'hashdock-run-1:abc', pull_policy: 'never', volumes: [{ type: 'volume', source: 'data', target: '/data' }] } }
    })
    expect(text).not.toContain('platform')
  })

  test('one platform of several: the service runs that platform\'s image', () => {
    const text = overrideFor('app', {}, 'hashdock-run-1:abc', 'linux/arm64')
    expect(parse(text.replace(/!(reset|override)/g, ''))).toMatchObject({ services: { app: { image: 'hashdock-run-1:abc', platform: 'linux/arm64' } } })
  })
})

describe('serviceBuildArgs', () => {
  test("a service's image: the run's builder, one name, the run's label, loaded, nothing exported", () => {
    const args = serviceBuildArgs({ service: 'redis', image: 'hashdock-r1-redis', context: '/ctx/redis', dockerfile: '/ctx/redis/Dockerfile', args: { BASE: 'debian' }, target: 'run' }, 'builder-1', 'r1')
    expect(args).toEqual([
      'buildx', 'build', '--builder', 'builder-1', '--progress', 'plain', '--provenance=false', '--sbom=false',
      '--file', '/ctx/redis/Dockerfile', '--build-arg', 'BASE=debian', '--target', 'run',
      '--label', 'dev.hashdock.run=r1', '--tag', 'hashdock-r1-redis', '--load', '/ctx/redis'
    ])
    expect(args.filter(a => /^--(cache|push|output|tag)/.test(a))).toEqual(['--tag'])
  })
})
