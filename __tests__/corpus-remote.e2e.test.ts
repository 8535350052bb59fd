// The corpus of Dockerfile shapes (test/corpus) on one of the engines users run: see test/support/corpus-suite.ts.
// Every sample in the default mtime mode only (the first engine, containerd, builds every mode): the corpus's time budget.
import { jest } from '@jest/globals'
import { corpusSuite, defaultMtime } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.remote, { modes: [defaultMtime()] })
