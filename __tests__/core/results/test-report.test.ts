// Test results as annotations on repository files, with test output treated as hostile.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseJUnit, type TestCase, type TestSuite } from '../../../src/core/results/junit.js'
import { containerPathMapper, failureAnnotations } from '../../../src/core/results/test-report.js'

const fixture = (name: string): TestSuite[] =>
  parseJUnit(readFileSync(new URL(`../../../__fixtures__/junit/${name}`, import.meta.url), 'utf8'), name)

function failedCase(name: string, message: string, details: string, extra: Partial<TestCase> = {}): TestCase {
  return { suite: 'hostile', name, durationSeconds: 0.5, status: 'failed', message, details, ...extra }
}
function suiteOf(cases: TestCase[], name = 'hostile'): TestSuite {
  const count = (s: TestCase['status']): number => cases.filter(c => c.status === s).length
  return { name, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), durationSeconds: 1, cases }
}


describe('failureAnnotations', () => {
  test('a case that ran on one platform of several is named with its platform', () => {
    const map = (): undefined => undefined
    const [arm, plain] = failureAnnotations([suiteOf([failedCase('test_it', 'boom', 'boom', { platform: 'linux/arm64' }), failedCase('test_it', 'boom', 'boom')])], map)
    expect(arm.title).toBe('linux/arm64: hostile › test_it failed')
    expect(plain.title).toBe('hostile › test_it failed')
  })

  const map = containerPathMapper('/srv', '.')

  test.each([
    // file, title, file, line, start of message
    ['unittest-xml-reporting.xml', 'tests.test_calc.CalcTest › test_add failed', 'tests/test_calc.py', 13, 'Traceback (most recent call last):'],
    ['pytest.xml', 'tests.test_app › test_add failed', 'tests/test_app.py', 14, 'assert 3 == 4\n +  where 3 = add(1, 2)\n\ndef test_add():'],
    ['jest-junit.xml', 'sum › sum adds floats failed', 'src/sum.test.js', 9, 'Error: expect(received).toBe(expected)'],
    [
      'surefire.xml',
      'com.example.calc.CalculatorTest › subtracts failed',
      undefined,
      undefined,
      'org.opentest4j.AssertionFailedError: expected: <4> but was: <3>\n'
    ]
  ])('%s: the first is %j at %s:%s', (file, title, path, line, message) => {
    const [first] = failureAnnotations(fixture(file), map)
    expect(first.title).toBe(title)
    expect(first.file).toBe(path)
    expect(first.startLine).toBe(line)
    expect(first.message.startsWith(message)).toBe(true)
  })

  test.each([
    [25, undefined, 25],
    [25, 3, 3],
    [4, 10, 4],
    [4, 0, 0]
  ])('%i failures with limit %s give %i annotations', (failures, limit, expected) => {
    const cases = Array.from({ length: failures }, (_, i) => failedCase(`t${i}`, `m${i}`, `d${i}`))
    const annotations = failureAnnotations([suiteOf(cases)], map, limit)
    expect(annotations.map(a => a.title)).toEqual(cases.slice(0, expected).map(c => `hostile › ${c.name} failed`))
  })

  test('drops the place when the path is not in the repository', () => {
    const [go] = failureAnnotations(fixture('go-junit-report.xml'), containerPathMapper('/srv', '.', new Set(['calc/calc_test.go'])))
    expect(go).toEqual({ title: 'calc › TestDivide/by_zero failed', message: '    calc_test.go:21: Divide(1, 0) = 0, want an error' })
  })

  test('keeps a long message within bounds', () => {
    const [a] = failureAnnotations([suiteOf([failedCase('t', 'boom', `boom\n${'y'.repeat(100_000)}`)])], map)
    expect(a.message.length).toBeLessThan(4100)
    expect(a.message).toMatch(/^boom\ny+\n… \d+ characters left out …\ny+$/)
  })
})

describe('containerPathMapper', () => {
  test.each([
    // workdir, context, path inside the container, repository path
    ['/srv', '.', '/srv/tests/test_app.py', 'tests/test_app.py'],
    ['/srv/', '.', '/srv/./tests/../tests/test_app.py', 'tests/test_app.py'],
    ['/srv', 'services/api', '/srv/tests/test_app.py', 'services/api/tests/test_app.py'],
    ['/srv', './services/api/', 'tests/test_app.py', 'services/api/tests/test_app.py'],
    ['/srv', '.', './tests/test_app.py', 'tests/test_app.py'],
    ['/srv', '.', 'file:///srv/src/app.mjs', 'src/app.mjs'],
    ['/', 'app', '/main.go', 'app/main.go'],
    ['/srv', '.', '/usr/lib/python3.12/unittest/case.py', undefined],
    ['/srv', '.', '/srv-old/tests/test_app.py', undefined],
    ['/srv', '.', '../etc/passwd', undefined],
    ['/srv', '.', '/srv', undefined]
  ])('workdir %s, context %s: %s → %s', (workdir, context, path, expected) => {
    expect(containerPathMapper(workdir, context)(path)).toBe(expected)
  })

  test('returns only files of the repository when it knows them', () => {
    const map = containerPathMapper('/srv', 'api', new Set(['api/tests/test_app.py']))
    expect(map('/srv/tests/test_app.py')).toBe('api/tests/test_app.py')
    expect(map('/srv/tests/conftest.py')).toBeUndefined()
  })
})
