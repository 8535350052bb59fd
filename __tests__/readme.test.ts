// The README's inputs and outputs tables are generated from action.yml and must be current.
import { expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
// @ts-expect-error: a plain .mjs script, without type declarations
import { withTables } from '../scripts/readme-tables.mjs'

test('README tables match action.yml (run npm run readme to regenerate)', () => {
  const readme = readFileSync('README.md', 'utf8')
  expect(withTables(readme)).toBe(readme)
  expect(readme).toContain('| `image` | *required* |')
})
