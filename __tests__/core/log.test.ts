import { afterEach, beforeEach, expect, jest, test } from '@jest/globals'
import { ticking, type Log } from '../../src/core/log.js'

const recorder = (): { log: Log; lines: string[] } => {
  const lines: string[] = []
  const say = (m: string): void => void lines.push(m)
  return { lines, log: { info: say, debug: say, notice: say, warning: say, error: say, group: (_, fn) => fn(), untrusted: fn => fn() } }
}

beforeEach(() => {
  jest.useFakeTimers()
})
afterEach(() => {
  jest.useRealTimers()
})

test('a line every ten seconds while the work runs, none after it ends', async () => {
  const { log, lines } = recorder()
  let finish: (v: string) => void = () => {}
  const work = ticking(log, s => `loading: ${s} s`, () => new Promise<string>(r => (finish = r)))
  jest.advanceTimersByTime(9_999)
  expect(lines).toEqual([])
  jest.advanceTimersByTime(20_001)
  expect(lines).toEqual(['loading: 10 s', 'loading: 20 s', 'loading: 30 s'])
  finish('done')
  await expect(work).resolves.toBe('done')
  jest.advanceTimersByTime(60_000)
  expect(lines).toHaveLength(3)
})

test('a failure passes through, and the ticking stops with it', async () => {
  const { log, lines } = recorder()
  const work = ticking(log, s => `waiting: ${s} s`, () => Promise.reject(new Error('gone')), 1)
  await expect(work).rejects.toThrow('gone')
  jest.advanceTimersByTime(5_000)
  expect(lines).toEqual([])
})
