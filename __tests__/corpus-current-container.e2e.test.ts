// The corpus of Dockerfile shapes (test/corpus) on one of the engines users run: see test/support/corpus-suite.ts.
import { jest } from '@jest/globals'
import { corpusSuite } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.currentContainer)
