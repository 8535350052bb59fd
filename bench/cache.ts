// 7. The GitHub cache over a sequence of commits, each on a fresh runner (an empty builder, no cache
// directory: only the cache service remembers), through the bundled action against the test support's
// stand-in of GitHub's cache service: bytes each commit uploads against the compressed bytes of the
// layers it changed, the service's total after every commit against the image, and how often the
// dependency step came from the cache. Every commit changes application code; one in the middle also
// changes the dependencies, as a real history does now and then.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { runAction } from '../test/support/action.js'
import { startCacheServer } from '../test/support/cache-server.js'
import { registryLayers, type RegistryLayer } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'
import { commitAll, progress, run, type Bench } from './kit.js'
import type { BenchTable } from './results.js'

export async function cacheBench(bench: Bench): Promise<BenchTable> {
  const count = bench.options.cacheCommits
  const fx = bench.fixture(testbed.baseImage, 'cache-sequence', bench.dockerConfig())
  const commits = [fx.c1, fx.c2]
  for (let n = 3; n <= count; n++) {
    appendFileSync(join(fx.repo, n === Math.ceil(count / 2) ? 'requirements.txt' : 'app/__init__.py'), `# commit ${n}\n`)
    commits.push(commitAll(fx.repo, `commit ${n}`))
  }
  const server = await startCacheServer()
  const image = bench.pushesTo(bench.repository('cache'))
  const runnerTemp = bench.dir('cache-runner')
  mkdirSync(runnerTemp)
  const rows: string[][] = []
  let previous: RegistryLayer[] = []
  let hits = 0, hitChances = 0, worst = 0, smallMax = 0, imageBytes = 0, lastTotal = 0
  try {
    for (const [k, commit] of commits.entries()) {
      progress(`cache: commit ${k + 1} of ${commits.length}, a fresh runner`)
      run('docker', ['builder', 'prune', '--all', '--force'])
      rmSync(join(runnerTemp, 'hashdock-buildcache'), { recursive: true, force: true })
      const before = server.sizes()
      const r = await runAction({
        workspace: fx.repo, sha: commit, runnerTemp, env: { ...server.env, GITHUB_REF_NAME: 'main' },
        inputs: { image, githash: commit, cache: 'gha', 'build-args': `BASE=${fx.base}`, 'registry-username': testbed.username, 'registry-password': testbed.password }
      })
      if (r.exitCode !== 0) throw new Error(`cache: commit ${k + 1} failed: ${r.errors.join(' ')}`)
      const after = server.sizes()
      const uploaded = Object.keys(after).filter(key => !(key in before)).reduce((sum, key) => sum + after[key], 0)
      const layers = await registryLayers(image, commit)
      const changed = layers.filter(l => !previous.some(p => p.digest === l.digest)).reduce((sum, l) => sum + l.size, 0)
      const total = Object.values(after).reduce((sum, size) => sum + size, 0)
      imageBytes = layers.reduce((sum, l) => sum + l.size, 0)
      const depsChanged = k === 0 || k + 1 === Math.ceil(count / 2)
      const cached = /^#(\d+) \[\d\/\d\] RUN for i in[^\n]*\n(?:#\d+ [^\n]*\n)*?#\1 CACHED$/m.test(r.stdout)
      if (!depsChanged) hitChances++, (hits += cached ? 1 : 0)
      // A commit's own entry (BuildKit's index and cache manifest) is a few kB whatever changed: the
      // ratio is measured where layers of a megabyte or more changed, the rest shown in kB.
      const sizable = changed >= 1e6
      if (k > 0 && sizable) worst = Math.max(worst, uploaded / changed)
      else if (k > 0) smallMax = Math.max(smallMax, uploaded)
      const kb = (bytes: number): string => `${(bytes / 1e3).toFixed(1)} kB`
      lastTotal = total
      rows.push([`${k + 1}${depsChanged ? ' (dependencies)' : ''}`, sizable ? `${(uploaded / 1e6).toFixed(1)} MB` : kb(uploaded), sizable ? `${(changed / 1e6).toFixed(1)} MB` : kb(changed), k && sizable ? `${(uploaded / changed).toFixed(2)}×` : '', (total / 1e6).toFixed(1), `${(total / imageBytes).toFixed(2)}×`, depsChanged ? '' : cached ? 'hit' : '**miss**'])
      previous = layers
    }
  } finally {
    await server.close()
  }
  // The last commit's total against the image, as its row shows it.
  const lastRatio = `${(lastTotal / imageBytes).toFixed(2)}×`
  return {
    title: `\`cache: gha\` over ${commits.length} commits, each on a fresh runner: the real-sized image (${(imageBytes / 1e6).toFixed(0)} MB compressed); worst commit after the first that changed a layer of 1 MB or more uploaded ${worst.toFixed(2)}× its changed layers (target ≤ 1.5: ${worst <= 1.5 ? 'met' : 'missed'}), the others at most ${(smallMax / 1e3).toFixed(1)} kB; the cache after ${commits.length} commits is ${lastRatio} the image (target < 3: ${Number(lastRatio.slice(0, -1)) < 3 ? 'met' : 'missed'}); dependency step from the cache in ${hits} of ${hitChances} commits`,
    head: ['commit', 'uploaded to the cache', 'changed layers (compressed)', 'uploaded / changed', 'cache service total, MB', 'total / image', 'dependency step'],
    rows
  }
}
