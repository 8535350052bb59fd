// Which registries docker itself trusts without TLS: those on this machine, parsed, not guessed from a prefix.
import { expect, test } from '@jest/globals'
import { isLoopback } from '../src/core/image-ref.js'

test.each([
  ['localhost', true],
  ['localhost:5000', true],
  ['LOCALHOST:5000', true],
  ['127.0.0.1:5000', true],
  ['127.255.255.254', true],
  ['[::1]:5000', true],
  ['127.evil.example', false],
  ['127.evil.example:5000', false],
  ['127.0.0.1.evil.example', false],
  ['localhost.evil.example', false],
  ['127.0.0.256', false],
  ['128.0.0.1', false],
  ['ghcr.io', false],
  ['[::2]:5000', false]
])('%s is loopback: %s', (registry, expected) => {
  expect(isLoopback(registry)).toBe(expected)
})
