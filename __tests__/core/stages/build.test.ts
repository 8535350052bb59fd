// The cache-hit count the reports give, from BuildKit's plain log.
import { expect, test } from '@jest/globals'
import { countSteps } from '../../../src/core/stages/build.js'

const LOG = `#5 [1/5] FROM docker.io/hashdock-base/python:bookworm@sha256:e5da
#5 DONE 0.0s
#8 [2/5] WORKDIR /srv
#8 CACHED
#9 [3/5] COPY requirements.txt .
#9 CACHED
#10 [4/5] RUN pip install -r requirements.txt
#10 CACHED
#10 [4/5] RUN pip install -r requirements.txt
#10 extracting sha256:2ff9 2.1s done
#11 [5/5] COPY . .
#11 DONE 0.3s
#12 [builder 2/3] RUN make
#12 CACHED
#13 exporting cache to registry
#13 CACHED
`

test('each step once, FROM aside, and how many came from the cache', () => {
  expect(countSteps(LOG)).toEqual({ steps: 5, cached: 4 })
})

test('a build that ran every step', () => {
  expect(countSteps('#6 [2/3] RUN make\n#6 DONE 3.1s\n#7 [3/3] COPY . .\n#7 DONE 0.1s\n')).toEqual({ steps: 2, cached: 0 })
})

test('no step in the log (the TTY view, not kept): unknown, not zero', () => {
  expect(countSteps('')).toBeUndefined()
})
