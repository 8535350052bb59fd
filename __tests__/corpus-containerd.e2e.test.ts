// The corpus of Dockerfile shapes (test/corpus) on one of the engines users run: see test/support/corpus-suite.ts.
// The first engine builds every sample in every mtime mode; the others two samples in the default mode.
import { jest } from '@jest/globals'
import { corpusSuite } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.containerd)
