// What a push says while it copies: a line per blob with its size, in the run's words.
import { expect, test } from '@jest/globals'
import { pushProgress } from '../../../src/core/programs/registry.js'

const LAYER = `sha256:${'a'.repeat(64)}`
const CONFIG = `sha256:${'c'.repeat(64)}`
const say = pushProgress(new Map([[LAYER, 12_345_678], [CONFIG, 1_234]]))

test.each<[string, string | undefined]>([
  [`Copying blob ${LAYER}`, `  blob sha256:aaaaaaaaaaaa… (12.3 MB)`],
  [`Copying blob ${LAYER} skipped: already exists`, `  blob sha256:aaaaaaaaaaaa… (12.3 MB): the registry has it`],
  [`Copying config ${CONFIG}`, `  config sha256:cccccccccccc… (0.0 MB)`],
  [`Copying blob sha256:${'b'.repeat(64)}`, `  blob sha256:bbbbbbbbbbbb…`],
  ['Getting image source signatures', undefined],
  ['Writing manifest to image destination', undefined]
])('%s', (line, expected) => {
  expect(say(line)).toBe(expected)
})
