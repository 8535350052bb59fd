// skopeo's error lines, turned into the one line a user reads.
import { expect, test } from '@jest/globals'
import { skopeoMessage } from '../../../src/core/programs/registry.js'

test.each([
  [
    'time="2026-11-24T09:53:01Z" level=fatal msg="trying to reuse blob sha256:1f0e at destination: unauthorized: authentication required"',
    'trying to reuse blob sha256:1f0e at destination: unauthorized: authentication required'
  ],
  ['time="x" level=fatal msg="a \\"quoted\\" word\\n"', 'a "quoted" word\n'],
  ['plain failure', 'plain failure'],
  ['warning first\ntime="x" level=fatal msg="the last line counts"', 'the last line counts']
])('%s', (stderr, expected) => {
  expect(skopeoMessage(stderr)).toBe(expected)
})
