// The action's log: output of the user's tests is fenced off so the runner cannot read it as commands.
import { describe, expect, test } from '@jest/globals'
import { captureStdout } from '../../test/support/stdout.js'
import { actionExecOutput, actionLog } from '../../src/action/log.js'
import { run, setExecOutput } from '../../src/core/programs/exec.js'

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

describe('inside a fence, the action still speaks', () => {
  test('a warning resumes commands, is written, and a new fence with a new token follows', async () => {
    await actionLog.untrusted(async () => {
      process.stdout.write('untrusted ##[add-mask]x')
      actionLog.warning('cache export refused')
      process.stdout.write('more untrusted\n')
    })
    const out = lines()
    const first = stopToken(out[0])
    expect(out[1]).toBe('untrusted ##[add-mask]x')
    // The resume token starts a line of its own, even after output that did not end its line.
    expect(out[2]).toBe(`::${first}::`)
    expect(out[3]).toBe('::warning::cache export refused')
    const second = stopToken(out[4])
    expect(second).not.toBe(first)
    expect(out[5]).toBe('more untrusted')
    expect(out[6]).toBe(`::${second}::`)
  })

  test('nested untrusted blocks share one fence', async () => {
    await actionLog.untrusted(() => actionLog.untrusted(async () => process.stdout.write('x\n')))
    const out = lines()
    expect(out).toHaveLength(3)
    expect(out[2]).toBe(`::${stopToken(out[0])}::`)
  })
})

describe('actionLog.info', () => {
  const WJ = '\u2060'
  test.each([
    ['a line starting with ::', 'ok\n::set-output name=x::y', `ok\n${WJ}::set-output name=x::y`],
    ['a legacy command anywhere', 'test name ##[add-mask]secret', `test name ##${WJ}[add-mask]secret`],
    ['a carriage return', 'ok\r::warning::x', `ok\r${WJ}::warning::x`],
    ['indented ::', '  ::error::x', `  ${WJ}::error::x`]
  ])('text holding %s is neutralised line by line, and fenced', (_, text, neutralised) => {
    actionLog.info(text)
    const out = stdout().join('')
    const token = stopToken(out.split('\n')[0])
    expect(out).toBe(`::stop-commands::${token}\n${neutralised}\n\n::${token}::\n`)
  })

  test('plain text is printed as it is', () => {
    actionLog.info('Logged in to registry as ci: 2 tags')
    expect(stdout().join('')).toBe('Logged in to registry as ci: 2 tags\n')
  })

  test('annotations lose bidi and zero-width characters', () => {
    actionLog.error('expected \u202eevil\u202c', { title: 'test\u200b name' })
    expect(stdout().join('')).toBe('::error title=test name::expected evil\n')
  })
})

describe('actionExecOutput', () => {
  const WJ = '\u2060'

  test('what programs print is neutralised on its way: lines are read across writes, and after our own lines', () => {
    actionExecOutput.stdout.write(Buffer.from('partial '))
    actionExecOutput.stderr.write(Buffer.from('::mid-line::\n  ::'))
    actionExecOutput.stdout.write(Buffer.from('warning::x ##'))
    actionExecOutput.stdout.write(Buffer.from('[add-mask]y, no newline'))
    actionLog.info('ours')
    actionExecOutput.stdout.write(Buffer.from('::after-ours::\n'))
    expect(stdout().join('')).toBe(`partial ::mid-line::\n  ${WJ}::warning::x ##${WJ}[add-mask]y, no newlineours\n${WJ}::after-ours::\n`)
  })

  test("a streamed program's commands reach the log neutralised", async () => {
    setExecOutput(actionExecOutput)
    try {
      await actionLog.untrusted(() => run('sh', ['-c', "echo '::warning::EVIL'; printf 'x\\r##[add-mask]EVIL\\n'"], { stream: true }))
    } finally {
      setExecOutput({ stdout: process.stdout, stderr: process.stderr, command: () => {} })
    }
    const out = lines()
    // The command line is a debug command of our own: the fence resumes for it, and stops again.
    expect(out[2]).toBe("::debug::sh -c echo '::warning::EVIL'; printf 'x\\r##[add-mask]EVIL\\n'")
    const token = stopToken(out[3])
    expect(out[4]).toBe(`${WJ}::warning::EVIL`)
    expect(stdout().join('')).toContain(`x\r##${WJ}[add-mask]EVIL\n`)
    expect(out.at(-1)).toBe(`::${token}::`)
  })
})
