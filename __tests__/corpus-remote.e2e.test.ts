// The corpus of Dockerfile shapes (test/corpus) on one of the engines users run: see test/support/corpus-suite.ts.
// Two samples in the default mtime mode (the first engine, containerd, builds every sample in every mode): the time budget.
import { jest } from '@jest/globals'
import { corpusSuite, defaultMtime, everyEngineSamples } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.remote, { modes: [defaultMtime()], samples: everyEngineSamples })
