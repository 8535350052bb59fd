// hashdock's promises on today's runner stack (Docker 28, buildx 0.29, compose 2.40, containerd 2):
// see test/support/engines.ts.
import { jest } from '@jest/globals'
import { engineSuite } from '../test/support/engine-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

engineSuite(engines.current)
