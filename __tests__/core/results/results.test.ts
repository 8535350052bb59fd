// Failure annotations: one per failed case, as many as the adapter's reader is shown.
import { describe, expect, test } from '@jest/globals'
import type { AnnotationProps, Log } from '../../../src/core/log.js'
import { parseJUnit } from '../../../src/core/results/junit.js'
import { annotateFailures } from '../../../src/core/results/results.js'
import { actionLog } from '../../../src/action/log.js'
import { terminalLog } from '../../../src/cli/log.js'

// pytest writes 0-based lines: the first case is on line 1 of the file.
const cases = Array.from({ length: 25 }, (_, i) => `<testcase classname="tests.test_app" name="test_${i}" file="tests/test_app.py" line="${i}"><failure message="boom ${i}">boom ${i}</failure></testcase>`)
const suites = parseJUnit(`<testsuite name="pytest" tests="25" failures="25">${cases.join('')}</testsuite>`, 'unit.xml')

function recording(annotationLimit?: number): { log: Log; errors: [string, AnnotationProps | undefined][] } {
  const errors: [string, AnnotationProps | undefined][] = []
  const log: Log = {
    info() {}, debug() {}, notice() {}, warning() {},
    error: (message, props) => void errors.push([message, props]),
    group: (_, fn) => fn(),
    untrusted: fn => fn(),
    ...(annotationLimit === undefined ? {} : { annotationLimit })
  }
  return { log, errors }
}

describe('annotateFailures', () => {
  test.each([
    ['a log that shows ten', 10, 10],
    ['a log that shows three', 3, 3],
    ['a log with no limit', undefined, 25]
  ])('%s: the first failures, in order, each on its repository file', (_, limit, expected) => {
    const { log, errors } = recording(limit)
    annotateFailures(suites, '/app', '.', new Set(['tests/test_app.py']), log)
    expect(errors).toHaveLength(expected)
    expect(errors[0][1]).toMatchObject({ title: expect.stringContaining('test_0 failed'), file: 'tests/test_app.py', startLine: 1 })
    expect(errors.at(-1)?.[1]?.title).toContain(`test_${expected - 1} failed`)
  })

  test("the adapters' logs: GitHub shows ten error annotations of a step; the terminal's report lists the rest", () => {
    expect(actionLog.annotationLimit).toBe(10)
    expect(terminalLog({ verbose: false, colour: false, write: () => true }).annotationLimit).toBe(10)
  })
})
