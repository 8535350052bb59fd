// The corpus of Dockerfile shapes (test/corpus) on a BuildKit of its own (moby/buildkit in a
// docker-container builder, the BuildKit every other builder of the test bed runs too: the remote one,
// the one hashdock makes on an engine without the containerd store, and today's runners'): see
// test/support/corpus-suite.ts. Every sample in the default mtime mode.
import { jest } from '@jest/globals'
import { corpusSuite, defaultMtime } from '../test/support/corpus-suite.js'
import { engines } from '../test/support/engines.js'

jest.setTimeout(600_000)

corpusSuite(engines.container, { modes: () => [defaultMtime()] })
