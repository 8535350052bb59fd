// The compose override that puts the image under test in place of the user's service.
import { describe, expect, test } from '@jest/globals'
import { parse } from 'yaml'
import { overrideFor } from '../src/core/programs/compose.js'

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
