// Test results for the job summary, in GitHub's markdown and HTML, with test output treated as hostile.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseJUnit, type TestCase, type TestSuite } from '../../src/core/results/junit.js'
import { escapeHtml, renderResultsMarkdown } from '../../src/action/results-markdown.js'

const MiB = 1024 * 1024
const fixture = (name: string): TestSuite[] =>
  parseJUnit(readFileSync(new URL(`../../__fixtures__/junit/${name}`, import.meta.url), 'utf8'), name)
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')
/** What a reader sees: entities decoded, as a browser would. */
const decoded = (html: string): string =>
  html
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&(lt|gt|quot|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e] ?? '')

function failedCase(name: string, message: string, details: string, extra: Partial<TestCase> = {}): TestCase {
  return { suite: 'hostile', name, durationSeconds: 0.5, status: 'failed', message, details, ...extra }
}
function suiteOf(cases: TestCase[], name = 'hostile'): TestSuite {
  const count = (s: TestCase['status']): number => cases.filter(c => c.status === s).length
  return { name, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), durationSeconds: 1, cases }
}


describe('renderResultsMarkdown', () => {
  test.each([
    ['pytest.xml', '| pytest | 3 | 2 | 2 | 1.6 s |', ['tests.test&#95;app › test&#95;add', 'tests.test&#95;db › test&#95;connect']],
    ['jest-junit.xml', '| render | 2 | 0 | 0 | 598 ms |', ['sum › sum adds floats']],
    ['go-junit-report.xml', '| example.com/hello/calc | 2 | 1 | 1 | 14 ms |', ['calc › TestDivide/by&#95;zero']],
    ['surefire.xml', '| com.example.calc.CalculatorTest | 2 | 2 | 1 | 78 ms |', ['com.example.calc.CalculatorTest › divides']]
  ])('%s: a row per suite and every failed case', (file, row, failures) => {
    const md = renderResultsMarkdown(fixture(file), { title: 'Unit tests' })
    expect(md).toMatch(/^### ❌ Unit tests\n/)
    expect(md.split('\n')).toContain(row)
    for (const name of failures) expect(md).toContain(`<details><summary>❌ <code>${name}</code>`)
    expect(md).toContain('#### Slowest tests')
  })

  test('shows failure details in a <pre> block and the place the test failed', () => {
    const md = renderResultsMarkdown(fixture('unittest-xml-reporting.xml'), { title: 'Unit tests' })
    expect(md).toContain('<code>tests.test&#95;calc.CalcTest › test&#95;add</code>: 3 != 4 <sub>/srv/tests/test&#95;calc.py:13</sub></summary>')
    expect(md).toMatch(/<pre>\nTraceback \(most recent call last\):\n {2}File &quot;\/srv\/tests\/test_calc.py&quot;, line 13, in test_add\n/)
  })

  test('lists the five slowest cases, slowest first', () => {
    const md = renderResultsMarkdown(fixture('pytest.xml'), { title: 't' })
    const slowest = md.slice(md.indexOf('#### Slowest tests')).split('\n').filter(l => l.startsWith('| tests'))
    expect(slowest).toHaveLength(5)
    expect(slowest[0]).toBe('| tests.test&#95;export › test&#95;export&#95;large&#95;file | pytest | 1.5 s |')
  })

  test('marks a run without failures as passed', () => {
    const passing = fixture('pytest-xunit1.xml').map(s => ({ ...s, failed: 0, cases: s.cases.filter(c => c.status !== 'failed') }))
    const md = renderResultsMarkdown(passing, { title: 'ok' })
    expect(md).toMatch(/^### ✅ ok\n/)
    expect(md).not.toContain('#### Failed tests')
  })

  const script = '<script>alert(document.cookie)</script>'
  test.each([
    ['a case name', failedCase(script, 'm', 'd')],
    ['a message', failedCase('t', `${script}<img src=x onerror=alert(1)>`, 'd')],
    ['details that try to close the <pre>', failedCase('t', 'm', `line one\n\n</pre></details>${script}\n\nlast`)],
    ['a file path', failedCase('t', 'm', 'd', { file: `/srv/${script}.py`, line: 3 })]
  ])('escapes HTML in %s', (_where, c) => {
    const md = renderResultsMarkdown([suiteOf([c], `suite ${script}`)], { title: 'Results' })
    expect(md).not.toMatch(/<script|<img|<\/pre><\/details>/i)
    expect(md).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;')
    expect(decoded(md)).toContain(script)
  })

  test('keeps markdown in test output from forming links, emphasis or table cells', () => {
    const c = failedCase('t | x | y', '[click](https://example.invalid) **bold** `code`', 'd')
    const md = renderResultsMarkdown([suiteOf([c], 'a|b|c')], { title: 'Results' })
    const row = md.split('\n').find(l => l.startsWith('| a'))
    expect(row?.split('|')).toHaveLength(7)
    expect(md).not.toMatch(/\[click\]\(|\*\*bold\*\*|`code`/)
    expect(decoded(md)).toContain('[click](https://example.invalid) **bold** `code`')
  })

  test('leaves ::workflow-command:: text as text that no line starts with', () => {
    const command = '::stop-commands::pwned'
    const c = failedCase(command, `${command}\n::error file=x::fake`, `${command}\n::add-mask::secret\n`)
    const md = renderResultsMarkdown([suiteOf([c], command)], { title: command })
    expect(md.split('\n').filter(l => l.trimStart().startsWith('::'))).toEqual([])
    expect(decoded(md)).toContain(`${command}\n::add-mask::secret`)
    expect(decoded(md)).toContain(`<code>hostile › ${command}</code>: ${command} ::error file=x::fake`)
  })

  test('trims details first when the summary would pass its limit', () => {
    const cases = Array.from({ length: 40 }, (_, i) => failedCase(`case ${i}`, `message ${i}`, `head ${i}\n${'x'.repeat(200_000)}\ntail ${i}`))
    const md = renderResultsMarkdown([suiteOf(cases)], { title: 'Big' })
    expect(bytes(md)).toBeLessThan(MiB)
    for (let i = 0; i < 40; i++) expect(md).toContain(`<code>hostile › case ${i}</code>`)
    // Both ends of each output survive: the error is at one end or the other.
    expect(md).toContain('head 39\n')
    expect(md).toContain('\ntail 39')
    expect(md).toMatch(/characters left out/)
    expect(md).not.toMatch(/more failed tests/)
  })

  test('stays under 1 MiB for a huge run, then drops cases with a line saying how many', () => {
    const name = '<'.repeat(400)
    const message = '&'.repeat(1000)
    const details = '"'.repeat(50_000)
    const cases = Array.from({ length: 20_000 }, (_, i) => failedCase(`case ${i} ${name}`, message, details, { file: `/srv/t${i}.py`, line: i }))
    const md = renderResultsMarkdown([suiteOf(cases)], { title: 'Huge' })
    expect(bytes(md)).toBeLessThan(MiB)
    const shown = md.match(/<details>/g)?.length ?? 0
    expect(shown).toBeGreaterThan(10)
    expect(shown).toBeLessThan(20_000)
    expect(md).toContain(`… ${20_000 - shown} more failed tests, left out to keep the summary within its size limit.`)
    expect(md).toContain('<p>Output left out to keep the summary within its size limit.</p>')
    expect(md).toContain('#### Slowest tests')
  })

  test('drops suite rows too when there are more suites than fit', () => {
    const suites = Array.from({ length: 30_000 }, (_, i) => suiteOf([failedCase('t', 'm', 'd')], `suite ${i} ${'|'.repeat(200)}`))
    const md = renderResultsMarkdown(suites, { title: 'Many', maxBytes: 512 * 1024 })
    expect(bytes(md)).toBeLessThanOrEqual(512 * 1024)
    expect(md).toMatch(/\| … \d+ more suites \| \| \| \| \|/)
    expect(md).toMatch(/… \d+ more failed tests/)
  })
})

describe('escapeHtml', () => {
  test.each([
    ['<a href="x">&\'</a>', '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;'],
    ['::set-output name=x::y', ':&#58;set-output name=x:&#58;y'],
    ['plain text', 'plain text']
  ])('%j → %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected)
  })
})
