// Where a failure's text says it failed: found by linear scans of its start and end, whatever the tests printed.
import { describe, expect, test } from '@jest/globals'
import { locations, SCANNED_CHARS } from '../../../src/core/results/locations.js'

describe('locations', () => {
  test.each([
    ['a python frame', '  File "/srv/tests/test_app.py", line 13, in test_add', [{ file: '/srv/tests/test_app.py', line: 13 }]],
    [
      'python frames in installed packages are left out',
      'File "/usr/local/lib/python3.12/site-packages/pluggy/_callers.py", line 103\n  File "/srv/app/calc.py", line 9, in divide',
      [{ file: '/srv/app/calc.py', line: 9 }]
    ],
    ['two frames on one line', 'File "a.py", line 1 File "b.py", line 2', [{ file: 'a.py', line: 1 }, { file: 'b.py', line: 2 }]],
    ['a frame after an unclosed quote', 'File "x File "y.py", line 3', [{ file: 'y.py', line: 3 }]],
    ['an empty file name is none', 'File "", line 3', []],
    ['a jest frame in parentheses', '    at Object.toBe (/srv/src/sum.test.js:9:22)', [{ file: '/srv/src/sum.test.js', line: 9 }]],
    ['a bare jest frame', '    at /srv/src/sum.js:3:9', [{ file: '/srv/src/sum.js', line: 3 }]],
    ['a file URL', '    at file:///srv/src/app.test.mjs:12:7', [{ file: '/srv/src/app.test.mjs', line: 12 }]],
    ['an async frame', '    at async Promise.all (index 0) at run (/srv/a.js:1:2)', [{ file: '/srv/a.js', line: 1 }]],
    ['the last :line:column of a word', '    at /srv/odd:name.js:7:1', [{ file: '/srv/odd:name.js', line: 7 }]],
    [
      'node internals and node_modules are left out',
      '    at node:internal/process/task_queues:95:5\n    at Object.<anonymous> (/srv/node_modules/lib/index.js:1:2)\n    at /srv/x.js:4:1',
      [{ file: '/srv/x.js', line: 4 }]
    ],
    ['"at" inside a word is not a frame', 'flat /srv/x.js:1:2', []],
    ['a Java frame names no path', '\tat com.example.AppTest.works(AppTest.java:12)', []],
    ['a pytest location line', 'tests/test_app.py:14: AssertionError', [{ file: 'tests/test_app.py', line: 14 }]],
    ['an indented go location', '    parse_test.go:44: got "", want "x"', [{ file: 'parse_test.go', line: 44 }]],
    ['a path line without an extension', 'Makefile:3: oops', []],
    ['a path line without a second colon', 'tests/test_app.py:14 oops', []],
    ['CR ends a line too', 'noise\rtests/test_app.py:14: AssertionError', [{ file: 'tests/test_app.py', line: 14 }]],
    ['nothing that looks like a place', 'expected true to be false', []]
  ])('%s', (_what, text, expected) => {
    expect(locations(text)).toEqual(expected)
  })

  test('a python frame beats a path line anywhere in the text', () => {
    expect(locations('tests/a.py:1: x\nFile "/srv/b.py", line 2')).toEqual([{ file: '/srv/b.py', line: 2 }])
  })
})

describe('the text is the tests’: its size and shape cost no more than a scan', () => {
  const MiB = 1 << 20

  test.each([
    ['"at " repeated on one line', 'at '.repeat(5 * MiB / 3)],
    ['"at (" with no place', `at (${'a:1'.repeat(MiB / 3)}`],
    ['"File \\"" repeated', 'File "'.repeat(MiB / 6)],
    ['a dotted word on one line', `${'a.a'.repeat(MiB / 3)}:`],
    ['colons and digits', `at ${':1'.repeat(MiB)}`],
    ['blank lines', '\n'.repeat(5 * MiB)]
  ])('%s: no location, and an answer', (_what, text) => {
    expect(locations(text)).toEqual([])
  })

  test('15 MiB of output: the start and the end are searched, the middle is not', () => {
    const filler = 'x'.repeat(99) + '\n'
    const middle = filler.repeat((15 * MiB) / filler.length)
    const text = `File "/srv/first.py", line 1\n${middle}File "/srv/middle.py", line 2\n${middle}File "/srv/last.py", line 3`
    expect(locations(text)).toEqual([
      { file: '/srv/first.py', line: 1 },
      { file: '/srv/last.py', line: 3 }
    ])
  })

  test('a line cut by the bound is not read: its line number could be cut too', () => {
    const cut = 'y'.repeat(SCANNED_CHARS - 30)
    const text = `${cut}File "/srv/cut.py", line 123456\n${'z\n'.repeat(SCANNED_CHARS)}`
    expect(locations(text)).toEqual([])
  })
})
