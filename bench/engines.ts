// The engines and builders users run, as the test bed provisions them (test/support/engines.ts), side by
// side: hashdock's promises on each (section 5) and the everyday job against Docker's recipe (section 6).
import { spawnSync } from 'node:child_process'
import { engines, type TestEngine } from '../test/support/engines.js'
import { registryDigest, registryLayers } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'
import { EXPORT_STEPS, medianOf, progress, ratio, run, stat, type Bench, type ExportSteps } from './kit.js'
import type { BenchTable } from './results.js'

/** The bench's columns: each engine of the test bed, with the title its column has. */
const columns: { engine: TestEngine; title: string }[] = [
  { engine: engines.containerd, title: "containerd store, the engine's own builder" },
  { engine: engines.container, title: 'classic store, a `docker-container` builder selected' },
  // hashdock's builder for the run is new every time; the plain build's cold start is the engine's builder emptied.
  { engine: engines.classic, title: "classic store, only the engine's own builder (hashdock makes one per run)" },
  { engine: engines.remote, title: 'a remote BuildKit' },
  // Today's runner stack (Docker 28, buildx 0.29, compose 2.40): its own CLI, plugins and configuration.
  { engine: engines.current, title: "today's runners: classic store, only the engine's own builder" },
  { engine: engines.currentContainer, title: "today's runners: classic store, a `docker-container` builder selected" }
]

/** The columns whose title holds `--engines`' text. */
const chosen = (bench: Bench): typeof columns => columns.filter(c => c.title.includes(bench.options.engines))

/**
 * The docker configuration with the bench's login for an engine's plain builds: over the one its
 * environment names (today's stack reads its buildx, builders and plugins from its own), else the user's.
 */
const configFor = (bench: Bench, engine: TestEngine): string => bench.dockerConfig(engine.env.DOCKER_CONFIG)

/**
 * 5. hashdock's promises on every engine of the test bed, side by side, on the real-sized image: the
 * same sequence on each, every build cold (the builder emptied first): a plain `docker buildx build
 * --load` and `docker push` as the user would run them there; hashdock pushing commit 1 with the registry cache; commit 1
 * again without cache or push (its digest must be the pushed one); commit 2 fed by the registry cache;
 * a re-run of commit 1 with reuse. The bench empties every one of these builders.
 */
export async function enginesBench(bench: Bench): Promise<BenchTable> {
  const { runs } = bench
  const engineColumns = chosen(bench)
  const m = engineColumns.map(() => ({ plain: [] as number[], plainTotal: [] as number[], seed: [] as number[], again: [] as number[], next: [] as number[], rerun: [] as number[], same: 0, registry: 0, shared: '' }))
  for (let i = 0; i < runs; i++) {
    for (const [k, { engine, title }] of engineColumns.entries()) {
      const b = { env: engine.env }
      const cold = (): void => engine.emptySelectedBuilder()
      const fx = bench.fixture(testbed.baseRef, `engine-${k}-${i}`, configFor(bench, engine))
      const image = bench.repository(`engine-${k}-${i}`)
      progress(`engines: run ${i + 1} of ${runs}: ${title}`)
      cold()
      const p = bench.plain(b, fx, fx.c1, `engine-plain-${k}-${i}`)
      m[k].plain.push(p.build), m[k].plainTotal.push(p.build + p.push)
      cold()
      const seed = bench.hashdock(b, fx, image, fx.c1, { push: true, cache: 'registry' })
      cold()
      const again = bench.hashdock(b, fx, image, fx.c1)
      cold()
      const next = bench.hashdock(b, fx, image, fx.c2, { push: true, cache: 'registry' })
      const rerun = bench.hashdock(b, fx, image, fx.c1, { push: true, reuse: true })
      m[k].seed.push(seed.seconds), m[k].again.push(again.seconds), m[k].next.push(next.seconds), m[k].rerun.push(rerun.seconds)
      if (again.outputs.digest === seed.outputs.digest) m[k].same++
      const held = (await registryDigest(image, fx.c1)) === seed.outputs.digest && rerun.outputs.digest === seed.outputs.digest
      if (held) m[k].registry++
      if (i === 0) {
        const [a, c] = [await registryLayers(image, seed.outputs.digest), await registryLayers(image, next.outputs.digest)]
        m[k].shared = `${a.filter((l, n) => l.digest === c[n]?.digest).length} of ${c.length}`
      }
      progress(`engines: raw after run ${i + 1}, ${title}: ${JSON.stringify(m[k])}`)
    }
  }
  const row = (what: string, f: (x: (typeof m)[number]) => string): string[] => [what, ...m.map(f)]
  return {
    title: 'Every engine of the test bed, side by side: the real-sized image, every build on a cold builder',
    head: ['what', ...engineColumns.map(c => c.title)],
    rows: [
      row('plain `docker buildx build --load`, s', x => stat(x.plain)),
      row('hashdock, no push, no cache, s', x => stat(x.again)),
      row('**hashdock / plain**', x => ratio(x.again, x.plain, 1.0)),
      row('two cold builds of one commit gave one digest', x => `${x.same} of ${runs}`),
      row('the registry holds the digest the step reported, and a re-run re-tags it', x => `${x.registry} of ${runs}`),
      row('plain build + `docker push`, s', x => stat(x.plainTotal)),
      row('hashdock, commit 1 pushed, `--cache registry`, s', x => stat(x.seed)),
      row('**hashdock pushed / plain build + push**', x => ratio(x.seed, x.plainTotal, 1.0)),
      row('commit 2 (app code only) from the registry cache, s', x => stat(x.next)),
      row('**next commit / commit 1**', x => ratio(x.next, x.seed, 0.3)),
      row('layers shared by commit 1 and commit 2', x => x.shared),
      row('re-run of the pushed commit, s', x => stat(x.rerun)),
      row('**re-run / commit 1**', x => ratio(x.rerun, x.seed, 0.1))
    ]
  }
}

/**
 * 6. The everyday job, against Docker's documented "test before push" recipe, on a fresh runner every
 * time (the builder emptied, no image of an earlier run in the engine): `buildx build --load` with the
 * registry cache (`mode=max`), `docker run` the test, `buildx build --push`; and hashdock doing the same
 * (`--test-command`, `--push`, `--cache registry`). Commit 1 with an empty cache, then commit 2 (application
 * code only) fed by commit 1's cache. The recipe needs a builder that exports a cache: engines whose own
 * builder cannot (the classic store) are left out, as the recipe's users run docker/setup-buildx-action there.
 */
export async function jobBench(bench: Bench): Promise<BenchTable> {
  const { runs } = bench
  const test = 'test -d /opt/deps/1/lib && python3 -c "import sys; sys.exit(0)"'
  const engineColumns = chosen(bench)
  const m = engineColumns.map(() => ({ recipe1: [] as number[], ours1: [] as number[], recipe2: [] as number[], ours2: [] as number[], phases: [] as Record<string, number>[], steps: [] as ExportSteps[], skipped: '' }))
  for (let i = 0; i < runs; i++) {
    for (const [k, { engine, title }] of engineColumns.entries()) {
      const b = { env: engine.env }
      const driver = /^Driver:\s+(\S+)/m.exec(run('docker', ['buildx', 'inspect'], engine.env).out)?.[1]
      if (driver === 'docker' && !engine.containerdStore) {
        m[k].skipped = "n/a: the engine's own builder exports no cache without the containerd store"
        continue
      }
      const fx = bench.fixture(driver === 'docker' ? testbed.baseImage : testbed.baseRef, `job-${k}-${i}`, configFor(bench, engine))
      const recipeRepo = bench.pushesTo(bench.repository(`job-recipe-${k}-${i}`))
      const ourRepo = bench.repository(`job-ours-${k}-${i}`)
      const env = { ...engine.env, DOCKER_CONFIG: fx.dockerConfig }
      const fresh = (): void => engine.emptySelectedBuilder()
      const recipe = (commit: string): number => {
        const src = bench.checkout(fx, commit, `job-recipe-${k}-${i}-${commit.slice(0, 7)}`)
        const ref = `${recipeRepo}:${commit.slice(0, 12)}`
        const cache = ['--cache-from', `type=registry,ref=${recipeRepo}:buildcache`, '--cache-to', `type=registry,ref=${recipeRepo}:buildcache,mode=max`]
        const common = ['buildx', 'build', '--progress', 'plain', '--tag', ref, '--build-arg', `BASE=${fx.base}`, ...cache]
        const started = performance.now()
        run('docker', [...common, '--load', src], env)
        run('docker', ['run', '--rm', ref, 'sh', '-c', test], env)
        run('docker', [...common, '--push', src], env)
        const seconds = (performance.now() - started) / 1000
        spawnSync('docker', ['image', 'rm', '--force', ref], { stdio: 'ignore', env: { ...process.env, ...env } })
        return seconds
      }
      for (const [n, commit] of [[1, fx.c1], [2, fx.c2]] as const) {
        progress(`job: run ${i + 1} of ${runs}: ${title}: commit ${n}, the recipe`)
        fresh()
        m[k][`recipe${n}`].push(recipe(commit))
        progress(`job: run ${i + 1} of ${runs}: ${title}: commit ${n}, hashdock`)
        fresh()
        const h = bench.hashdock(b, fx, ourRepo, commit, { push: true, cache: 'registry', test })
        m[k][`ours${n}`].push(h.seconds)
        if (n === 2) m[k].phases.push(h.phases), m[k].steps.push(h.steps)
      }
      progress(`job: raw after run ${i + 1}, ${title}: ${JSON.stringify(m[k])}`)
    }
  }
  const where = (x: (typeof m)[number]): string =>
    x.ours2.length
      ? ['Plan', 'Context', 'Build', 'Load', 'Unit', 'Push'].filter(p => medianOf(x.phases, p) > 0).map(p => `${p} ${medianOf(x.phases, p).toFixed(1)}`).join(', ') +
        `; of the build: ${EXPORT_STEPS.filter(s => medianOf(x.steps, s) > 0).map(s => `${s} ${medianOf(x.steps, s).toFixed(1)}`).join(', ') || 'no export step timed'}`
      : x.skipped
  const row = (what: string, f: (x: (typeof m)[number]) => string): string[] => [what, ...m.map(x => (x.ours1.length ? f(x) : x.skipped))]
  return {
    title: 'The everyday job on a fresh runner: Docker\'s "test before push" recipe against hashdock, the real-sized image',
    head: ['what', ...engineColumns.map(c => c.title)],
    rows: [
      row('recipe, commit 1, empty cache, s', x => stat(x.recipe1)),
      row('hashdock, commit 1, empty cache, s', x => stat(x.ours1)),
      row('**hashdock / recipe, commit 1**', x => ratio(x.ours1, x.recipe1, 0.8)),
      row('recipe, commit 2 from the registry cache, s', x => stat(x.recipe2)),
      row('hashdock, commit 2 from the registry cache, s', x => stat(x.ours2)),
      row('**hashdock / recipe, commit 2**', x => ratio(x.ours2, x.recipe2, 0.8)),
      ["where hashdock's commit 2 goes (median s)", ...m.map(where)]
    ]
  }
}
