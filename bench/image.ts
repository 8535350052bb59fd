// The real-sized image on the measured builder (sections 1 and 2): hashdock against a plain build and
// push, and the levers of the build path (an archive or an OCI layout directory).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { registryLayers, unlinkBlobs } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'
import { EXPORT_STEPS, median, medianOf, progress, ratio, root, run, stat, type Bench, type Builder, type ExportSteps, type Fixture } from './kit.js'
import type { BenchTable } from './results.js'

/** The compression a run gets when it names none: the action's default. */
function defaultCompression(): string {
  const found = /^ {2}compression:\n(?: {4}.*\n)*? {4}default: "?(\w+)"?$/m.exec(readFileSync(join(root, 'action.yml'), 'utf8'))?.[1]
  if (!found) throw new Error("action.yml: no default for the input 'compression'")
  return found
}

/** The measured builder: a named one, or its environment's. */
export interface MeasuredBuilder extends Builder {
  name: string
  driver: string
  version: string
}

/** The builder to measure on: --builder, else the one buildx has selected. */
export function builderFacts(name: string): MeasuredBuilder {
  const out = run('docker', ['buildx', 'inspect', ...(name ? [name] : [])]).out
  const found = /^Name:\s+(\S+)/m.exec(out)?.[1]
  if (!found) throw new Error(`docker buildx inspect ${name}: no builder's name in its answer`)
  return { name: found, driver: /^Driver:\s+(\S+)/m.exec(out)?.[1] ?? 'unknown', version: /^BuildKit version:\s+(\S+)/m.exec(out)?.[1] ?? 'unknown' }
}

/** A fixture for one run of the measured builder: named for the run. */
export type FixtureFor = (name: string) => Fixture

/**
 * 1. The image: every run is a sequence on the measured builder, the builder's cache emptied (pruned:
 * that builder alone) before each cold build, as on a fresh runner.
 */
export async function imageBench(bench: Bench, b: MeasuredBuilder, fixture: FixtureFor): Promise<BenchTable> {
  const { runs } = bench
  const compressions = ['gzip', 'zstd'] as const
  const defaultCompressionName = defaultCompression()
  const cold = (): void => void run('docker', ['buildx', 'prune', '--builder', b.name, '--all', '--force'])
  const m = { plainBuild: [] as number[], plainPush: [] as number[], plainTotal: [] as number[], gzip: [] as number[], zstd: [] as number[], hashPush: [] as number[], warmTotal: [] as number[], warmBuild: [] as number[], rerun: [] as number[], seed: [] as number[], next: [] as number[] }
  const steps: Record<'plain' | 'gzip' | 'zstd', ExportSteps[]> = { plain: [], gzip: [], zstd: [] }
  const gzPhases: Record<string, number>[] = [], pushPhases: Record<string, number>[] = []
  let unpacked = '', compressed = 0, shared = '', cacheIndependent = 0
  const same: Record<string, number> = { gzip: 0, zstd: 0 }
  for (let i = 0; i < runs; i++) {
    const fx = fixture(`fixture-${i}`)
    const repo = bench.repository(`r${i}`)
    // One last path component for every image compared: it is the image's title label, part of its digest.
    const image = (kind: string): string => `${repo}-${kind}/app`
    const digest: Record<string, string> = {}
    progress(`image: run ${i + 1} of ${runs}: plain build --load, docker push`)
    cold()
    const p = bench.plain(b, fx, fx.c1, `plain-${i}`)
    m.plainBuild.push(p.build), m.plainPush.push(p.push), m.plainTotal.push(p.build + p.push), steps.plain.push(p.steps)
    // `image ls` gives the unpacked size; with the containerd store, `image inspect` gives the compressed content's.
    unpacked = run('docker', ['image', 'ls', '--format', '{{.Size}}', p.ref]).out
    for (const compression of compressions) {
      progress(`image: run ${i + 1}: hashdock, ${compression}, no push`)
      cold()
      const h = bench.hashdock(b, fx, image(compression), fx.c1, { compression })
      m[compression].push(h.seconds), steps[compression].push(h.steps), (digest[compression] = h.outputs.digest)
      if (compression === 'gzip') gzPhases.push(h.phases)
    }
    progress(`image: run ${i + 1}: hashdock --push true (default compression)`)
    cold()
    const pushed = bench.hashdock(b, fx, image('push'), fx.c1, { push: true })
    m.hashPush.push(pushed.seconds), pushPhases.push(pushed.phases)
    // Two cold builds of one commit, one pushed: the registry holds the digest the first one reported.
    if (pushed.outputs.digest === digest[defaultCompressionName]) same[defaultCompressionName]++
    progress(`image: run ${i + 1}: warm, commit 2 (app code only), same builder`)
    const warm = bench.hashdock(b, fx, image('push'), fx.c2, { json: false })
    m.warmTotal.push(warm.seconds), m.warmBuild.push(warm.buildSeconds)
    progress(`image: run ${i + 1}: re-run of the pushed commit`)
    const again = bench.hashdock(b, fx, image('push'), fx.c1, { push: true, reuse: true })
    if (!again.outputs.digest || again.outputs.digest !== pushed.outputs.digest || !/^▸ Reuse$/m.test(again.log)) {
      throw new Error('re-run: the second run did not reuse the pushed image')
    }
    m.rerun.push(again.seconds)
    progress(`image: run ${i + 1}: commit 1, then commit 2, each on a cold builder, --cache registry`)
    cold()
    const seed = bench.hashdock(b, fx, image('cache'), fx.c1, { push: true, cache: 'registry' })
    cold()
    const next = bench.hashdock(b, fx, image('cache'), fx.c2, { push: true, cache: 'registry' })
    m.seed.push(seed.seconds), m.next.push(next.seconds)
    // Commit 2 twice: after commit 1 on a warm builder, and on a cold one fed by the registry cache.
    if (next.outputs.digest === /^\s*Digest\s+(sha256:[0-9a-f]{64})/m.exec(warm.out)?.[1]) cacheIndependent++
    if (i === 0) {
      const [a, c] = [await registryLayers(image('cache'), seed.outputs.digest), await registryLayers(image('cache'), next.outputs.digest)]
      compressed = a.reduce((n, l) => n + l.size, 0)
      shared = `${a.filter((l, k) => l.digest === c[k]?.digest).length} of ${c.length} layers (${(compressed / 1e6).toFixed(0)} MB compressed) shared by commit 1 and commit 2`
    }
    // Raw figures after every run, so a long bench that fails later still leaves them in its log.
    progress(`image: raw after run ${i + 1}: ${JSON.stringify({ m, steps, gzPhases, pushPhases })}`)
  }
  // Only the steps and phases that took long enough to be timed in most runs.
  const stepsOf = (s: ExportSteps[]): string => `BuildKit's export: ${EXPORT_STEPS.filter(k => medianOf(s, k) > 0).map(k => `${k} ${medianOf(s, k).toFixed(1)}`).join(', ')}`
  const phasesOf = (list: Record<string, number>[]): string => ['Plan', 'Context', 'Build', 'Load', 'Push'].filter(k => medianOf(list, k) > 0).map(k => `${k} ${medianOf(list, k).toFixed(1)}`).join(', ')
  const overhead = m.warmTotal.map((t, k) => t - m.warmBuild[k])
  const reproducible = `two cold builds of one commit gave one digest in ${same[defaultCompressionName]} of ${runs} runs; digest independent of cache: ${cacheIndependent === runs ? 'yes' : 'no'} (commit 2 after commit 1 on a warm builder and from the registry cache on a cold one: one digest in ${cacheIndependent} of ${runs} runs)`
  return {
    title: `A real-sized image (${unpacked} unpacked, ${(compressed / 1e6).toFixed(0)} MB compressed as pushed; its dependency step writes ~360 MB of binaries), builder '${b.name}' (${b.driver}, BuildKit ${b.version})`,
    head: ['what', 'median s (min–max)', 'vs.', 'notes'],
    rows: [
      ['plain `docker buildx build --load`, cold', stat(m.plainBuild), '', stepsOf(steps.plain)],
      ['plain build + `docker push`, cold', stat(m.plainTotal), '', `push ${stat(m.plainPush)}`],
      ['hashdock, gzip, no push, no test, cold', stat(m.gzip), ratio(m.gzip, m.plainBuild, 1.0), `${phasesOf(gzPhases)}; ${stepsOf(steps.gzip)}`],
      ['hashdock, zstd, no push, no test, cold', stat(m.zstd), ratio(m.zstd, m.plainBuild, 1.0), stepsOf(steps.zstd)],
      ['hashdock `--push true` (default compression), cold', stat(m.hashPush), ratio(m.hashPush, m.plainTotal, 1.0), `${phasesOf(pushPhases)}; ${reproducible}`],
      ['warm: commit 2 (app code only), same builder: hashdock beyond its build step', stat(overhead), `target ≤ 1 s: ${median(overhead) <= 1 ? 'met' : `missed by ${(median(overhead) - 1).toFixed(2)} s`}`, `whole run ${stat(m.warmTotal)}, build step ${stat(m.warmBuild)}`],
      ['re-run of the pushed commit (re-tag only)', stat(m.rerun), ratio(m.rerun, m.hashPush, 0.1), 'vs. its cold run with push'],
      ['next commit, cold builder, `--cache registry`', stat(m.next), ratio(m.next, m.seed, 0.3), `vs. commit 1 cold with \`--cache registry\` ${stat(m.seed)}; ${shared}`]
    ]
  }
}

/**
 * 2. Levers of the build path, one image per run, built once on a cold builder: the image as an archive
 * (what hashdock writes today) against an OCI layout directory (`tar=false`), for BuildKit to write
 * (re-exported from a warm cache, so only the writing differs), for skopeo to push and for the engine to load.
 */
export async function leverBench(bench: Bench, b: MeasuredBuilder, fixture: FixtureFor): Promise<BenchTable> {
  const { runs } = bench
  const m = { tarExport: [] as number[], dirExport: [] as number[], tarPush: [] as number[], dirPush: [] as number[], tarLoad: [] as number[], dirLoad: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const fx = fixture(`lever-${i}`)
    const src = bench.checkout(fx, fx.c1, `lever-src-${i}`)
    const ref = bench.madeLocally(`hashdock-bench-${bench.runId}-lever-${i}:latest`)
    const exportTo = (output: string): number =>
      run('docker', ['buildx', 'build', '--builder', b.name, '--progress', 'plain', '--build-arg', 'SOURCE_DATE_EPOCH=0', '--build-arg', `BASE=${fx.base}`,
        '--output', `${output},oci-mediatypes=true,rewrite-timestamp=true,compression=zstd,force-compression=true,name=${ref}`, src], { DOCKER_CONFIG: fx.dockerConfig }).seconds
    progress(`levers: run ${i + 1} of ${runs}: cold build to an archive, then an archive and a directory from the warm cache`)
    run('docker', ['buildx', 'prune', '--builder', b.name, '--all', '--force'])
    const [archive, layout] = [bench.dir(`lever-${i}.tar`), bench.dir(`lever-${i}-oci`)]
    exportTo(`type=docker,dest=${archive}`)
    // Alternating which goes first, so neither always finds the disk or the registry warmed by the other.
    const order = i % 2 ? (['dir', 'tar'] as const) : (['tar', 'dir'] as const)
    for (const k of order) m[`${k}Export`].push(k === 'tar' ? exportTo(`type=docker,dest=${archive}`) : (rmSync(layout, { recursive: true, force: true }), exportTo(`type=oci,tar=false,dest=${layout}`)))
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs', ...index.manifests[0].digest.split(':')), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] }
    const blobs = [manifest.config.digest, ...manifest.layers.map(l => l.digest)]
    const repo = bench.pushesTo(bench.repository(`lever-${i}`))
    const creds = ['--dest-creds', `${testbed.username}:${testbed.password}`, '--dest-tls-verify=false']
    progress(`levers: run ${i + 1}: push and load, from the archive and from the directory`)
    for (const k of order) {
      const from = k === 'tar' ? `oci-archive:${archive}` : `oci:${layout}`
      m[`${k}Push`].push(run('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', ...creds, from, `docker://${repo}:${k}`]).seconds)
      await unlinkBlobs(repo, blobs)
    }
    for (const k of order) {
      const load = k === 'tar' ? run('docker', ['load', '--quiet', '--input', archive]) : run('bash', ['-o', 'pipefail', '-c', 'cd "$1" && tar -c * | docker load --quiet', 'bash', layout])
      m[`${k}Load`].push(load.seconds)
      spawnSync('docker', ['image', 'rm', '--force', ref], { stdio: 'ignore' })
    }
    rmSync(archive, { force: true }), rmSync(layout, { recursive: true, force: true })
    progress(`levers: raw after run ${i + 1}: ${JSON.stringify(m)}`)
  }
  return {
    title: 'Levers: the image as an archive (today) or as an OCI layout directory (`tar=false`), zstd',
    head: ['step', 'archive: median s (min–max)', 'directory: median s (min–max)', 'directory / archive'],
    rows: [
      ['BuildKit writes the image (warm cache: the writing alone)', stat(m.tarExport), stat(m.dirExport), `${(median(m.dirExport) / median(m.tarExport)).toFixed(2)}×`],
      ['`skopeo copy` to the registry (`oci-archive:` / `oci:`)', stat(m.tarPush), stat(m.dirPush), `${(median(m.dirPush) / median(m.tarPush)).toFixed(2)}×`],
      ['loaded into the engine (`docker load -i` / `tar -c \\| docker load`)', stat(m.tarLoad), stat(m.dirLoad), `${(median(m.dirLoad) / median(m.tarLoad)).toFixed(2)}×`]
    ]
  }
}
