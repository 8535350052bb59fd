// The corpus of Dockerfile shapes (test/corpus) on the engine's own builder (the BuildKit inside the
// engine): see test/support/corpus-suite.ts. Every sample in the default mtime mode; the shape Docker's
// guides teach in every mode (the bench, `--only corpus`, builds every sample in every mode).
import { jest } from '@jest/globals'
import { MTIME_MODES } from '../src/core/inputs.js'
import { EVERY_MODE_SAMPLE } from '../test/support/corpus.js'
import { corpusSuite, defaultMtime } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.containerd, { modes: sample => (sample.name === EVERY_MODE_SAMPLE ? MTIME_MODES : [defaultMtime()]) })
