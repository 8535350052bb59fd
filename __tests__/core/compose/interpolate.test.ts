// Compose's variable substitution, as compose does it, in one linear pass.
import { describe, expect, test } from '@jest/globals'
import { interpolate, InterpolationError } from '../../../src/core/compose/interpolate.js'

const vars = { SET: 'value', EMPTY: '', NESTED: 'inner' }

describe('interpolate', () => {
  test.each([
    ['plain text', 'plain text'],
    ['$SET and ${SET}', 'value and value'],
    ['$UNSET|${UNSET}|', '||'],
    ['${UNSET:-default}', 'default'],
    ['${EMPTY:-default}', 'default'],
    ['${EMPTY-default}', ''],
    ['${UNSET-default}', 'default'],
    ['${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}', 'alt||alt|'],
    ['${UNSET:-${NESTED}}', 'inner'],
    ['${UNSET:-a ${UNSET:-b} c}', 'a b c'],
    ['$$SET and $${SET}', '$SET and ${SET}'],
    ['a lone $ and $1', 'a lone $ and $1'],
    ['${SET:?must be set}', 'value']
  ])('%s', (text, expected) => {
    expect(interpolate(text, vars)).toBe(expected)
  })

  test.each([
    ['${UNSET:?give UNSET}', /variable UNSET is required: give UNSET/],
    ['${EMPTY:?}', /variable EMPTY is required/],
    ['${UNSET', /without its closing/],
    ['${1abc}', /invalid/],
    ['${SET!x}', /invalid/]
  ])('%s is an error', (text, message) => {
    expect(() => interpolate(text, vars)).toThrow(InterpolationError)
    expect(() => interpolate(text, vars)).toThrow(message)
  })

  test('a long hostile text is read once, not backtracked', () => {
    const text = '${A:-'.repeat(2000) + 'x' + '}'.repeat(2000) + '$'.repeat(100_000)
    expect(interpolate(text, {})).toBe('x' + '$'.repeat(50_000))
  })
})
