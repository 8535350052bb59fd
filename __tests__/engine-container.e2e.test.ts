// hashdock's promises on one of the engines users run:  see test/support/engines.ts.
import { jest } from '@jest/globals'
import { engineSuite } from '../test/support/engine-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

engineSuite(engines.container)
