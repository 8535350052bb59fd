// Hostile compose files on today's runner stack (compose 2.40 on Docker 28, no containerd store): compose
// there knows service keys 2.26 does not, and loads only the COMPOSE_* lines of a project's .env itself.
import { jest } from '@jest/globals'
import { engines } from '../test/support/engines.js'
import { hostileComposeSuite } from '../test/support/hostile-compose-suite.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

hostileComposeSuite({
  name: "compose of today's runner stack",
  env: engines.currentContainer.env,
  // Its docker-container builder reads base images from the registry.
  base: testbed.baseRef,
  local: testbed.baseImage,
  // Behind the registry's login: runs that do not push log in for it.
  inputs: { 'build-login': 'true' },
  docker: engines.currentContainer.docker
})
