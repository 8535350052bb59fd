// Test results read from the tar docker cp writes: regular files only, inside the directory, within a budget.
import { describe, expect, test } from '@jest/globals'
import { existsSync, lstatSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pack } from 'tar-stream'
import { CopyBudgetError, COPY_LIMITS, resultsExtractor } from '../../../src/core/results/results-copy.js'

type Entry = Parameters<ReturnType<typeof pack>['entry']>[0] & { body?: string }

/** A tar as docker cp writes one: names start with ./, directories have entries of their own. */
function tar(entries: Entry[]): ReturnType<typeof pack> {
  const p = pack()
  for (const { body, ...header } of entries) p.entry(header, body ?? '')
  p.finalize()
  return p
}

const fresh = (): string => mkdtempSync(join(tmpdir(), 'results-copy-'))

describe('resultsExtractor', () => {
  test('regular files are written where the tar puts them', async () => {
    const dir = fresh()
    await pipeline(
      tar([
        { name: './', type: 'directory' },
        { name: './junit.xml', body: '<testsuite/>' },
        { name: './nested/', type: 'directory' },
        { name: './nested/deeper/unit.xml', body: '<testsuites/>' }
      ]),
      resultsExtractor(dir)
    )
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toBe('<testsuite/>')
    expect(readFileSync(join(dir, 'nested/deeper/unit.xml'), 'utf8')).toBe('<testsuites/>')
  })

  test('symlinks, hard links and devices are left out, and so are names that leave the directory', async () => {
    const dir = fresh()
    await pipeline(
      tar([
        { name: './passwd.xml', type: 'symlink', linkname: '/etc/passwd' },
        { name: './hard.xml', type: 'link', linkname: '/etc/passwd' },
        { name: './fifo.xml', type: 'fifo' },
        { name: '../escaped.xml', body: 'x' },
        { name: '/etc/absolute.xml', body: 'x' },
        { name: './a/../../up.xml', body: 'x' },
        { name: './kept.xml', body: 'kept' }
      ]),
      resultsExtractor(dir)
    )
    for (const name of ['passwd.xml', 'hard.xml', 'fifo.xml']) expect(existsSync(join(dir, name))).toBe(false)
    expect(existsSync(join(dir, '..', 'escaped.xml'))).toBe(false)
    expect(existsSync(join(dir, '..', 'up.xml'))).toBe(false)
    expect(existsSync(join(dir, 'etc'))).toBe(false)
    expect(lstatSync(join(dir, 'kept.xml')).isFile()).toBe(true)
  })

  test('past the byte budget the copy stops, keeping the files before it', async () => {
    const dir = fresh()
    const limits = { bytes: 10, files: 100 }
    const copy = pipeline(
      tar([
        { name: './first.xml', body: '123456' },
        { name: './second.xml', body: '123456' },
        { name: './third.xml', body: '1' }
      ]),
      resultsExtractor(dir, limits)
    )
    await expect(copy).rejects.toThrow(new CopyBudgetError(limits))
    expect(readFileSync(join(dir, 'first.xml'), 'utf8')).toBe('123456')
    expect(existsSync(join(dir, 'second.xml'))).toBe(false)
    expect(existsSync(join(dir, 'third.xml'))).toBe(false)
  })

  test('past the file budget the copy stops too', async () => {
    const dir = fresh()
    const limits = { bytes: 1 << 20, files: 2 }
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `./${i}.xml`, body: '' }))
    await expect(pipeline(tar(entries), resultsExtractor(dir, limits))).rejects.toBeInstanceOf(CopyBudgetError)
    expect(existsSync(join(dir, '1.xml'))).toBe(true)
    expect(existsSync(join(dir, '2.xml'))).toBe(false)
  })

  test('the budget holds all the reader reads, and one file too large for it', () => {
    expect(new CopyBudgetError(COPY_LIMITS).message).toBe('more than 64 MB or 1000 files; results were copied up to there')
  })
})
