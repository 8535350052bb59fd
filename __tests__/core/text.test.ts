// Text from the commit, shown without characters that reorder or hide it.
import { expect, test } from '@jest/globals'
import { withoutInvisible } from '../../src/core/text.js'

test.each([
  ['right-to-left override', 'test\u202eevil\u202c', 'testevil'],
  ['isolates', 'a\u2066b\u2069c', 'abc'],
  ['zero-width space and joiner', 'a\u200bb\u200dc', 'abc'],
  ['byte order mark', '\ufeffname', 'name'],
  ['ordinary text, accents and emoji kept', 'café ✓ 名前', 'café ✓ 名前']
])('%s', (_, text, expected) => {
  expect(withoutInvisible(text)).toBe(expected)
})
