// The test-result statement: built from the run's facts, the same bytes for the same facts, and checked on re-runs.
import { describe, expect, test } from '@jest/globals'
import { canonicalJson, testConfiguration, testResultStatement, whyNotVouched, type StatementFacts } from '../../../src/core/attestation/statement.js'
import type { TestSuite } from '../../../src/core/results/junit.js'

const commit = 'a'.repeat(40)
const digest = `sha256:${'b'.repeat(64)}`

const suite = (platform?: string): TestSuite => ({
  name: 'unit: pytest',
  passed: 2,
  failed: 0,
  skipped: 1,
  durationSeconds: 1,
  cases: [
    { suite: 'pytest', classname: 'tests.test_app', name: 'test_one', durationSeconds: 0.1, status: 'passed', ...(platform ? { platform } : {}) },
    { suite: 'pytest', name: 'test_two', durationSeconds: 0.1, status: 'passed', ...(platform ? { platform } : {}) },
    { suite: 'pytest', classname: 'tests.test_app', name: 'test_skipped', durationSeconds: 0, status: 'skipped' }
  ]
})

const facts: StatementFacts = {
  images: ['ghcr.io/acme/app', 'docker.io/acme/app'],
  digest,
  commit,
  sourceUrl: 'https://github.com/acme/app',
  runUrl: 'https://github.com/acme/app/actions/runs/7',
  tests: [
    { kind: 'unit', command: 'pytest -q', exitCode: 0, passed: true, seconds: 1 },
    { kind: 'integration', command: 'pytest -q tests/integration', exitCode: 0, passed: true, seconds: 2 }
  ],
  suites: [suite()]
}

describe('testResultStatement', () => {
  test('an in-toto v1 statement of the test-result predicate, one subject per repository', () => {
    const s = testResultStatement(facts)
    expect(s._type).toBe('https://in-toto.io/Statement/v1')
    expect(s.predicateType).toBe('https://in-toto.io/attestation/test-result/v0.1')
    expect(s.subject).toEqual([
      { name: 'ghcr.io/acme/app', digest: { sha256: 'b'.repeat(64) } },
      { name: 'docker.io/acme/app', digest: { sha256: 'b'.repeat(64) } }
    ])
    expect(s.predicate).toEqual({
      result: 'PASSED',
      configuration: [
        { name: 'commit', uri: `git+https://github.com/acme/app@${commit}`, digest: { gitCommit: commit } },
        { name: 'test-command', annotations: { command: 'pytest -q' } },
        { name: 'integration-command', annotations: { command: 'pytest -q tests/integration' } }
      ],
      url: 'https://github.com/acme/app/actions/runs/7',
      passedTests: ['tests.test_app.test_one', 'pytest.test_two'],
      warnedTests: [],
      failedTests: []
    })
  })

  test('a multi-platform index: each repository names the index, then every platform\'s manifest', () => {
    const s = testResultStatement({ ...facts, platformDigests: [`sha256:${'c'.repeat(64)}`, `sha256:${'d'.repeat(64)}`] })
    expect(s.subject).toEqual(
      ['ghcr.io/acme/app', 'docker.io/acme/app'].flatMap(name => ['b', 'c', 'd'].map(h => ({ name, digest: { sha256: h.repeat(64) } })))
    )
    expect(whyNotVouched(s, `sha256:${'d'.repeat(64)}`, commit)).toBeUndefined()
  })

  test('without a repository address or run, the commit is named by its digest alone and no url is given', () => {
    const s = testResultStatement({ ...facts, sourceUrl: undefined, runUrl: undefined })
    expect(s.predicate.configuration[0]).toEqual({ name: 'commit', digest: { gitCommit: commit } })
    expect(s.predicate).not.toHaveProperty('url')
  })

  test('each platform of several names its cases apart', () => {
    const s = testResultStatement({ ...facts, suites: [suite('linux/amd64'), suite('linux/arm64')] })
    expect(s.predicate.passedTests).toEqual([
      'tests.test_app.test_one [linux/amd64]',
      'pytest.test_two [linux/amd64]',
      'tests.test_app.test_one [linux/arm64]',
      'pytest.test_two [linux/arm64]'
    ])
  })

  test('integration tests beside a compose file record the file and the service', () => {
    const s = testResultStatement({ ...facts, compose: { file: 'compose.yml', service: 'app' } })
    expect(s.predicate.configuration.slice(1)).toEqual([
      { name: 'test-command', annotations: { command: 'pytest -q' } },
      { name: 'integration-command', annotations: { command: 'pytest -q tests/integration' } },
      { name: 'compose-file', annotations: { path: 'compose.yml', service: 'app' } }
    ])
    // No integration tests ran: no compose file was used by a test.
    expect(testResultStatement({ ...facts, tests: facts.tests.slice(0, 1), compose: { file: 'compose.yml', service: 'app' } }).predicate.configuration.map(c => c.name)).toEqual(['commit', 'test-command'])
  })

  test('a failed run says FAILED', () => {
    expect(testResultStatement({ ...facts, tests: [{ ...facts.tests[0], passed: false, exitCode: 1 }] }).predicate.result).toBe('FAILED')
  })

  test('the same facts give the same bytes, whatever the order of the keys', () => {
    expect(canonicalJson(testResultStatement(facts))).toBe(canonicalJson(testResultStatement({ ...facts })))
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}')
  })
})

describe('whyNotVouched', () => {
  const good = JSON.parse(canonicalJson(testResultStatement(facts)))
  test('a PASSED statement of this digest and commit vouches', () => {
    expect(whyNotVouched(good, digest, commit)).toBeUndefined()
  })
  test.each([
    ['another digest', good, `sha256:${'c'.repeat(64)}`, commit, /its subject is not sha256:c/],
    ['another commit', good, digest, 'd'.repeat(40), /it is not of commit d/],
    ['a failed result', { ...good, predicate: { ...good.predicate, result: 'FAILED' } }, digest, commit, /its result is FAILED/],
    ['another predicate', { ...good, predicateType: 'https://slsa.dev/provenance/v1' }, digest, commit, /not a test-result statement/],
    ['not a statement', 'hello', digest, commit, /not a test-result statement/]
  ])('%s does not', (_, statement, d, c, why) => {
    expect(whyNotVouched(statement, d, c)).toMatch(why)
  })

  const compose = { file: 'compose.yml', service: 'app' }
  const both = { unit: 'pytest -q', integration: 'pytest -q tests/integration' }
  test('the tests this run would run, in any order, vouch', () => {
    expect(whyNotVouched(good, digest, commit, testConfiguration(both))).toBeUndefined()
    const withCompose = JSON.parse(canonicalJson(testResultStatement({ ...facts, compose })))
    expect(whyNotVouched(withCompose, digest, commit, testConfiguration(both, compose).reverse())).toBeUndefined()
  })
  test.each([
    ['a compose file the record does not name', good, testConfiguration(both, compose), /tested otherwise \(test-command 'pytest -q', integration-command 'pytest -q tests\/integration'\) than this run tests \(.*compose-file 'compose.yml' 'app'\)/],
    ['another compose service', JSON.parse(canonicalJson(testResultStatement({ ...facts, compose }))), testConfiguration(both, { ...compose, service: 'web' }), /tested otherwise/],
    ['another test command', good, testConfiguration({ ...both, unit: 'true' }), /tested otherwise/],
    ['fewer tests than recorded', good, testConfiguration({ unit: both.unit }), /tested otherwise/],
    ['no tests at all', good, testConfiguration({}), /than this run tests \(no tests\)/]
  ])('a record tested otherwise does not: %s', (_, statement, tested, why) => {
    expect(whyNotVouched(statement, digest, commit, tested)).toMatch(why)
  })
})
