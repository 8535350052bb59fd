// hashdock's promises on today's runner stack with a docker-container builder selected.
import { jest } from '@jest/globals'
import { engineSuite } from '../test/support/engine-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

engineSuite(engines.currentContainer)
