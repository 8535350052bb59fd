// Reading JUnit XML from each runner's own format into typed results.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { MAX_CASES, parseJUnit, summarize, type TestCase, type TestSuite } from '../../../src/core/results/junit.js'

const fixture = (name: string): string => readFileSync(new URL(`../../../__fixtures__/junit/${name}`, import.meta.url), 'utf8')
const parse = (name: string): TestSuite[] => parseJUnit(fixture(name), name)
const findCase = (suites: TestSuite[], name: string): TestCase => {
  const found = suites.flatMap(s => s.cases).find(c => c.name === name)
  if (!found) throw new Error(`no case named ${name}`)
  return found
}

describe('parseJUnit over each flavour', () => {
  test.each([
    // file, suites, passed, failed, skipped, duration
    ['pytest.xml', ['pytest'], 3, 2, 2, 1.612],
    ['pytest-xunit1.xml', ['pytest'], 2, 1, 0, 0.061],
    ['pytest-legacy.xml', ['pytest'], 1, 1, 1, 0.052],
    ['unittest-xml-reporting.xml', ['tests.test_calc.CalcTest'], 1, 2, 1, 0.007],
    ['jest-junit.xml', ['sum', 'render'], 3, 1, 1, 1.21],
    ['go-junit-report.xml', ['example.com/hello/calc', 'example.com/hello/server'], 3, 1, 1, 0.023],
    ['surefire.xml', ['com.example.calc.CalculatorTest'], 2, 2, 1, 0.078]
  ])('%s: suites %j, %i passed, %i failed, %i skipped', (file, names, passed, failed, skipped, seconds) => {
    const suites = parse(file)
    expect(suites.map(s => s.name)).toEqual(names)
    const totals = summarize(suites)
    expect([totals.passed, totals.failed, totals.skipped]).toEqual([passed, failed, skipped])
    expect(totals.durationSeconds).toBeCloseTo(seconds, 3)
    for (const suite of suites) {
      expect(suite.passed + suite.failed + suite.skipped).toBe(suite.cases.length)
    }
  })

  test.each([
    // file, case, status, message
    ['pytest.xml', 'test_health', 'passed', undefined],
    ['pytest.xml', 'test_add', 'failed', 'assert 3 == 4\n +  where 3 = add(1, 2)'],
    ['pytest.xml', 'test_connect', 'failed', 'failed on setup with "psycopg.OperationalError: connection failed: Connection refused"'],
    ['pytest.xml', 'test_windows_only', 'skipped', 'windows only'],
    ['pytest.xml', 'test_rounding', 'skipped', "issue 12: banker's rounding"],
    ['unittest-xml-reporting.xml', 'test_add', 'failed', '3 != 4'],
    ['unittest-xml-reporting.xml', 'test_divide', 'failed', 'division by zero'],
    ['unittest-xml-reporting.xml', 'test_windows_paths', 'skipped', 'windows only'],
    ['jest-junit.xml', 'sum adds floats', 'failed', 'Error: expect(received).toBe(expected) // Object.is equality'],
    ['jest-junit.xml', 'sum handles bigint', 'skipped', undefined],
    ['jest-junit.xml', 'render escapes <b>bold</b> in titles', 'passed', undefined],
    ['go-junit-report.xml', 'TestDivide/by_zero', 'failed', 'calc_test.go:21: Divide(1, 0) = 0, want an error'],
    ['go-junit-report.xml', 'TestNetwork', 'skipped', 'calc_test.go:30: needs network'],
    ['surefire.xml', 'subtracts', 'failed', 'expected: <4> but was: <3>'],
    ['surefire.xml', 'divides', 'failed', '/ by zero'],
    ['surefire.xml', 'multipliesLargeNumbers', 'skipped', 'slow: run with -Pslow'],
    // A failure that passed on a rerun is a pass.
    ['surefire.xml', 'retriesConnection', 'passed', undefined]
  ])('%s: %s is %s', (file, name, status, message) => {
    const c = findCase(parse(file), name)
    expect(c.status).toBe(status)
    expect(c.message).toBe(message)
  })

  test.each([
    // file, case, file, line — from the attribute, else from the failure's text
    ['pytest.xml', 'test_add', 'tests/test_app.py', 14],
    ['pytest.xml', 'test_connect', 'tests/conftest.py', 9],
    ['pytest.xml', 'test_health', undefined, undefined],
    // pytest's line attribute is zero-based; the failing line from the text wins over it.
    ['pytest-xunit1.xml', 'test_health', 'tests/test_app.py', 6],
    ['pytest-xunit1.xml', 'test_add', 'tests/test_app.py', 14],
    ['pytest-xunit1.xml', 'test_sub', 'tests/test_calc.py', 4],
    ['pytest-legacy.xml', 'test_add', 'tests/test_app.py', 14],
    ['unittest-xml-reporting.xml', 'test_add', '/srv/tests/test_calc.py', 13],
    ['unittest-xml-reporting.xml', 'test_divide', '/srv/tests/test_calc.py', 17],
    ['jest-junit.xml', 'sum adds floats', '/srv/src/sum.test.js', 9],
    ['go-junit-report.xml', 'TestDivide/by_zero', 'calc_test.go', 21],
    ['surefire.xml', 'subtracts', undefined, undefined]
  ])('%s: %s is located at %s:%s', (file, name, path, line) => {
    const c = findCase(parse(file), name)
    expect(c.file).toBe(path)
    expect(c.line).toBe(line)
  })

  test.each([
    ['unittest-xml-reporting.xml', 'test_divide', 'ZeroDivisionError: division by zero'],
    ['surefire.xml', 'subtracts', 'at com.example.calc.CalculatorTest.subtracts(CalculatorTest.java:21)'],
    ['pytest.xml', 'test_add', '>       assert add(1, 2) == 4'],
    ['jest-junit.xml', 'sum adds floats', 'at new Promise (<anonymous>)']
  ])('%s: %s keeps its full failure text, entities decoded', (file, name, line) => {
    expect(findCase(parse(file), name).details?.split('\n').map(l => l.trim())).toContain(line)
  })

  test.each([
    ['pytest.xml', 'test_add', 'tests.test_app', 0.003],
    ['go-junit-report.xml', 'TestHealth', 'server', 0.003],
    ['surefire.xml', 'retriesConnection', 'com.example.calc.CalculatorTest', 0.041]
  ])('%s: %s has classname %s and its own time', (file, name, classname, seconds) => {
    const c = findCase(parse(file), name)
    expect(c.classname).toBe(classname)
    expect(c.durationSeconds).toBe(seconds)
  })
})

describe('parseJUnit counting', () => {
  test('counts from the cases when the attributes say otherwise', () => {
    const [suite] = parseJUnit(
      `<testsuite name="s" tests="9" failures="4" errors="4" skipped="0">
         <testcase name="a"/><testcase name="b"><error message="boom"/></testcase><testcase name="c"><skipped/></testcase>
       </testsuite>`,
      'lies.xml'
    )
    expect([suite.passed, suite.failed, suite.skipped]).toEqual([1, 1, 1])
  })

  test('takes the attributes of a suite without any testcase element', () => {
    const [suite] = parseJUnit('<testsuites><testsuite name="s" tests="10" failures="2" errors="1" skipped="3" time="4.5"/></testsuites>', 'bare.xml')
    expect(suite).toEqual({ name: 's', passed: 4, failed: 3, skipped: 3, durationSeconds: 4.5, cases: [] })
  })

  test('flattens nested suites and sums case times when the suite has none', () => {
    const suites = parseJUnit(
      `<testsuites><testsuite name="all">
         <testsuite name="one"><testcase name="a" time="1.5"/></testsuite>
         <testsuite name="two"><testcase name="b" time="1,000.25"/></testsuite>
       </testsuite></testsuites>`,
      'nested.xml'
    )
    expect(suites.map(s => [s.name, s.durationSeconds])).toEqual([['one', 1.5], ['two', 1000.25]])
  })

  test('reads an empty report as no suites', () => {
    expect(parseJUnit('<?xml version="1.0"?>\n<testsuites/>', 'empty.xml')).toEqual([])
  })

  test('names the file of malformed XML', () => {
    expect(() => parse('malformed.xml')).toThrow(/^malformed\.xml: malformed JUnit XML at line 5: /)
  })

  test.each([
    ['not XML at all', /^notes\.xml: malformed JUnit XML/],
    ['<html><body>report</body></html>', /^notes\.xml: not a JUnit report: the root element is neither <testsuites> nor <testsuite>$/]
  ])('rejects %j', (xml, error) => {
    expect(() => parseJUnit(xml, 'notes.xml')).toThrow(error)
  })
})

describe('failure locations found in the text', () => {
  const failing = (text: string): TestCase => {
    const xml = `<testsuite name="s"><testcase name="t"><failure><![CDATA[${text}]]></failure></testcase></testsuite>`
    return parseJUnit(xml, 'inline.xml')[0].cases[0]
  }

  test.each([
    [
      'a python traceback skips frames in installed packages',
      [
        'Traceback (most recent call last):',
        '  File "/usr/local/lib/python3.12/site-packages/pluggy/_callers.py", line 103, in _multicall',
        '  File "/srv/app/calc.py", line 9, in divide',
        'ZeroDivisionError'
      ].join('\n'),
      '/srv/app/calc.py',
      9
    ],
    [
      'a jest stack skips node_modules and node internals',
      [
        'Error: nope',
        '    at node:internal/process/task_queues:95:5',
        '    at Object.<anonymous> (/srv/node_modules/lib/index.js:1:2)',
        '    at file:///srv/src/app.test.mjs:12:7'
      ].join('\n'),
      '/srv/src/app.test.mjs',
      12
    ],
    ['a go test log', '=== RUN   TestParse\n    parse_test.go:44: got "", want "x"\n--- FAIL: TestParse (0.00s)', 'parse_test.go', 44],
    ['nothing that looks like a place', 'expected true to be false', undefined, undefined],
    ['a Java stack, which names no path', '\tat com.example.AppTest.works(AppTest.java:12)', undefined, undefined]
  ])('%s', (_what, text, file, line) => {
    const c = failing(text)
    expect(c.file).toBe(file)
    expect(c.line).toBe(line)
  })
})

describe('summarize', () => {
  test('lists failed cases in report order and the slowest cases that ran', () => {
    const totals = summarize([...parse('pytest.xml'), ...parse('jest-junit.xml')])
    expect(totals.failedCases.map(c => c.name)).toEqual(['test_add', 'test_connect', 'sum adds floats'])
    expect(totals.slowest.map(c => c.name)).toEqual([
      'test_export_large_file',
      'render lists every item',
      'test_connect',
      'render escapes <b>bold</b> in titles',
      'test_health'
    ])
    expect(summarize(parse('pytest.xml'), 2).slowest).toHaveLength(2)
  })

  test('is all zeros for no suites', () => {
    expect(summarize([])).toEqual({ passed: 0, failed: 0, skipped: 0, durationSeconds: 0, failedCases: [], slowest: [] })
  })
})

describe('hostile reports', () => {
  test('a DOCTYPE is refused before any entity is expanded', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite name="s"><testcase name="&b;"/></testsuite>'
    expect(() => parseJUnit(bomb, 'bomb.xml')).toThrow('bomb.xml: refused: it declares a DOCTYPE, which JUnit reports never need')
  })

  test('a lower-case doctype too', () => {
    expect(() => parseJUnit('<!doctype x><testsuite name="s"/>', 'x.xml')).toThrow(/refused: it declares a DOCTYPE/)
  })

  test(`more than ${MAX_CASES} cases in one report is refused`, () => {
    const xml = `<testsuite name="s">${'<testcase name="t"/>'.repeat(MAX_CASES + 1)}</testsuite>`
    expect(() => parseJUnit(xml, 'many.xml')).toThrow(`many.xml: refused: ${MAX_CASES + 1} test cases, more than the ${MAX_CASES} read from one report`)
  })

  test(`${MAX_CASES} cases are read`, () => {
    const xml = `<testsuite name="s">${'<testcase name="t"/>'.repeat(MAX_CASES)}</testsuite>`
    expect(parseJUnit(xml, 'ok.xml')[0].passed).toBe(MAX_CASES)
  })
})
