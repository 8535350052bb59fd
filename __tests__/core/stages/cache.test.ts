import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { arrangeCache, blobsOf } from '../../../src/core/stages/cache.js'
import { Input } from '../../../src/core/constants.js'
import type { Compression } from '../../../src/core/inputs.js'
import type { Log } from '../../../src/core/log.js'
import type { Plan } from '../../../src/core/stages/plan.js'
import { plan, planFrom } from '../../../__fixtures__/report.js'

const quiet: Log = { info() {}, debug() {}, notice() {}, warning() {}, error() {}, group: (_, fn) => fn(), untrusted: fn => fn() }

const planWith = (cache: 'registry' | 'gha', compression: Compression, raw: Partial<Record<Input, string>> = {}, event?: Plan['workspace']['event']): Plan => ({
  ...planFrom({ [Input.Push]: 'true', ...raw }, event),
  strategy: { ...plan.strategy, cache, compression }
})

describe('the cache holds every layer compressed as the image holds it', () => {
  test.each<['registry' | 'gha', Compression]>([
    ['registry', 'zstd'],
    ['registry', 'gzip'],
    ['gha', 'zstd'],
    ['gha', 'gzip']
  ])('%s cache, %s image: the export forces the same compression', (cache, compression) => {
    const { args } = arrangeCache(planWith(cache, compression), '/scratch/cache', quiet)
    const to = args[args.indexOf('--cache-to') + 1]
    expect(to).toContain(`,compression=${compression},force-compression=true,`)
    expect(to).toMatch(/,mode=max,/)
  })
})

describe('a pull request reads the trusted cache and, unless asked, writes none', () => {
  const prPlan = (cache: 'registry' | 'gha', write: 'read' | 'write'): Plan => planWith(cache, 'zstd', { [Input.CachePullRequests]: write }, { branch: 'feature', pr: 42 })

  test('registry, read: reads the default branch’s cache, exports nothing', () => {
    const { args } = arrangeCache(prPlan('registry', 'read'), undefined, quiet)
    expect(args).toEqual(['--cache-from', `type=registry,ref=${plan.image}:buildcache`])
  })

  test('registry, write: writes its own ref, reads it first, never writes the default branch’s', () => {
    const { args } = arrangeCache(prPlan('registry', 'write'), undefined, quiet)
    expect(args.filter((_, i) => args[i - 1] === '--cache-from')).toEqual([`type=registry,ref=${plan.image}:buildcache-pr-42`, `type=registry,ref=${plan.image}:buildcache`])
    expect(args[args.indexOf('--cache-to') + 1]).toMatch(new RegExp(`^type=registry,ref=${plan.image.replace(/[.]/g, '\\.')}:buildcache-pr-42,`))
  })

  test('a push to a branch writes the ref the default branch reads', () => {
    const { args } = arrangeCache(planWith('registry', 'zstd'), undefined, quiet)
    expect(args[args.indexOf('--cache-to') + 1]).toMatch(new RegExp(`^type=registry,ref=.+:buildcache,`))
  })

  test('gha, read: no export, and nothing to save', async () => {
    const cache = arrangeCache(prPlan('gha', 'read'), '/nonexistent/cache', quiet)
    expect(cache.args).not.toContain('--cache-to')
    await expect(cache.settle()).resolves.toBe(false)
  })

  test('gha, write: exports like any run', () => {
    expect(arrangeCache(prPlan('gha', 'write'), '/nonexistent/cache', quiet).args).toContain('--cache-to')
  })
})

describe('cache-mode', () => {
  test.each(['max', 'min'] as const)('%s reaches the export', mode => {
    const { args } = arrangeCache(planWith('gha', 'zstd', { [Input.CacheMode]: mode }), '/scratch/cache', quiet)
    expect(args[args.indexOf('--cache-to') + 1]).toContain(`mode=${mode},`)
  })
})

describe('an export with no new blob is not saved again', () => {
  const layout = (dir: string, blobs: string[]): void => {
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true })
    writeFileSync(join(dir, 'index.json'), '{}')
    for (const b of blobs) writeFileSync(join(dir, 'blobs/sha256', b), b)
  }

  test.each([
    ['the same blobs', ['a', 'b'], ['a', 'b'], false],
    ['fewer blobs', ['a', 'b'], ['a'], false],
    ['one new blob', ['a', 'b'], ['a', 'c'], true],
    ['no cache before', [], ['a'], true]
  ])('%s: saved %s', async (_, before, after, saved) => {
    const root = mkdtempSync(join(tmpdir(), 'hashdock-cache-'))
    const dir = join(root, 'cache')
    if (before.length) layout(dir, before)
    layout(`${dir}.new`, after)
    const base = planWith('gha', 'zstd')
    await expect(arrangeCache(base, dir, quiet).settle()).resolves.toBe(saved)
    expect(existsSync(`${dir}.new`)).toBe(false)
    expect([...(await blobsOf(dir))].sort()).toEqual((saved ? after : before).map(b => `sha256:${b}`).sort())
    rmSync(root, { recursive: true, force: true })
  })
})
