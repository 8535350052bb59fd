// COPY source patterns, as moby's patternmatcher reads them, matched in time linear in the path.
import { describe, expect, test } from '@jest/globals'
import { compilePattern, hasWildcard, matchesOrParent } from '../../../src/core/advice/patterns.js'

describe('compilePattern', () => {
  test.each([
    ['*.txt', 'requirements.txt', true],
    ['*.txt', 'docs/requirements.txt', false],
    ['requirements*.txt', 'requirements-dev.txt', true],
    ['requirements*.txt', 'requirements.txt', true],
    ['requirements*.txt', 'requirements.lock', false],
    ['src/*', 'src/app.py', true],
    ['src/*', 'src/pkg/app.py', false],
    ['?.py', 'a.py', true],
    ['?.py', 'ab.py', false],
    ['a?b', 'a/b', false],
    ['**', 'any/depth/at/all', true],
    ['**/*.py', 'app.py', true],
    ['**/*.py', 'src/pkg/app.py', true],
    ['**/*.py', 'src/pkg/app.pyc', false],
    ['src/**/test_*.py', 'src/test_a.py', true],
    ['src/**/test_*.py', 'src/x/y/test_a.py', true],
    ['src/**/test_*.py', 'srcx/test_a.py', false],
    ['src/**', 'src/a/b', true],
    ['src/**', 'src', false],
    // moby reads a `**` inside a name as any number of whole directories, so `a**b` takes `a/x/b`, not `axb`.
    ['a**b', 'ab', true],
    ['a**b', 'a/x/b', true],
    ['a**b', 'axb', false],
    ['[abc].py', 'b.py', true],
    ['[abc].py', 'd.py', false],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'ax', false],
    ['[]]', ']', true],
    ['[\\]a]', ']', true],
    ['[\\]a]', 'a', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    ['file.txt', 'fileXtxt', false],
    ['a+b(c)', 'a+b(c)', true],
    // A class that never closes is the character `[`, where a regular expression would not compile.
    ['[abc', '[abc', true],
    ['?', '\u{1F600}', true],
    ['[\u{1F600}]', '\u{1F600}', true]
  ])('%s against %s: %s', (pattern, path, expected) => {
    expect(compilePattern(pattern).test(path)).toBe(expected)
  })

  test('a pattern that would backtrack without end in a regular expression answers', () => {
    const pattern = compilePattern(`${'*a'.repeat(30)}*b`)
    const name = 'a'.repeat(20_000)
    expect(pattern.test(name)).toBe(false)
    expect(pattern.test(`${name}b`)).toBe(true)
    const dirs = compilePattern(`${'**/a'.repeat(30)}/b`)
    expect(dirs.test(Array(2_000).fill('a').join('/'))).toBe(false)
    expect(dirs.test(`${Array(2_000).fill('a').join('/')}/b`)).toBe(true)
  })
})

describe('matchesOrParent', () => {
  test('a pattern naming a directory takes what is inside it', () => {
    expect(matchesOrParent(compilePattern('src/*'), 'src/pkg/deep/app.py')).toBe(true)
    expect(matchesOrParent(compilePattern('sr?'), 'src/app.py')).toBe(true)
    expect(matchesOrParent(compilePattern('lib*'), 'src/lib/app.py')).toBe(false)
  })
})

test.each([
  ['*.txt', true],
  ['a?', true],
  ['[ab]', true],
  ['a\\b', true],
  ['plain/path.txt', false]
])('hasWildcard(%s) is %s', (pattern, expected) => {
  expect(hasWildcard(pattern)).toBe(expected)
})
