// Hostile compose files on the test bed's first engine and its compose (2.26): before compose 2.39.3,
// compose copied a project's whole .env into its own environment.
import { jest } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { hostileComposeSuite } from '../test/support/hostile-compose-suite.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

hostileComposeSuite({
  name: 'compose of the first engine',
  env: {},
  base: testbed.baseImage,
  local: testbed.baseImage,
  docker: (...args) => execFileSync('docker', args, { encoding: 'utf8', timeout: 120_000 }).trim()
})
