// What the post step accepts from state: only what the main step could have written.
import { afterEach, expect, test } from '@jest/globals'
import { savedRun } from '../../src/action/state.js'

const workDirFor = (runId: string): string => `/runner/temp/hashdock-${runId}`

afterEach(() => {
  delete process.env['STATE_hashdock-run-id']
  delete process.env['STATE_hashdock-work-dir']
})

const state = (runId: string, workDir: string): void => {
  process.env['STATE_hashdock-run-id'] = runId
  process.env['STATE_hashdock-work-dir'] = workDir
}

test('no state: nothing to clean up', () => {
  expect(savedRun(workDirFor)).toBeUndefined()
})

test('the state the main step writes is accepted', () => {
  state('0123456789ab', '/runner/temp/hashdock-0123456789ab')
  expect(savedRun(workDirFor)).toEqual({ runId: '0123456789ab', workDir: '/runner/temp/hashdock-0123456789ab' })
})

test.each([
  ['a run ID that is a path', '../../etc', '/runner/temp/hashdock-../../etc', /run ID/],
  ['a run ID with a label filter in it', 'x,label=y', '/runner/temp/hashdock-x,label=y', /run ID/],
  ['an empty run ID with a work dir', '', '/', /run ID/],
  ['a work dir elsewhere', '0123456789ab', '/home/runner', /work directory/],
  ['a work dir of another run', '0123456789ab', '/runner/temp/hashdock-ba9876543210', /work directory/],
  ['a work dir that climbs out', '0123456789ab', '/runner/temp/hashdock-0123456789ab/../..', /work directory/]
])('%s is refused', (_, runId, workDir, problem) => {
  state(runId, workDir)
  const saved = savedRun(workDirFor)
  expect(saved && 'problem' in saved ? saved.problem : '').toMatch(problem)
})
