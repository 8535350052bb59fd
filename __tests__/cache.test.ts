import { describe, expect, test } from '@jest/globals'
import { arrangeCache } from '../src/core/stages/cache.js'
import { Input } from '../src/core/constants.js'
import type { Compression } from '../src/core/inputs.js'
import type { Log } from '../src/core/log.js'
import type { Plan } from '../src/core/stages/plan.js'
import { plan } from '../__fixtures__/report.js'

const quiet: Log = { info() {}, debug() {}, notice() {}, warning() {}, error() {}, group: (_, fn) => fn(), untrusted: fn => fn() }

const planWith = (cache: 'registry' | 'gha', compression: Compression): Plan => ({
  ...plan,
  inputs: { ...plan.inputs, [Input.Push]: true },
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
