// The action's log: output of the user's tests is fenced off so the runner cannot read it as commands.
import { describe, expect, test } from '@jest/globals'
import { captureStdout } from '../test/support/stdout.js'
import { actionLog } from '../src/action/log.js'

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

const stdout = captureStdout()

const lines = (): string[] => stdout().join('').split(/\r?\n/).filter(Boolean)

/** The token of a `::stop-commands::<token>` line, checked to be a UUID. */
function stopToken(line: string): string {
  const match = new RegExp(`^::stop-commands::(${UUID})$`).exec(line)
  expect(match).not.toBeNull()
  return match![1]
}

describe('actionLog.untrusted', () => {
  test('stop-commands before the output, the same token to resume after it', async () => {
    const result = await actionLog.untrusted(async () => {
      process.stdout.write('::set-output name=x::pwned\n')
      return 42
    })
    expect(result).toBe(42)
    const out = lines()
    expect(out).toHaveLength(3)
    const token = stopToken(out[0])
    expect(out[1]).toBe('::set-output name=x::pwned')
    expect(out[2]).toBe(`::${token}::`)
  })

  test('resumes even when fn rejects, and passes the error on', async () => {
    const error = new Error('tests crashed')
    await expect(
      actionLog.untrusted(async () => {
        process.stdout.write('partial output\n')
        throw error
      })
    ).rejects.toBe(error)
    const out = lines()
    const token = stopToken(out[0])
    expect(out.at(-1)).toBe(`::${token}::`)
  })

  test('resumes even when fn throws before returning a promise', async () => {
    const fn = (): Promise<never> => {
      throw new Error('synchronous')
    }
    await expect(actionLog.untrusted(fn)).rejects.toThrow('synchronous')
    const out = lines()
    expect(out).toHaveLength(2)
    expect(out[1]).toBe(`::${stopToken(out[0])}::`)
  })

  test('a fresh token every time, so output cannot guess it', async () => {
    await actionLog.untrusted(async () => undefined)
    await actionLog.untrusted(async () => undefined)
    const out = lines()
    expect(out).toHaveLength(4)
    const first = stopToken(out[0])
    const second = stopToken(out[2])
    expect(first).not.toBe(second)
    expect(out[1]).toBe(`::${first}::`)
    expect(out[3]).toBe(`::${second}::`)
  })
})

describe('actionLog.group', () => {
  test('a group opened inside another closes the outer one first: GitHub cannot nest them', async () => {
    await actionLog.group('Services', async () => {
      process.stdout.write('starting\n')
      await actionLog.group('Logs of redis', async () => {
        process.stdout.write('redis says\n')
      })
      process.stdout.write('after\n')
    })
    await actionLog.group('Next', async () => {})
    expect(lines()).toEqual([
      '::group::Services',
      'starting',
      '::endgroup::',
      '::group::Logs of redis',
      'redis says',
      '::endgroup::',
      'after',
      '::group::Next',
      '::endgroup::'
    ])
  })

  test('a group that throws still closes, and the error comes after it', async () => {
    await expect(actionLog.group('Build', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(lines()).toEqual(['::group::Build', '::endgroup::'])
  })
})
