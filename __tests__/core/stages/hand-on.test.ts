// Handing a tested image on: the archive as it was tested, then the record; nothing for an image no passing test ran.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { built, COMMIT, plan, unitPassed } from '../../../__fixtures__/report.js'
import type { TestSuite } from '../../../src/core/results/junit.js'
import { handOn, RECORD_KIND } from '../../../src/core/stages/hand-on.js'
import type { Plan } from '../../../src/core/stages/plan.js'

const suites: TestSuite[] = [{ name: 'unit on linux/arm64', passed: 1, failed: 0, skipped: 0, durationSeconds: 1, cases: [{ suite: 'tests', name: 'test_ok', durationSeconds: 1, status: 'passed', platform: 'linux/arm64' }] }]

const arm: Plan = { ...plan, strategy: { ...plan.strategy, platforms: ['linux/arm64'] } }

function setUp(): { archive: string; dir: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'hashdock-handon-'))
  const archive = join(scratch, 'image.tar')
  writeFileSync(archive, 'the tested bytes')
  return { archive, dir: join(scratch, 'out') }
}

describe('handOn', () => {
  test('writes the archive byte for byte and a record of its platform, digest, commit, tests and their results', async () => {
    const { archive, dir } = setUp()
    const tested = { ...unitPassed, platform: 'linux/arm64', digest: built.digest, resultsDir: '/scratch/results' }
    expect(await handOn(arm, { ...built, archive }, [tested], suites, dir)).toBe(join(dir, 'linux-arm64.tar'))
    expect(readdirSync(dir).sort()).toEqual(['linux-arm64.json', 'linux-arm64.tar'])
    expect(readFileSync(join(dir, 'linux-arm64.tar'), 'utf8')).toBe('the tested bytes')
    const { resultsDir: _, ...run } = tested
    expect(JSON.parse(readFileSync(join(dir, 'linux-arm64.json'), 'utf8'))).toEqual({
      kind: RECORD_KIND,
      platform: 'linux/arm64',
      digest: built.digest,
      commit: COMMIT,
      reproducible: true,
      archive: 'linux-arm64.tar',
      tests: [run],
      suites
    })
  })

  test('hands nothing on when a test ran another image, or failed', async () => {
    const { archive, dir } = setUp()
    const other = { ...unitPassed, platform: 'linux/arm64', digest: `sha256:${'9'.repeat(64)}` }
    await expect(handOn(arm, { ...built, archive }, [other], [], dir)).rejects.toThrow(`the linux/arm64 image ${built.digest} is not the one every passing test ran: nothing was handed on`)
    await expect(handOn(arm, { ...built, archive }, [{ ...other, digest: built.digest, passed: false }], [], dir)).rejects.toThrow(/nothing was handed on/)
    expect(() => readdirSync(dir)).toThrow()
  })
})
