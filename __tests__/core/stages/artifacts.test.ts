// The artifacts input: its lines parsed and checked, its stages checked against the Dockerfile, and its
// files in the outputs, the job summary and the terminal report only once delivered.
import { describe, expect, test } from '@jest/globals'
import { Input, Output } from '../../../src/core/constants.js'
import { InputError } from '../../../src/core/errors.js'
import { parseInputs } from '../../../src/core/inputs.js'
import { checkStages } from '../../../src/core/build-inputs.js'
import { parseDockerfile, stageNames } from '../../../src/core/dockerfile.js'
import { outputs, report } from '../../../src/core/stages/report.js'
import { renderSummary } from '../../../src/action/summary.js'
import { renderTerminalReport } from '../../../src/cli/report.js'
import { artifacts, built, loaded, plan, published, unitPassed } from '../../../__fixtures__/report.js'

const parse = (raw: Partial<Record<Input, string>>): ReturnType<typeof parseInputs> => {
  const all: Partial<Record<Input, string>> = { [Input.Image]: 'ghcr.io/acme/app', ...raw }
  return parseInputs(name => all[name] ?? '')
}

function inputError(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an error, got none')
}

describe('artifacts lines', () => {
  test.each([
    ['builder:out/app.deb', [{ stage: 'builder', path: 'out/app.deb' }]],
    ['Builder: ./out//dist/ \n# a comment\ndocs:site', [{ stage: 'builder', path: 'out/dist' }, { stage: 'docs', path: 'site' }]],
    ['', []],
    // As the Dockerfile writes the path: absolute in the stage, the same file as from its root.
    ['builder:/out/app.deb\ndocs:/site/', [{ stage: 'builder', path: 'out/app.deb' }, { stage: 'docs', path: 'site' }]]
  ])('%j', (value, expected) => {
    expect(parse({ [Input.Artifacts]: value })[Input.Artifacts]).toEqual(expected)
  })

  test.each([
    ['out/app.deb', 'is not STAGE:PATH'],
    ['builder:', 'is not STAGE:PATH'],
    [':out/app.deb', 'is not STAGE:PATH'],
    ['bad stage:out', 'is not a stage name'],
    ['builder:/', "must be a path inside the stage's root, not the root itself, e.g. builder:/out/app.deb"],
    ['builder:/../etc/passwd', "must be a path inside the stage's root"],
    ['builder:out/../../etc/passwd', "must be a path inside the stage's root"],
    ['builder:.', "must be a path inside the stage's root"],
    ['builder:out/app.deb\nbuilder:/out/app.deb', 'is given twice'],
    ['builder:out/*.deb', 'holds a character artifacts do not take'],
    ['builder:out/my app.deb', 'holds a character artifacts do not take'],
    ['builder:out/app.deb\nBUILDER:out/app.deb', 'is given twice']
  ])('%j: %s', (value, message) => {
    const error = inputError(() => parse({ [Input.Artifacts]: value }))
    expect(error.message.startsWith('artifacts: ')).toBe(true)
    expect(error.message).toContain(message)
    expect(error.message).not.toContain('\n')
  })

  test('an assembly builds nothing, so it takes no artifacts', () => {
    expect(inputError(() => parse({ [Input.Artifacts]: 'builder:out', [Input.AssembleFrom]: 'handed-on', [Input.Platforms]: 'linux/amd64' })).message).toMatch(
      /^artifacts: come out of a build, and assemble-from builds nothing/
    )
  })

  test('several platforms are refused: the files would differ per platform', () => {
    expect(inputError(() => parse({ [Input.Artifacts]: 'builder:out', [Input.Platforms]: 'linux/amd64,linux/arm64' })).message).toMatch(/^artifacts: takes files out of one platform's build/)
    expect(parse({ [Input.Artifacts]: 'builder:out', [Input.Platforms]: 'linux/arm64' })[Input.Platforms]).toEqual(['linux/arm64'])
  })
})

describe('stages of the Dockerfile', () => {
  const dockerfile = 'ARG BASE\nFROM ${BASE} AS Builder\nRUN make\nFROM builder AS test\nFROM scratch\nCOPY --from=builder /out /\n'
  const names = (text: string): string[] => stageNames(parseDockerfile(text))

  test('named stages only, lowercased as BuildKit compares them', () => {
    expect(names(dockerfile)).toEqual(['builder', 'test'])
    expect(names('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM build as Test\n')).toEqual(['build', 'test'])
  })

  test('a known stage passes; an unknown one names the stages there are', () => {
    expect(() => checkStages([{ stage: 'builder', path: 'out' }], names(dockerfile), 'Dockerfile')).not.toThrow()
    expect(inputError(() => checkStages([{ stage: 'packager', path: 'out' }], names(dockerfile), 'app/Dockerfile')).message).toBe(
      "artifacts: 'packager:out': app/Dockerfile has no stage 'packager'; its stages: builder, test"
    )
    expect(inputError(() => checkStages([{ stage: 'builder', path: 'out' }], names('FROM scratch\n'), 'Dockerfile')).message).toMatch(/it names no stage \(FROM … AS name\)$/)
  })

  test("a stage with the name of hashdock's own is refused", () => {
    expect(inputError(() => checkStages([{ stage: 'builder', path: 'out' }], names(`${dockerfile}FROM scratch AS hashdock-artifacts\n`), 'Dockerfile')).message).toMatch(/rename it$/)
  })
})

describe('delivered files in the outputs and reports', () => {
  const delivered = report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [], artifacts })
  const exported = report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [], artifacts: { ...artifacts, delivered: undefined } })

  test('the output lists each delivered file with its size and sha256, as JSON', () => {
    expect(JSON.parse(outputs(delivered)[Output.Artifacts] ?? '')).toEqual(artifacts.files.map(({ name, size, sha256 }) => ({ name, size, sha256 })))
  })

  test('nothing delivered, no output', () => {
    expect(outputs(exported)).not.toHaveProperty([Output.Artifacts])
    expect(outputs(report(plan, { built, loaded, tests: [unitPassed], suites: [], published, notes: [] }))).not.toHaveProperty([Output.Artifacts])
  })

  test('the summary: where they went, and a row per file, names escaped', () => {
    const md = renderSummary(delivered)
    expect(md).toContain('### Artifacts: workflow artifact hashdock-3f2a9c1 (id 7, 2048 bytes zipped)')
    expect(md).toContain('| builder:out/app&#95;1.0&#95;all.deb | 1,168 B | `a418d3791b2a4a75bf97a9bb843975a78ce084a2d3b5848ee1c17404cc5b9f54` |')
    // A file name of the build cannot break the table or open a code span.
    expect(md).toContain('| docs:site/a&#124;b&#96;c.html | 1,234,567 B |')
    expect(renderSummary(exported)).toContain('### Artifacts: exported, not delivered: the run did not pass')
  })

  test('the terminal report: where they went, a line per file', () => {
    const text = renderTerminalReport({ ...delivered, artifacts: { ...artifacts, delivered: 'written to /home/dev/out' } }, { colour: false })
    expect(text).toContain('Artifacts: written to /home/dev/out')
    expect(text).toMatch(/^ {2}builder:out\/app_1\.0_all\.deb {2}\s+1,168 B {2}sha256:a418d379/m)
  })
})
