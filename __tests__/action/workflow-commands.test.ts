// What the runner would read as a command in text from a commit: nothing, once neutralised, however it is cut.
import { describe, expect, test } from '@jest/globals'
import { Writable } from 'node:stream'
import { CommandFence, CommandNeutraliser, commandFreeJson, looksLikeCommand, neutralise, neutralisingStream, WORD_JOINER } from '../../src/action/workflow-commands.js'

const WJ = WORD_JOINER

/** The runner's reading: lines split at CR and LF, trimmed as .NET trims; `::` first, or `##[` anywhere. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter(line => line.replace(/^[\s\u0085]+/, '').startsWith('::') || line.includes('##['))
}

describe('neutralise', () => {
  test.each([
    ['::set-output name=x::y', `${WJ}::set-output name=x::y`],
    ['  \t::error::x', `  \t${WJ}::error::x`],
    ['\u00a0\u3000\u0085::error::x', `\u00a0\u3000\u0085${WJ}::error::x`],
    ['ok\n::warning::x', `ok\n${WJ}::warning::x`],
    ['ok\r::warning::x', `ok\r${WJ}::warning::x`],
    ['a ##[add-mask]b ##[error]c', `a ##${WJ}[add-mask]b ##${WJ}[error]c`],
    ['###[x]', `###${WJ}[x]`],
    ['# #[x] #[x]', '# #[x] #[x]'],
    ['std::vector a::b', 'std::vector a::b'],
    ['plain text', 'plain text'],
    ['', '']
  ])('%j becomes %j', (text, expected) => {
    expect(neutralise(text)).toBe(expected)
  })

  test('any mix of the dangerous pieces: no command is left, and the text is the same once the joiners go', () => {
    const pieces = [':', '::', '#', '##', '[', ']', ' ', '\t', '\r', '\n', '\r\n', '\u00a0', 'x', 'add-mask', '::error::', '##[warning]']
    let seed = 7
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join('')
      const safe = neutralise(text)
      expect(commandLines(safe)).toEqual([])
      expect(safe.replaceAll(WJ, '')).toBe(text)
    }
  })

  test('a stream cut anywhere is neutralised as if it came whole', () => {
    const text = 'build\n  ::error::x\nrun ##[add-mask]y\r::notice::z ##'
    for (let cut = 0; cut <= text.length; cut++) {
      const n = new CommandNeutraliser()
      expect(n.push(text.slice(0, cut)) + n.push(text.slice(cut))).toBe(neutralise(text))
    }
    const n = new CommandNeutraliser()
    expect([...'::a##[b'].map(c => n.push(c)).join('')).toBe(`${WJ}::a##${WJ}[b`)
  })

  test('after a line of our own, what a program prints starts a line', () => {
    const n = new CommandNeutraliser()
    expect(n.push('no newline ')).toBe('no newline ')
    expect(n.push('::x::')).toBe('::x::')
    n.newLine()
    expect(n.push('::x::')).toBe(`${WJ}::x::`)
  })

  test('3 MB on one line is one pass', () => {
    const text = `${'##['.repeat(1_000_000)}::`
    expect(commandLines(neutralise(text))).toEqual([])
  })
})

describe('neutralisingStream', () => {
  test('bytes are decoded across writes, and both outputs share one reading of the lines', () => {
    const written: string[] = []
    const out = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        written.push(String(chunk))
        done()
      }
    })
    const lines = new CommandNeutraliser()
    const stdout = neutralisingStream(out, lines)
    const stderr = neutralisingStream(out, lines)
    const e = Buffer.from('é::')
    stdout.write(e.subarray(0, 1))
    stdout.write(e.subarray(1))
    stderr.write(Buffer.from('\n'))
    stdout.write(Buffer.from('::warning::x ##'))
    stderr.write(Buffer.from('[add-mask]y\n'))
    expect(written.join('')).toBe(`é::\n${WJ}::warning::x ##${WJ}[add-mask]y\n`)
  })
})

describe('CommandFence', () => {
  test('stops with a fresh token, resumes on a line of its own, and nests as one fence', async () => {
    const lines: string[] = []
    const fence = new CommandFence(line => lines.push(line))
    await fence.around(() => fence.around(async () => lines.push('inside')))
    await fence.around(async () => undefined)
    const tokens = lines.filter(l => l.startsWith('::stop-commands::')).map(l => l.slice('::stop-commands::'.length))
    expect(tokens).toHaveLength(2)
    expect(tokens[0]).not.toBe(tokens[1])
    expect(lines).toEqual([`::stop-commands::${tokens[0]}`, 'inside', `\n::${tokens[0]}::`, `::stop-commands::${tokens[1]}`, `\n::${tokens[1]}::`])
  })

  test('a command of our own inside the fence resumes, and stops again with another token', async () => {
    const lines: string[] = []
    const fence = new CommandFence(line => lines.push(line))
    await fence.around(async () => fence.command(() => lines.push('::warning::ours')))
    expect(lines).toHaveLength(5)
    expect(lines[2]).toBe('::warning::ours')
    expect(lines[3]).not.toBe(lines[0])
    expect(fence.open).toBe(false)
  })

  test('resumes when fn throws', async () => {
    const lines: string[] = []
    const fence = new CommandFence(line => lines.push(line))
    await expect(fence.around(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(fence.open).toBe(false)
    expect(lines).toHaveLength(2)
  })
})

test('commandFreeJson is the same JSON, with no ##[ for the runner to read', () => {
  const value = { name: 'x ##[add-mask]y', tags: ['#1'], line: '::error::z' }
  const text = commandFreeJson(value)
  expect(JSON.parse(text)).toEqual(value)
  expect(commandLines(text)).toEqual([])
})

test.each([
  ['ok\n::x::', true],
  ['a ##[b', true],
  ['a\rb', true],
  ['plain', false]
])('looksLikeCommand(%j) is %s', (text, expected) => {
  expect(looksLikeCommand(text)).toBe(expected)
})
