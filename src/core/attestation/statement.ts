// The tested-by record: an in-toto statement with the test-result predicate, the same bytes for the same facts.
import { hexOf } from '../oci.js'
import type { TestSuite } from '../results/junit.js'
import type { TestRun } from '../results/results.js'

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1'
export const TEST_RESULT_PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1'
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json'

/** An in-toto ResourceDescriptor, the fields this statement uses. */
export interface ResourceDescriptor {
  name?: string
  uri?: string
  digest?: Record<string, string>
  annotations?: Record<string, string>
}

export interface Subject {
  name: string
  digest: { sha256: string }
}

export interface TestResultStatement {
  _type: typeof STATEMENT_TYPE
  subject: Subject[]
  predicateType: typeof TEST_RESULT_PREDICATE
  predicate: {
    result: 'PASSED' | 'WARNED' | 'FAILED'
    configuration: ResourceDescriptor[]
    url?: string
    passedTests: string[]
    warnedTests: string[]
    failedTests: string[]
  }
}

export interface StatementFacts {
  /** Every repository the tested digest was pushed to. */
  images: string[]
  /** sha256:… of the pushed manifest or index. */
  digest: string
  /** sha256:… of each platform's manifest in the pushed index, so a record is found from either. */
  platformDigests?: string[]
  commit: string
  /** Web address of the repository, when known: the commit's descriptor names it. */
  sourceUrl?: string
  /** Where the run can be seen (a workflow run), when the adapter knows. */
  runUrl?: string
  tests: TestRun[]
  suites: TestSuite[]
  /** The compose file and service the integration tests ran beside, when they did. */
  compose?: ComposeUse
}

export interface ComposeUse {
  file: string
  service: string
}

/**
 * How an image was tested, as the statement's configuration records it beside the commit: the commands
 * and the compose file the integration tests ran beside. Built the same way from the tests a run ran
 * and from the tests a re-run would run, so the two can be compared.
 */
export function testConfiguration(commands: { unit?: string; integration?: string }, compose?: ComposeUse): ResourceDescriptor[] {
  return [
    ...(commands.unit ? [{ name: 'test-command', annotations: { command: commands.unit } }] : []),
    ...(commands.integration ? [{ name: 'integration-command', annotations: { command: commands.integration } }] : []),
    ...(commands.integration && compose ? [{ name: 'compose-file', annotations: { path: compose.file, service: compose.service } }] : [])
  ]
}

/** A record's subjects: in each repository, the index (or manifest) first, then its platforms' manifests. */
export function statementSubjects(f: Pick<StatementFacts, 'images' | 'digest' | 'platformDigests'>): Subject[] {
  const hexes = [f.digest, ...(f.platformDigests ?? [])].map(hexOf)
  return f.images.flatMap(name => hexes.map(hex => ({ name, digest: { sha256: hex } })))
}

/** The statement of a run whose tests all passed (only those are pushed, so only those are attested). */
export function testResultStatement(f: StatementFacts): TestResultStatement {
  const commands: { unit?: string; integration?: string } = {}
  for (const t of f.tests) commands[t.kind] = t.command
  const cases = f.suites.flatMap(s => s.cases)
  const named = (status: string): string[] => cases.filter(c => c.status === status).map(c => `${c.classname || c.suite}.${c.name}${c.platform ? ` [${c.platform}]` : ''}`)
  const failed = named('failed')
  return {
    _type: STATEMENT_TYPE,
    subject: statementSubjects(f),
    predicateType: TEST_RESULT_PREDICATE,
    predicate: {
      result: failed.length || f.tests.some(t => !t.passed) ? 'FAILED' : 'PASSED',
      configuration: [
        { name: 'commit', ...(f.sourceUrl ? { uri: `git+${f.sourceUrl}@${f.commit}` } : {}), digest: { gitCommit: f.commit } },
        ...testConfiguration(commands, f.compose)
      ],
      ...(f.runUrl ? { url: f.runUrl } : {}),
      passedTests: named('passed'),
      warnedTests: [],
      failedTests: failed
    }
  }
}

/** JSON with every object's keys sorted: one statement, one digest, whichever order it was built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(k => [k, sortKeys((value as Record<string, unknown>)[k])])
    )
  }
  return value
}

/**
 * Why a stored statement does not vouch for `digest` at `commit`, or undefined when it does: a statement
 * of the test-result predicate, PASSED, whose subject is that digest and whose commit is this one, and,
 * when `tested` is given, whose tests were those (testConfiguration) and no others.
 */
export function whyNotVouched(statement: unknown, digest: string, commit: string, tested?: ResourceDescriptor[]): string | undefined {
  const s = statement as Partial<TestResultStatement> | undefined
  if (s?._type !== STATEMENT_TYPE || s.predicateType !== TEST_RESULT_PREDICATE) return 'not a test-result statement'
  const hex = hexOf(digest)
  if (!s.subject?.some(sub => sub.digest?.sha256 === hex)) return `its subject is not ${digest}`
  if (s.predicate?.result !== 'PASSED') return `its result is ${String(s.predicate?.result)}`
  if (!s.predicate.configuration?.some(c => c.digest?.gitCommit === commit)) return `it is not of commit ${commit}`
  return tested ? whyTestedOtherwise(s.predicate.configuration, tested) : undefined
}

/** Why a record's configuration names other tests than `tested` (testConfiguration), in any order; undefined when the same. */
export function whyTestedOtherwise(configuration: ResourceDescriptor[], tested: ResourceDescriptor[]): string | undefined {
  const recorded = configuration.filter(c => c.name !== 'commit')
  const key = (list: ResourceDescriptor[]): string => list.map(canonicalJson).sort().join('\n')
  return key(recorded) === key(tested) ? undefined : `it was tested otherwise (${describeTests(recorded)}) than this run tests (${describeTests(tested)})`
}

/** A configuration's tests in words, for a notice. */
function describeTests(list: ResourceDescriptor[]): string {
  if (!list.length) return 'no tests'
  return list.map(c => `${c.name} ${Object.values(c.annotations ?? {}).map(v => `'${v}'`).join(' ')}`).join(', ')
}
