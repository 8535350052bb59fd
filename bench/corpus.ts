// 8. The corpus (test/corpus: the Dockerfile shapes users write), in every mtime mode, on the engine's
// own builder: for each sample's child commit, the digest of a cold build, of a build right after its
// parent on the warm builder, and of a cold builder fed the parent's registry cache. "One digest" when
// all three agree: the digest is independent of what was cached.
import { join } from 'node:path'
import { MTIME_MODES } from '../src/core/inputs.js'
import { runAction } from '../test/support/action.js'
import { buildContexts, corpusDir, corpusInputs, corpusSamples, sampleRepo } from '../test/support/corpus.js'
import { testbed } from '../test/support/testbed.js'
import { progress, run, type Bench } from './kit.js'
import type { BenchTable } from './results.js'

export async function corpusBench(bench: Bench): Promise<BenchTable> {
  const cold = (): void => void run('docker', ['builder', 'prune', '--all', '--force'])
  const rows: string[][] = []
  const independent = Object.fromEntries(MTIME_MODES.map(m => [m, 0])) as Record<(typeof MTIME_MODES)[number], number>
  let contexts = 0
  for (const sample of corpusSamples) {
    const { origin, parent, child } = sampleRepo(sample)
    const workspace = origin.clone()
    for (const target of buildContexts(join(corpusDir, sample.name))) {
      contexts++
      const row = [`${sample.name}${target.context === '.' ? '' : ` ${target.context}`}`]
      for (const mode of MTIME_MODES) {
        progress(`corpus: ${row[0]}, mtime ${mode}`)
        const image = bench.pushesTo(bench.repository(`corpus-${sample.name}${target.context === '.' ? '' : `-${target.context.replace(/\W/g, '')}`}-${mode}`))
        const build = async (commit: string, inputs: Record<string, string> = {}): Promise<string> => {
          const r = await runAction({
            workspace, sha: commit,
            inputs: { ...corpusInputs(target, { image, commit, mtime: mode, base: testbed.baseRef }), 'registry-username': testbed.username, 'registry-password': testbed.password, ...inputs }
          })
          if (r.exitCode !== 0) throw new Error(`corpus: ${row[0]}, mtime ${mode}: ${r.errors.join(' ')}`)
          return r.outputs.digest
        }
        cold()
        const coldDigest = await build(child)
        cold()
        await build(parent, { cache: 'registry' })
        const warm = await build(child)
        cold()
        const fed = await build(child, { cache: 'registry' })
        const differs = [warm !== coldDigest && 'warm builder', fed !== coldDigest && 'registry cache'].filter(Boolean)
        if (!differs.length) independent[mode]++
        row.push(differs.length ? `**differs** (${differs.join(', ')})` : 'one digest')
      }
      rows.push(row)
    }
  }
  return {
    title: `Digest independent of cache, per mtime mode, over the corpus (${contexts} build contexts of ${corpusSamples.length} samples; cold, warm after the parent, and a cold builder fed the parent's registry cache): ${MTIME_MODES.map(m => `${m} ${independent[m]} of ${contexts}`).join(', ')}`,
    head: ['sample', ...MTIME_MODES.map(m => `mtime: ${m}`)],
    rows
  }
}
