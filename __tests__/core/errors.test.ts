// Errors a user acts on: one line, naming the input or ending with the program's own last words.
import { describe, expect, test } from '@jest/globals'
import { CommandError, InputError, lastLine, ProgramMissing } from '../../src/core/errors.js'
import { run } from '../../src/core/programs/exec.js'

describe('lastLine', () => {
  test.each<[string, string, string]>([
    ['the last line', 'one\ntwo\nthree', 'three'],
    ['the last non-empty line', 'one\ntwo\n\n   \n', 'two'],
    ['trimmed', '  \t padded line \t \n', 'padded line'],
    ['CRLF output', 'one\r\ntwo\r\n', 'two'],
    ['empty output', '', ''],
    ['only blank lines', '\n  \n\t\n', ''],
    ['an ERROR line before trailing noise', '#5 [2/3] RUN make\nERROR: failed to solve: exit code 2\n#6 DONE 0.1s', 'ERROR: failed to solve: exit code 2'],
    ['an error: line', 'hint: something\nerror: pathspec did not match\nhint: more', 'error: pathspec did not match'],
    ['an Error line', 'Error response from daemon: no such image\nexit status 1', 'Error response from daemon: no such image'],
    ['a fatal line', 'fatal: not a git repository\nsee git help', 'fatal: not a git repository'],
    ['a FATAL line', 'FATAL: broke\ntrailing', 'FATAL: broke'],
    ['the last of several marked lines', 'error: first\nnoise\nERROR: second\nnoise', 'ERROR: second'],
    ['a marked line, trimmed', 'noise\n   ERROR: indented   \nmore noise', 'ERROR: indented'],
    ['no marked line when a word only contains error', 'terror: boo\nlast', 'last']
  ])('%s', (_, text, expected) => {
    expect(lastLine(text)).toBe(expected)
  })

  test('caps the line at 500 characters', () => {
    const long = 'x'.repeat(600)
    expect(lastLine(`first\n${long}`)).toBe('x'.repeat(500))
    expect(lastLine(`ERROR: ${long}\nafter`)).toBe(`ERROR: ${long}`.slice(0, 500))
  })
})

describe('CommandError', () => {
  test('message: command, exit code and the meaningful last line', () => {
    const error = new CommandError('docker buildx', 1, '#1 building\nERROR: failed to solve\n#2 done\n')
    expect(error.message).toBe('docker buildx failed (exit 1): ERROR: failed to solve')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('CommandError')
    expect(error.command).toBe('docker buildx')
    expect(error.exitCode).toBe(1)
    expect(error.stderr).toContain('#1 building')
  })

  test('no error output says so', () => {
    expect(new CommandError('git archive', 128, '  \n').message).toBe('git archive failed (exit 128): no error output')
  })

  test('the message is one line however long the output', () => {
    const error = new CommandError('docker push', 2, `${'line\n'.repeat(50)}${'y'.repeat(1000)}\n`)
    expect(error.message).not.toContain('\n')
    expect(error.message).toBe(`docker push failed (exit 2): ${'y'.repeat(500)}`)
  })
})

describe('InputError', () => {
  test('the message starts with the input name', () => {
    const error = new InputError('wait-timeout', "'x' is not a whole number of seconds")
    expect(error.message).toBe("wait-timeout: 'x' is not a whole number of seconds")
    expect(error.input).toBe('wait-timeout')
    expect(error.name).toBe('InputError')
    expect(error).toBeInstanceOf(Error)
  })
})

describe('a program that is not there', () => {
  test('is one line naming it and what to do, not the exec library\'s four sentences', async () => {
    const missing = run('hashdock-no-such-program', ['--version'], { allowFailure: true })
    await expect(missing).rejects.toBeInstanceOf(ProgramMissing)
    await expect(missing).rejects.toThrow(/^hashdock-no-such-program is not installed, or not on PATH: install hashdock-no-such-program$/)
    expect(new ProgramMissing('docker').message).toMatch(/^docker is not installed, or not on PATH: install Docker Engine/)
  })
})
