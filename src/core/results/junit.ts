// Test results as JUnit XML (pytest, unittest, jest-junit, go-junit-report, Maven surefire) read into plain typed objects.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { locations, type Location } from './locations.js'

export type TestStatus = 'passed' | 'failed' | 'skipped'

export interface TestCase {
  suite: string
  name: string
  classname?: string
  /** As the test saw it, inside the container: absolute or relative to its working directory. */
  file?: string
  line?: number
  durationSeconds: number
  status: TestStatus
  message?: string
  /** The failure's full text (traceback, stack, diff), or the skip's. */
  details?: string
  /** The platform whose image ran the case, when several were built. */
  platform?: string
}

export interface TestSuite {
  name: string
  /** Which test run wrote it: its kind (unit, integration) and platform, once read from that run's results. */
  kind?: string
  platform?: string
  passed: number
  failed: number
  skipped: number
  durationSeconds: number
  cases: TestCase[]
}

export interface TestTotals {
  passed: number
  failed: number
  skipped: number
  durationSeconds: number
  failedCases: TestCase[]
  /** The slowest cases that ran, slowest first. */
  slowest: TestCase[]
}

type XmlNode = Record<string, unknown>

const REPEATABLE = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped'])

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Every element as an object, so an empty <skipped/> and a text-only <failure> read the same way.
  alwaysCreateTextNode: true,
  // Names like "1.10" and times like "0.000" must stay strings until we decide what they are.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Decodes numeric references (&#10;) too: pytest and xmlrunner put newlines in message attributes that way.
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATABLE.has(name)
})

/** More cases than any real report holds; each costs memory in the summary and the annotations. */
export const MAX_CASES = 50_000

/** Reads one report; `origin` (its file name) is named in every error. Malformed XML throws. */
export function parseJUnit(xml: string, origin: string): TestSuite[] {
  // A report has no use for a DOCTYPE; its entities are how XML expands a few bytes into gigabytes.
  if (/<!DOCTYPE/i.test(xml)) throw new Error(`${origin}: refused: it declares a DOCTYPE, which JUnit reports never need`)
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    throw new Error(`${origin}: malformed JUnit XML at line ${valid.err.line}: ${valid.err.msg}`)
  }
  let doc: XmlNode
  try {
    doc = parser.parse(xml) as XmlNode
  } catch (error) {
    throw new Error(`${origin}: unreadable JUnit XML: ${error instanceof Error ? error.message : String(error)}`)
  }
  const nodes: XmlNode[] = []
  if (isNode(doc.testsuites)) {
    for (const suite of children(doc.testsuites, 'testsuite')) collectSuites(suite, nodes)
  } else if (children(doc, 'testsuite').length > 0) {
    // Old pytest and surefire write one bare <testsuite> as the root.
    for (const suite of children(doc, 'testsuite')) collectSuites(suite, nodes)
  } else {
    throw new Error(`${origin}: not a JUnit report: the root element is neither <testsuites> nor <testsuite>`)
  }
  const suites = nodes.map(node => toSuite(node, origin))
  const cases = suites.reduce((sum, s) => sum + s.cases.length, 0)
  if (cases > MAX_CASES) throw new Error(`${origin}: refused: ${cases} test cases, more than the ${MAX_CASES} read from one report`)
  return suites
}

/** Totals over all suites, the failed cases in report order, and the `slowest` longest-running cases. */
export function summarize(suites: TestSuite[], slowest = 5): TestTotals {
  const cases = suites.flatMap(s => s.cases)
  const total = (pick: (s: TestSuite) => number): number => suites.reduce((sum, s) => sum + pick(s), 0)
  return {
    passed: total(s => s.passed),
    failed: total(s => s.failed),
    skipped: total(s => s.skipped),
    durationSeconds: total(s => s.durationSeconds),
    failedCases: cases.filter(c => c.status === 'failed'),
    slowest: cases
      .filter(c => c.status !== 'skipped')
      .sort((a, b) => b.durationSeconds - a.durationSeconds)
      .slice(0, slowest)
  }
}

/** Nested suites (some runners group by package) are flattened; a suite holding only suites adds nothing itself. */
function collectSuites(node: XmlNode, into: XmlNode[]): void {
  const nested = children(node, 'testsuite')
  if (nested.length === 0 || children(node, 'testcase').length > 0) into.push(node)
  for (const child of nested) collectSuites(child, into)
}

function toSuite(node: XmlNode, origin: string): TestSuite {
  const name = attr(node, 'name') || origin
  // pytest's `line` is zero-based (it is pytest's item location); its suite keeps the default name "pytest".
  const lineBase = name === 'pytest' ? 1 : 0
  const cases = children(node, 'testcase').map(c => toCase(c, name, lineBase))
  const durationSeconds = seconds(attr(node, 'time')) ?? cases.reduce((sum, c) => sum + c.durationSeconds, 0)
  if (cases.length === 0) {
    // Nothing to count: the attributes are all there is.
    const count = (key: string): number => Math.max(0, Math.trunc(Number(attr(node, key)) || 0))
    const failed = count('failures') + count('errors')
    const skipped = count('skipped') + count('disabled')
    return { name, passed: Math.max(0, count('tests') - failed - skipped), failed, skipped, durationSeconds, cases }
  }
  // Counted from the cases: attributes disagree with them in some flavours (reruns, errors counted twice).
  const count = (status: TestStatus): number => cases.filter(c => c.status === status).length
  return { name, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), durationSeconds, cases }
}

function toCase(node: XmlNode, suite: string, lineBase: number): TestCase {
  const failures = [...children(node, 'failure'), ...children(node, 'error')]
  const skips = children(node, 'skipped')
  const status: TestStatus = failures.length > 0 ? 'failed' : skips.length > 0 ? 'skipped' : 'passed'
  const outcome = status === 'failed' ? failures : skips
  const texts = outcome.map(text).filter(Boolean)
  const details = texts.join('\n\n') || undefined
  const classname = attr(node, 'classname') || undefined
  return {
    suite,
    name: attr(node, 'name') || classname || '(unnamed)',
    classname,
    ...locate(node, status === 'failed' ? details : undefined, lineBase),
    durationSeconds: seconds(attr(node, 'time')) ?? 0,
    status,
    message: message(outcome, texts[0]),
    details
  }
}

/** go-junit-report writes message="Failed": the first line of the text says more. */
function message(outcome: XmlNode[], firstText: string | undefined): string | undefined {
  const given = outcome.map(n => attr(n, 'message')?.trim()).find(Boolean)
  if (given && !/^(failed|skipped|error)$/i.test(given)) return given
  return firstText?.split('\n').map(l => l.trim()).find(Boolean) ?? given
}

/** The `file` attribute when there is one, else the first place in the failure's text that is not library code. */
function locate(node: XmlNode, failureText: string | undefined, lineBase: number): Location {
  const file = attr(node, 'file') || undefined
  const found = failureText ? locations(failureText) : []
  if (!file) return found[0] ?? {}
  // The failing line in the same file beats the line where the test starts.
  const inFile = found.find(l => l.file === file || l.file?.endsWith(`/${file}`) || file.endsWith(`/${l.file}`))
  const line = Number(attr(node, 'line'))
  return { file, line: inFile?.line ?? (Number.isInteger(line) && line >= 0 ? line + lineBase : undefined) }
}

function seconds(value: string | undefined): number | undefined {
  // Surefire writes thousands separators ("1,234.5") in long runs.
  const n = value === undefined ? NaN : Number(value.replace(/,/g, ''))
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

/** An element's text, CDATA included, without the indentation lines pretty-printers wrap it in. */
function text(node: XmlNode): string {
  const value = node['#text']
  return typeof value === 'string' ? value.replace(/^\s*\n/, '').trimEnd() : ''
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@${name}`]
  return typeof value === 'string' ? value : undefined
}

function children(node: unknown, name: string): XmlNode[] {
  if (!isNode(node)) return []
  const value = node[name]
  return (Array.isArray(value) ? value : [value]).filter(isNode)
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
