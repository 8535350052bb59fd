// The performance page's tables are generated from the bench's results (bench/results/*.json) and must be current.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { markedResults, parseResult, performancePage, readResult, resultName, withTables, type BenchResult } from '../bench/results.js'

const page = readFileSync(performancePage, 'utf8')

test('docs/performance.md tables match bench/results (run npm run perf-tables to regenerate)', () => {
  expect(withTables(page)).toBe(page)
  expect(markedResults(page)).toEqual(expect.arrayContaining(['image', 'levers', 'context', 'platforms', 'engines', 'job-containerd-store', 'cache']))
})

describe('the generated tables', () => {
  const result: BenchResult = { environment: 'docker 26, 2 CPUs', title: 'A table', head: ['what', 'median s'], rows: [['cold', '1.0 (0.9–1.1)'], ['warm', '']] }
  const read = (name: string): BenchResult => {
    if (name !== 'one') throw new Error(`no result ${name}`)
    return result
  }

  test('a numbered marker gets the environment, a heading and the table; a bare one the table alone', () => {
    const doc = 'Intro.\n\n<!-- bench:one:2 -->\nstale\n<!-- bench:end -->\n\nWords.\n\n<!-- bench:one -->\n<!-- bench:end -->\n'
    expect(withTables(doc, read)).toBe(
      'Intro.\n\n<!-- bench:one:2 -->\ndocker 26, 2 CPUs\n\n### 2. A table\n\n| what | median s |\n| --- | --- |\n| cold | 1.0 (0.9–1.1) |\n| warm |  |\n<!-- bench:end -->\n\n' +
        'Words.\n\n<!-- bench:one -->\n| what | median s |\n| --- | --- |\n| cold | 1.0 (0.9–1.1) |\n| warm |  |\n<!-- bench:end -->\n'
    )
  })

  test('a table that differs from its result is rewritten', () => {
    const current = withTables('<!-- bench:one -->\n<!-- bench:end -->', read)
    const changed = current.replace('1.0 (0.9–1.1)', '1.2 (0.9–1.1)')
    expect(withTables(changed, read)).toBe(current)
  })

  test('a marker without a result fails', () => {
    expect(() => withTables('<!-- bench:two -->\n<!-- bench:end -->', read)).toThrow('no result two')
  })

  test('a result of the wrong shape is refused', () => {
    expect(() => parseResult('{"title":"t","head":["a","b"],"rows":[["1"]]}', 'x')).toThrow('row 1 has 1 cells, the head 2')
    expect(() => parseResult('{"head":[],"rows":[]}', 'x')).toThrow('no title')
  })

  test('every saved result reads', () => {
    for (const name of markedResults(page)) expect(readResult(name).head.length).toBeGreaterThan(1)
  })

  test('a run of some engines is saved under their text', () => {
    expect(resultName('engines', "today's runners")).toBe('engines-todays-runners')
    expect(resultName('job', 'containerd store')).toBe('job-containerd-store')
    expect(resultName('image')).toBe('image')
  })
})
