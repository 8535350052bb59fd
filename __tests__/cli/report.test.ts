// The terminal report and log: aligned plain text, colour only when asked for, nothing a test can use to drive the terminal.
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../src/core/errors.js'
import type { TestSuite } from '../../src/core/results/junit.js'
import { failedReport, report, startProgress } from '../../src/core/stages/report.js'
import { intent } from '../../src/core/stages/plan.js'
import { terminalLog } from '../../src/cli/log.js'
import { CommandNeutraliser } from '../../src/action/workflow-commands.js'
import { terminalMessage } from '../../src/cli/messages.js'
import { renderTerminalReport } from '../../src/cli/report.js'
import { renderAdviceReport } from '../../src/cli/advice-report.js'
import { renderDoctorReport } from '../../src/cli/doctor-report.js'
import { buildJson } from '../../src/cli/json.js'
import type { AdviceReport } from '../../src/core/advice/advice.js'
import { plain, wantsColour } from '../../src/cli/style.js'
import { built,
  loaded, COMMIT, IMAGE, inputs, plan, published, unitFailed, unitPassed } from '../../__fixtures__/report.js'

const ESC = '\x1b'
const hostile: TestSuite = {
  name: 'unit: pytest',
  passed: 1,
  failed: 1,
  skipped: 0,
  durationSeconds: 1.5,
  cases: [
    { suite: 'pytest', classname: 'tests.test_app', name: 'test_add', durationSeconds: 1, status: 'passed' },
    {
      suite: 'pytest',
      classname: 'tests.test_app',
      name: `test_${ESC}]0;pwned${ESC}\\title`,
      file: 'tests/test_app.py',
      line: 12,
      durationSeconds: 0.5,
      status: 'failed',
      message: `assert 1 == 2 ${ESC}[2J${ESC}[31mred\nsecond line`,
      details: 'Traceback …'
    }
  ]
}

describe('renderTerminalReport', () => {
  const text = renderTerminalReport(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }), { colour: false })
  const lines = text.split('\n')

  test('a headline with the verdict, then the facts of the job summary in two aligned columns', () => {
    expect(lines[0]).toBe(`✔ ${IMAGE}: tested and pushed`)
    expect(text).toContain(`  Commit        ${COMMIT} (2024-05-06T07:08:09Z)\n`)
    expect(text).toContain(`  Image ID      ${loaded.imageId}\n`)
    expect(text).toContain('  Size          12.3 MB\n')
    expect(text).toContain('  Reproducible  yes\n')
    expect(text).toContain('  Unit tests    passed in 3.5 s\n')
    expect(text).toContain(`  Digest        ${published.digest}\n`)
    // One tag per line, each under the first.
    expect(text).toContain(`  Tags          ${published.references[0]}\n                ${published.references[1]}\n`)
    const valueColumn = new Set(lines.filter(l => /^  \S/.test(l)).map(l => l.search(/(?<=^  \S.*?\s{2,})\S/)))
    expect(valueColumn).toEqual(new Set([16]))
  })

  test('the records beside the pushed digest: test-result and provenance, each signed or not, and where', () => {
    const stored = [{ image: IMAGE, via: 'referrers' as const }]
    const attestation = { digest: `sha256:${'a'.repeat(64)}`, statement: {} as never, stored, signature: `sha256:${'b'.repeat(64)}` }
    const provenance = { digest: `sha256:${'c'.repeat(64)}`, statement: {} as never, stored }
    const withRecords = renderTerminalReport({ ...report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }), attestation, provenance }, { colour: false })
    expect(withRecords).toContain(`  Attestation   test-result ${attestation.digest} (signed)\n                ${IMAGE} (referrers API)\n`)
    expect(withRecords).toContain(`  Provenance    SLSA provenance ${provenance.digest} (not signed)\n                ${IMAGE} (referrers API)\n`)
    expect(text).not.toContain('Provenance')
  })

  test('no markdown, no HTML and no colour codes without colour', () => {
    const failed = renderTerminalReport(report(plan, { built, loaded, tests: [unitFailed], suites: [hostile], notes: [] }), { colour: false })
    for (const t of [text, failed]) expect(t).not.toMatch(/\||<br>|<details>|&#\d+;|\*\*|`/)
    expect(failed).not.toContain(ESC)
  })

  test('test results: totals, a row per suite, failed tests with message and place, cleaned of escape sequences', () => {
    const t = renderTerminalReport(report(plan, { built, loaded, tests: [unitFailed], suites: [hostile], notes: [] }), { colour: false })
    expect(t.split('\n')[0]).toBe(`✘ ${IMAGE}: failed at unit tests`)
    expect(t).toMatch(/^  Unit tests +failed \(exit 3\) in 2.0 s$/m)
    // A failed run's tags were not pushed, and the report says so.
    expect(t).toMatch(/^  Tags, not pushed  ghcr.io\/acme\/app:/m)
    expect(t).toContain('Failed at unit tests: unit tests failed (exit 3): nothing was pushed')
    expect(t).toContain('Test results: 1 passed, 1 failed, 0 skipped in 1.5 s')
    expect(t).toContain('  unit: pytest  1 passed, 1 failed, 0 skipped  1.5 s')
    expect(t).toContain('  ✘ tests.test_app › test_title: assert 1 == 2 red second line (tests/test_app.py:12)')
  })

  test('colour: codes around the verdict and the failures, and test output still cannot add its own', () => {
    const t = renderTerminalReport(report(plan, { built, loaded, tests: [unitFailed], suites: [hostile], notes: [] }), { colour: true })
    expect(t).toContain(`${ESC}[31mfailed at unit tests${ESC}[39m`)
    expect(t).not.toContain(`${ESC}[2J`)
    expect(t).not.toContain(`${ESC}]0;`)
    expect(plain(t)).toContain('Failed at unit tests: unit tests failed')
  })

  test('untested or unpushed runs say so, in CLI words', () => {
    const pushedUntested = renderTerminalReport(report(plan, { built, loaded, tests: [], suites: [], published, notes: [] }), { colour: false })
    expect(pushedUntested.split('\n')[0]).toBe(`⚠ ${IMAGE}: pushed untested`)
    expect(pushedUntested).toContain('No --test-command or --integration-command')
    const noPush = { ...plan, publish: { ...plan.publish, push: false } }
    const local = renderTerminalReport(report(noPush, { built, loaded, tests: [unitPassed], suites: [], notes: [] }), { colour: false })
    expect(local.split('\n')[0]).toBe(`✔ ${IMAGE}: tested, not pushed`)
    expect(local).toContain('Not pushed: pass --push true')
  })

  test('a failed stage: only the facts known, the stage, and the fix a developer applies', () => {
    const r = failedReport({ ...startProgress(intent(inputs)), plan, stage: 'plan' }, new InputError('githash', "'abc' names no commit in this repository, and this clone is shallow", 'full-history'))
    const t = renderTerminalReport(r, { colour: false })
    expect(t.split('\n')[0]).toBe(`✘ ${IMAGE}: failed at plan`)
    expect(t).not.toContain('Image ID')
    expect(t).toContain("Failed at plan: --githash: 'abc' names no commit in this repository, and this clone is shallow; fetch the full history first: git fetch --unshallow")
    expect(t).not.toMatch(/fetch-depth|actions\/checkout/)
  })
})

describe('Dockerfile advice in the terminal', () => {
  const advice: AdviceReport = {
    commit: COMMIT,
    dockerfile: 'Dockerfile',
    commits: 40,
    advice: [{ kind: 'root', dockerfile: 'Dockerfile', line: 3, instruction: `USER ${ESC}]0;pwned${ESC}\\root`, stage: 'final', suggestion: 'add a user' }]
  }

  test('the end of a build report: where, then the sentence, with nothing from the Dockerfile able to drive the terminal', () => {
    const text = renderTerminalReport({ ...report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }), advice }, { colour: false })
    expect(text).toContain('\nDockerfile advice:\n  Dockerfile:3  USER root makes the final stage final run as root, and nothing in the Dockerfile needs it')
    expect(text).not.toContain(ESC)
  })

  test('hashdock advise: a headline counting the pieces, or saying there is none', () => {
    expect(renderAdviceReport(advice, { colour: false }).split('\n')[0]).toBe(`⚠ Dockerfile: 1 piece of advice, measured on the last 40 first-parent commits up to ${COMMIT.slice(0, 12)}`)
    expect(renderAdviceReport({ ...advice, advice: [] }, { colour: false })).toBe(`✔ Dockerfile: no advice, measured on the last 40 first-parent commits up to ${COMMIT.slice(0, 12)}\n`)
  })
})

describe('terminalMessage', () => {
  test.each([
    ["githash: 'x' names no commit", undefined, "--githash: 'x' names no commit"],
    ['registry-password: is empty, so hashdock cannot log in as bot', 'password' as const, 'registry password: is empty, so hashdock cannot log in as bot; set HASHDOCK_REGISTRY_PASSWORD, or pass --registry-password-stdin'],
    ['checkout-path: /src is not a git checkout', 'checkout' as const, '--repo: /src is not a git checkout; run hashdock inside a git repository, or pass its directory with --repo'],
    ['docker buildx build failed (exit 1): ERROR: boom', undefined, 'docker buildx build failed (exit 1): ERROR: boom']
  ])('%s', (message, remedy, expected) => {
    expect(terminalMessage(message, remedy)).toBe(expected)
  })
})

describe('colour', () => {
  test.each([
    [true, {}, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, {}, false],
    [undefined, {}, false]
  ])('a TTY: %s, env %j → %s', (isTTY, env, expected) => {
    expect(wantsColour({ isTTY }, env)).toBe(expected)
  })
})

describe('terminalLog', () => {
  test('writes through its writer only, with a heading per phase', async () => {
    const written: string[] = []
    const log = terminalLog({ verbose: false, colour: false, write: t => written.push(t) })
    const value = await log.group('Build', async () => {
      log.info('step')
      log.debug('hidden')
      log.warning('careful', { file: 'a.py', startLine: 3 })
      return 7
    })
    expect(value).toBe(7)
    expect(written.join('')).toBe('\n▸ Build\nstep\nwarning: careful (a.py:3)\n')
  })

  test("the core's warnings name flags, not inputs", () => {
    const written: string[] = []
    terminalLog({ verbose: false, colour: false, write: t => written.push(t) }).warning("test-results: '/nowhere' was not found in the unit test container")
    expect(written).toEqual(["warning: --test-results: '/nowhere' was not found in the unit test container\n"])
  })

  test("in a workflow's run: step: lines neutralised, untrusted output fenced, programs' lines read after ours", async () => {
    const written: string[] = []
    const runner = new CommandNeutraliser()
    const log = terminalLog({ verbose: false, colour: false, write: t => written.push(t), runner })
    await log.untrusted(async () => {
      log.info('::warning::a test name')
      runner.push('program output without newline')
      log.info('ours')
      expect(runner.push('::error::x')).toBe('\u2060::error::x')
    })
    const token = /^::stop-commands::(\S+)\n$/.exec(written[0])?.[1]
    expect(token).toBeDefined()
    expect(written.slice(1)).toEqual(['\u2060::warning::a test name\n', 'ours\n', `\n::${token}::\n`])
  })

  test('verbose: debug lines too', () => {
    const written: string[] = []
    terminalLog({ verbose: true, colour: false, write: t => written.push(t) }).debug('docker buildx build …')
    expect(written).toEqual(['debug: docker buildx build …\n'])
  })
})

describe('renderDoctorReport', () => {
  test('a line per check, the fix under each that is not ok, and a verdict', () => {
    const text = renderDoctorReport(
      {
        ready: false,
        checks: [
          { id: 'docker', state: 'ok', found: 'client 28.0.0' },
          { id: 'engine', state: 'fail', found: 'unreachable: \x1b[31mno socket', fix: 'start the Docker daemon' },
          { id: 'skopeo', state: 'warn', found: 'not installed', fix: 'install skopeo' }
        ]
      },
      { colour: false }
    )
    expect(text).toBe(
      ['✔ docker  client 28.0.0', '✘ Engine  unreachable: no socket', '          → start the Docker daemon', '⚠ skopeo  not installed', '          → install skopeo', '', 'No build can run here until the failures above are fixed.', ''].join('\n')
    )
  })
})

describe('--json', () => {
  test('a pushed build: typed values, camelCase keys, passed', () => {
    const json = buildJson(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }))
    expect(json).toMatchObject({ schemaVersion: 1, command: 'build', status: 'passed', outcome: 'pushed', failedStage: null, error: null, githash: COMMIT, images: [IMAGE], pushed: true, reused: false })
    expect(typeof json.commitTime).toBe('number')
    expect(typeof json.reproducible).toBe('boolean')
    expect(Array.isArray(json.tags) && json.tags.length > 0).toBe(true)
    expect(json.tests).toEqual([{ kind: 'unit', platform: null, passed: true, exitCode: 0, seconds: unitPassed.seconds }])
    expect(Object.keys(json).filter(k => /[-_]/.test(k))).toEqual([])
  })

  test('a failed test: failed, the stage and the error in the CLI\'s words', () => {
    const json = buildJson(report(plan, { built, loaded, tests: [unitFailed], suites: [], notes: [] }))
    expect(json).toMatchObject({ status: 'failed', outcome: 'failed', failedStage: 'unit tests', error: expect.stringMatching(/^unit tests failed \(exit \d+\)/) })
  })

  test('an input error: input-error, naming the flag, the fix a developer applies', () => {
    const r = failedReport({ ...startProgress(intent(inputs)), plan, stage: 'plan' }, new InputError('githash', "'abc' names no commit in this repository, and this clone is shallow", 'full-history'))
    expect(buildJson(r)).toMatchObject({
      status: 'input-error',
      failedStage: 'plan',
      failedInput: '--githash',
      error: "--githash: 'abc' names no commit in this repository, and this clone is shallow; fetch the full history first: git fetch --unshallow",
      digest: null,
      imageId: null
    })
  })
})
