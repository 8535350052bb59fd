#!/usr/bin/env node
// `npm run bench`: measures hashdock on a real-sized image against plain `docker buildx build` and
// `docker push` on the same builder, and its per-file context against git restore-mtime, and prints
// every figure side by side in one run: medians, spread and ratios against the targets of the README.
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs'
import { availableParallelism, homedir, loadavg, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    builder: { type: 'string', default: '' },
    'large-repo': { type: 'string', default: '' },
    only: { type: 'string', default: 'image,levers,context,platforms,engines,job,cache,corpus' },
    // With engines: only the columns whose title holds this text (e.g. "today's runners").
    engines: { type: 'string', default: '' },
    // With cache: how many commits the sequence has.
    'cache-commits': { type: 'string', default: '20' }
  }
})
const runs = Number(flags.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: --runs: give a whole number of runs, 1 or more, not '${flags.runs}'`)
  process.exit(2)
}
const parts = new Set(flags.only.split(','))

/**
 * The test bed's registry, login, base image and engines: scripts/testbed.env sourced by the shell over
 * this process's environment, so a value set there wins and defaults naming others are filled in.
 */
function readTestbed() {
  const out = run('bash', ['-c', '. "$1" && env -0', 'bash', join(root, 'scripts/testbed.env')]).out
  const values = Object.fromEntries(out.split('\0').filter(Boolean).map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  const { TESTBED_REGISTRY: registry, TESTBED_BASE_PATH: basePath } = values
  return {
    registry,
    user: values.TESTBED_REGISTRY_USER,
    password: values.TESTBED_REGISTRY_PASSWORD,
    engineBase: values.TESTBED_BASE_IMAGE,
    registryBase: `${registry}/${basePath}`,
    multiBase: `${registry}/${values.TESTBED_MULTI_BASE_PATH}`,
    multiBuilder: values.TESTBED_MULTI_BUILDER,
    classicHost: values.TESTBED_CLASSIC_HOST,
    containerBuilder: values.TESTBED_CONTAINER_BUILDER,
    remoteBuilder: values.TESTBED_REMOTE_BUILDER,
    // Today's runner stack: its engine, its docker CLI's directory, its docker configuration, a builder on it.
    currentHost: values.TESTBED_CURRENT_HOST,
    currentConfig: values.TESTBED_CURRENT_CONFIG,
    currentBin: values.TESTBED_CURRENT_BIN,
    currentBuilder: values.TESTBED_CURRENT_BUILDER
  }
}
const tb = readTestbed()
/** The compression a run gets when it names none: the action's default. */
const DEFAULT_COMPRESSION = /^  compression:\n(?: {4}.*\n)*? {4}default: "?(\w+)"?$/m.exec(readFileSync(join(root, 'action.yml'), 'utf8'))?.[1]
const runId = Date.now().toString(36)
const tmp = mkdtempSync(join(tmpdir(), 'hashdock-bench-'))
// The bench runs its own copy of the CLI, so rebuilding dist/ while it runs changes nothing it measures.
cpSync(join(root, 'dist/cli'), join(tmp, 'cli'), { recursive: true })
const cli = join(tmp, 'cli/index.js')
// Everything the bench creates, so it can all be removed at the end, whatever happened: local images
// with the environment that names their engine.
const localImages = new Map()
const registryRepos = new Set()

/** Runs a program (arguments as an array, no shell) and times it; a non-zero exit is an error. */
function run(cmd, args, env = {}) {
  const started = performance.now()
  const r = spawnSync(cmd, args, { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 512 << 20 })
  const seconds = (performance.now() - started) / 1000
  if (r.error) throw r.error
  if (r.status !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n')
    throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} exited with ${r.status}:\n${tail}`)
  }
  return { out: r.stdout.trim(), log: `${r.stdout}\n${r.stderr}`, seconds }
}

/** `git ARGS | tar -x -C dest`: the one pipe, with pipefail so a failing git is not hidden by tar. */
const gitInto = (dest, gitArgs) => run('bash', ['-o', 'pipefail', '-c', 'd=$1; shift; git "$@" | tar -x -C "$d"', 'bash', dest, ...gitArgs])
const git = (dir, ...args) => run('git', ['-C', dir, ...args]).out
const progress = message => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)
const dir = name => join(tmp, name)

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2
}
/** Median and spread (min–max) of a list of seconds. */
const stat = xs => (xs.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : 'n/a')
/** A ratio of medians against its target, and the ratio's own spread over the runs paired one to one. */
function ratio(num, den, target) {
  const r = median(num) / median(den)
  const per = num.map((n, i) => n / den[i]).filter(Number.isFinite)
  const spread = per.length > 1 ? ` (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)})` : ''
  return `**${r.toFixed(2)}×**${spread}; target ≤ ${target}: ${r <= target ? 'met' : `missed by ${((r / target - 1) * 100).toFixed(0)} %`}`
}

/** The builder to measure on: --builder, else the one buildx has selected. */
function builderFacts() {
  const out = run('docker', ['buildx', 'inspect', ...(flags.builder ? [flags.builder] : [])]).out
  const name = /^Name:\s+(\S+)/m.exec(out)?.[1]
  const driver = /^Driver:\s+(\S+)/m.exec(out)?.[1]
  const version = /^BuildKit version:\s+(\S+)/m.exec(out)?.[1] ?? 'unknown'
  return { name, driver, version }
}

/**
 * A docker configuration of the bench's own with the registry login, beside links to the user's
 * builders and contexts: plain `docker buildx build` and `docker push` need the login, and the
 * user's own configuration is left as it was.
 */
function dockerConfig(home = process.env.DOCKER_CONFIG || join(homedir(), '.docker')) {
  const config = dir(`docker-config-${basename(home)}`)
  mkdirSync(config)
  for (const entry of ['buildx', 'contexts', 'cli-plugins']) if (existsSync(join(home, entry))) symlinkSync(join(home, entry), join(config, entry))
  const current = existsSync(join(home, 'config.json')) ? JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) : {}
  const auth = Buffer.from(`${tb.user}:${tb.password}`).toString('base64')
  writeFileSync(join(config, 'config.json'), JSON.stringify({ ...current, auths: { ...current.auths, [tb.registry]: { auth } } }))
  return config
}

/**
 * A realistic service, generated: the example app's code and tests under a Dockerfile whose dependency
 * step writes ~360 MB of real binaries (three copies of the base image's /usr/lib, Python's standard
 * library and shared libraries included), as a pip or npm install of a large framework would. Commit 1,
 * then commit 2 changing only application code.
 */
function makeFixture(base, name, config) {
  const repo = dir(name)
  mkdirSync(repo)
  gitInto(repo, ['-C', root, 'archive', 'HEAD:examples/flask-app', 'app', 'tests', 'requirements.txt'])
  // Dependencies of this fixture alone: no layer any earlier run pushed, so no push is a cross-repository mount.
  appendFileSync(join(repo, 'requirements.txt'), `# ${runId} ${name}\n`)
  writeFileSync(
    join(repo, 'Dockerfile'),
    `# Generated by bench/bench.mjs: a real-sized image, whose dependency step writes hundreds of MB of real binaries.
ARG BASE
FROM \${BASE}
WORKDIR /srv
COPY requirements.txt .
RUN for i in 1 2 3; do mkdir -p /opt/deps/$i && cp -a /usr/lib /opt/deps/$i/ && cp requirements.txt /opt/deps/$i/; done && du -sh /opt/deps
COPY . .
ENV PYTHONDONTWRITEBYTECODE=1 PORT=8000
CMD ["python", "-m", "app"]
`
  )
  git(repo, 'init', '-q', '-b', 'main')
  const commit = (message, when) => {
    git(repo, 'add', '-A')
    run('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', message], { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when })
    return git(repo, 'rev-parse', 'HEAD')
  }
  const c1 = commit('first', '2024-01-01T00:00:00Z')
  appendFileSync(join(repo, 'app/__init__.py'), '\n# A change to application code only.\n')
  const c2 = commit('second: application code only', '2024-01-02T00:00:00Z')
  return { repo, c1, c2, base, dockerConfig: config }
}

/** A fresh clone checked out at one commit, as a runner's checkout leaves it. */
function checkout(fx, commit, name) {
  run('git', ['clone', '-q', '--no-local', fx.repo, dir(name)])
  git(dir(name), 'checkout', '-q', commit)
  return dir(name)
}

/** Phase times from hashdock's terminal log ("  Build …: done in 12.3 s"), by the phase's first word. */
function phases(log) {
  const out = {}
  for (const m of log.matchAll(/^ {2}(\S+)[^\n]*: done in ([\d.]+) s$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2])
  return out
}

/** BuildKit's own export steps, from its plain log: seconds per step name. */
function exportSteps(log) {
  const out = {}
  const names = { 'exporting layers': 'layers', 'rewriting layers with source-date-epoch': 'rewrite', 'sending tarball': 'tarball', 'exporting to image': 'image' }
  for (const m of log.matchAll(/^#\d+ ([a-z -]+?) ([\d.]+)s done$/gm)) {
    const name = names[m[1]]
    if (name) out[name] = (out[name] ?? 0) + Number(m[2])
  }
  return out
}

/**
 * hashdock's version of a build, timed end to end: one `hashdock build` of `repo`, on the measured
 * builder, logged in to the registry (the base image lives there); standard output is the JSON alone.
 */
function hashdock(b, fx, image, commit, { push = false, cache = 'none', compression, test = '', json = true, reuse = false } = {}) {
  const args = ['build', '--repo', fx.repo, '--image', image, '--githash', commit, ...(b.name ? ['--builder', b.name] : []), '--build-args', `BASE=${fx.base}`]
  // Logged in whether it pushes or not: the base image is behind the registry's login.
  args.push('--push', String(push), '--cache', cache, '--registry-username', tb.user, '--build-login', 'true', ...(json ? ['--json'] : []))
  if (compression) args.push('--compression', compression)
  if (test) args.push('--test-command', test)
  if (reuse) args.push('--reuse', 'true')
  if (push) registryRepos.add(image.slice(tb.registry.length + 1))
  const r = run('node', [cli, ...args], { ...b.env, HASHDOCK_REGISTRY_PASSWORD: tb.password })
  const ph = phases(r.log)
  // The text report states the build step's own time, also when it is too short for the log to time it.
  const buildSeconds = json ? (ph.Build ?? 0) : Number(/^\s*Build\s+([\d.]+) s\s*$/m.exec(r.out)?.[1] ?? NaN)
  return { ...r, outputs: json ? JSON.parse(r.out) : {}, phases: ph, buildSeconds, steps: exportSteps(r.log) }
}

/** A plain `docker buildx build --load` of a fresh clone on the measured builder, timed; then, if asked, `docker push`. */
function plain(b, fx, commit, name, { push = false } = {}) {
  const ref = `${tb.registry}/hashdock-bench/${runId}-${name}:${commit.slice(0, 12)}`
  localImages.set(ref, b.env)
  const env = { ...b.env, DOCKER_CONFIG: fx.dockerConfig }
  const build = run('docker', ['buildx', 'build', ...(b.name ? ['--builder', b.name] : []), '--progress', 'plain', '--load', '--tag', ref, '--build-arg', `BASE=${fx.base}`, checkout(fx, commit, name)], env)
  if (!push) return { ref, build: build.seconds, steps: exportSteps(build.log) }
  registryRepos.add(ref.slice(tb.registry.length + 1).split(':')[0])
  const pushed = run('docker', ['push', '--quiet', ref], env)
  return { ref, build: build.seconds, push: pushed.seconds, steps: exportSteps(build.log) }
}

/** A manifest request to the test bed's registry, with its login. */
function manifestRequest(image, reference, method = 'GET') {
  const headers = { Authorization: `Basic ${Buffer.from(`${tb.user}:${tb.password}`).toString('base64')}`, Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' }
  return fetch(`http://${image.replace('/', '/v2/')}/manifests/${reference}`, { method, headers })
}

/** The digest the registry holds under a tag. */
const registryDigest = async (image, tag) => (await manifestRequest(image, tag, 'HEAD')).headers.get('docker-content-digest')

/** Layer digests of a pushed manifest, read from the registry. */
async function registryLayers(image, digest) {
  const manifest = await (await manifestRequest(image, digest)).json()
  return { layers: manifest.layers.map(l => l.digest), bytes: manifest.layers.reduce((n, l) => n + l.size, 0) }
}

/**
 * The image part: every run is a sequence on the measured builder, the builder's cache emptied
 * (pruned: that builder alone) before each cold build, as on a fresh runner.
 */
async function imageBench(b, fixture) {
  const cold = () => run('docker', ['buildx', 'prune', '--builder', b.name, '--all', '--force'])
  const m = { plainBuild: [], plainPush: [], plainTotal: [], gzip: [], zstd: [], hashPush: [], warmTotal: [], warmBuild: [], rerun: [], seed: [], next: [] }
  const steps = { plain: [], gzip: [], zstd: [] }
  const gzPhases = [], pushPhases = []
  let sizes = {}, shared = '', same = { gzip: 0, zstd: 0 }, cacheIndependent = 0
  for (let i = 0; i < runs; i++) {
    const fx = fixture(`fixture-${i}`)
    const repo = `${tb.registry}/hashdock-bench/${runId}-r${i}`
    // One last path component for every image compared: it is the image's title label, part of its digest.
    const image = kind => `${repo}-${kind}/app`
    const digest = {}
    progress(`image: run ${i + 1} of ${runs}: plain build --load, docker push`)
    cold()
    const p = plain(b, fx, fx.c1, `plain-${i}`, { push: true })
    m.plainBuild.push(p.build), m.plainPush.push(p.push), m.plainTotal.push(p.build + p.push), steps.plain.push(p.steps)
    // `image ls` gives the unpacked size; with the containerd store, `image inspect` gives the compressed content's.
    sizes.unpacked = run('docker', ['image', 'ls', '--format', '{{.Size}}', p.ref]).out
    for (const compression of ['gzip', 'zstd']) {
      progress(`image: run ${i + 1}: hashdock, ${compression}, no push`)
      cold()
      const h = hashdock(b, fx, image(compression), fx.c1, { compression })
      m[compression].push(h.seconds), steps[compression].push(h.steps), (digest[compression] = h.outputs.digest)
      if (compression === 'gzip') gzPhases.push(h.phases)
    }
    progress(`image: run ${i + 1}: hashdock --push true (default compression)`)
    cold()
    const pushed = hashdock(b, fx, image('push'), fx.c1, { push: true })
    m.hashPush.push(pushed.seconds), pushPhases.push(pushed.phases)
    // Two cold builds of one commit, one pushed: the registry holds the digest the first one reported.
    if (pushed.outputs.digest === digest[DEFAULT_COMPRESSION]) same[DEFAULT_COMPRESSION]++
    progress(`image: run ${i + 1}: warm, commit 2 (app code only), same builder`)
    const warm = hashdock(b, fx, image('push'), fx.c2, { json: false })
    m.warmTotal.push(warm.seconds), m.warmBuild.push(warm.buildSeconds)
    progress(`image: run ${i + 1}: re-run of the pushed commit`)
    const again = hashdock(b, fx, image('push'), fx.c1, { push: true, reuse: true })
    if (!again.outputs.digest || again.outputs.digest !== pushed.outputs.digest || !/^▸ Reuse$/m.test(again.log)) {
      throw new Error('re-run: the second run did not reuse the pushed image')
    }
    m.rerun.push(again.seconds)
    progress(`image: run ${i + 1}: commit 1, then commit 2, each on a cold builder, --cache registry`)
    cold()
    const seed = hashdock(b, fx, image('cache'), fx.c1, { push: true, cache: 'registry' })
    cold()
    const next = hashdock(b, fx, image('cache'), fx.c2, { push: true, cache: 'registry' })
    m.seed.push(seed.seconds), m.next.push(next.seconds)
    // Commit 2 twice: after commit 1 on a warm builder, and on a cold one fed by the registry cache.
    if (next.outputs.digest === /^\s*Digest\s+(sha256:[0-9a-f]{64})/m.exec(warm.out)?.[1]) cacheIndependent++
    if (i === 0) {
      const [a, c] = [await registryLayers(image('cache'), seed.outputs.digest), await registryLayers(image('cache'), next.outputs.digest)]
      shared = `${a.layers.filter((l, k) => l === c.layers[k]).length} of ${c.layers.length} layers (${(a.bytes / 1e6).toFixed(0)} MB compressed) shared by commit 1 and commit 2`
      sizes.compressed = a.bytes
    }
    // Raw figures after every run, so a long bench that fails later still leaves them in its log.
    progress(`image: raw after run ${i + 1}: ${JSON.stringify({ m, steps, gzPhases, pushPhases })}`)
  }
  const med = (list, key) => median(list.map(s => s[key] ?? 0))
  // Only the steps and phases that took long enough to be timed in most runs.
  const stepsOf = s => `BuildKit's export: ${['layers', 'rewrite', 'image', 'tarball'].filter(k => med(s, k) > 0).map(k => `${k} ${med(s, k).toFixed(1)}`).join(', ')}`
  const phasesOf = list => ['Plan', 'Context', 'Build', 'Load', 'Push'].filter(k => med(list, k) > 0).map(k => `${k} ${med(list, k).toFixed(1)}`).join(', ')
  const overhead = m.warmTotal.map((t, k) => t - m.warmBuild[k])
  const reproducible = `two cold builds of one commit gave one digest in ${same[DEFAULT_COMPRESSION]} of ${runs} runs; digest independent of cache: ${cacheIndependent === runs ? 'yes' : 'no'} (commit 2 after commit 1 on a warm builder and from the registry cache on a cold one: one digest in ${cacheIndependent} of ${runs} runs)`
  return {
    title: `1. A real-sized image (${sizes.unpacked} unpacked, ${(sizes.compressed / 1e6).toFixed(0)} MB compressed as pushed; its dependency step writes ~360 MB of binaries), builder '${b.name}' (${b.driver}, BuildKit ${b.version})`,
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

/** Deletes a repository's links to blobs, so the next push of the same layers uploads them again instead of mounting them. */
async function unlinkBlobs(image, digests) {
  const headers = { Authorization: `Basic ${Buffer.from(`${tb.user}:${tb.password}`).toString('base64')}` }
  for (const d of digests) await fetch(`http://${image.replace('/', '/v2/')}/blobs/${d}`, { method: 'DELETE', headers })
}

/**
 * Levers of the build path, one image per run, built once on a cold builder: the image as an archive
 * (what hashdock writes today) against an OCI layout directory (`tar=false`), for BuildKit to write
 * (re-exported from a warm cache, so only the writing differs), for skopeo to push and for the engine to load.
 */
async function leverBench(b, fixture) {
  const m = { tarExport: [], dirExport: [], tarPush: [], dirPush: [], tarLoad: [], dirLoad: [] }
  for (let i = 0; i < runs; i++) {
    const fx = fixture(`lever-${i}`)
    const src = checkout(fx, fx.c1, `lever-src-${i}`)
    const ref = `hashdock-bench-${runId}-lever-${i}:latest`
    localImages.set(ref, {})
    const exportTo = output => run('docker', ['buildx', 'build', '--builder', b.name, '--progress', 'plain', '--build-arg', 'SOURCE_DATE_EPOCH=0', '--build-arg', `BASE=${fx.base}`,
      '--output', `${output},oci-mediatypes=true,rewrite-timestamp=true,compression=zstd,force-compression=true,name=${ref}`, src], { DOCKER_CONFIG: fx.dockerConfig })
    progress(`levers: run ${i + 1} of ${runs}: cold build to an archive, then an archive and a directory from the warm cache`)
    run('docker', ['buildx', 'prune', '--builder', b.name, '--all', '--force'])
    const [archive, layout] = [dir(`lever-${i}.tar`), dir(`lever-${i}-oci`)]
    exportTo(`type=docker,dest=${archive}`)
    // Alternating which goes first, so neither always finds the disk or the registry warmed by the other.
    const order = i % 2 ? ['dir', 'tar'] : ['tar', 'dir']
    for (const k of order) m[`${k}Export`].push(k === 'tar' ? exportTo(`type=docker,dest=${archive}`).seconds : (rmSync(layout, { recursive: true, force: true }), exportTo(`type=oci,tar=false,dest=${layout}`).seconds))
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs', ...index.manifests[0].digest.split(':')), 'utf8'))
    const blobs = [manifest.config.digest, ...manifest.layers.map(l => l.digest)]
    const repo = `${tb.registry}/hashdock-bench/${runId}-lever-${i}`
    registryRepos.add(repo.slice(tb.registry.length + 1))
    const creds = ['--dest-creds', `${tb.user}:${tb.password}`, '--dest-tls-verify=false']
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
    title: '2. Levers: the image as an archive (today) or as an OCI layout directory (`tar=false`), zstd',
    head: ['step', 'archive: median s (min–max)', 'directory: median s (min–max)', 'directory / archive'],
    rows: [
      ['BuildKit writes the image (warm cache: the writing alone)', stat(m.tarExport), stat(m.dirExport), `${(median(m.dirExport) / median(m.tarExport)).toFixed(2)}×`],
      ['`skopeo copy` to the registry (`oci-archive:` / `oci:`)', stat(m.tarPush), stat(m.dirPush), `${(median(m.dirPush) / median(m.tarPush)).toFixed(2)}×`],
      ['loaded into the engine (`docker load -i` / `tar -c \\| docker load`)', stat(m.tarLoad), stat(m.dirLoad), `${(median(m.dirLoad) / median(m.tarLoad)).toFixed(2)}×`]
    ]
  }
}

/** hashdock's per-file context against `git archive` plus Debian's `git restore-mtime` over the same history. */
function contextBench(source) {
  const title = '3. Per-file build context of a large repository'
  if (!source) return { title, head: ['method', 'median s'], rows: [['skipped: no `--large-repo` given (a URL or a local clone with full history)', '']] }
  progress('context: cloning the large repository (full history)')
  const clone = dir('large')
  run('git', ['clone', '-q', source, clone])
  // hashdock's plan insists on a Dockerfile; a repository without one names any tracked file instead.
  const dockerfile = git(clone, 'ls-files', 'Dockerfile') ? [] : ['--dockerfile', git(clone, 'ls-files').split('\n').find(f => !f.startsWith('.'))]
  // Written data is flushed before each timing, so no method pays for the previous one's disk writes.
  const timed = fn => (run('sync', []), fn().seconds)
  const ours = [], archive = [], restore = []
  // Run 0 is a warm-up, not counted: a fresh clone's first reads are slow for whichever method goes first.
  for (let i = 0; i <= runs; i++) {
    progress(i ? `context: run ${i} of ${runs}` : 'context: warm-up')
    const [out, dest] = [dir(`ctx-ours-${i}`), dir(`ctx-theirs-${i}`)]
    const a = timed(() => run('node', [cli, 'context', '--repo', clone, '--mtime', 'per-file', ...dockerfile, '--out', out]))
    mkdirSync(dest)
    const b = timed(() => gitInto(dest, ['-C', clone, 'archive', 'HEAD']))
    // restore-mtime only works on a work tree, so it sets the clone's own files: the same pass over history.
    const c = timed(() => run('git', ['-C', clone, 'restore-mtime', '--quiet', '--commit-time', '--merge', '--first-parent']))
    if (i) ours.push(a), archive.push(b), restore.push(c)
    rmSync(out, { recursive: true, force: true }), rmSync(dest, { recursive: true, force: true })
  }
  const theirs = archive.map((a, i) => a + restore[i])
  const commits = git(clone, 'rev-list', '--count', 'HEAD')
  const firstParent = git(clone, 'rev-list', '--count', '--first-parent', 'HEAD')
  const files = git(clone, 'ls-files').split('\n').length
  const name = /^[\w+.-]+:\/\/|^[\w.-]+@/.test(source) ? source : 'a local repository'
  return {
    title: `${title}: ${name} at ${git(clone, 'rev-parse', '--short=12', 'HEAD')}, ${commits} commits (${firstParent} first-parent), ${files} files`,
    head: ['method', 'median s (min–max)', 'vs.'],
    rows: [
      [`hashdock \`context --mtime per-file${dockerfile.length ? ` --dockerfile ${dockerfile[1]}` : ''}\` (whole CLI run)`, stat(ours), ratio(ours, theirs, 0.2)],
      [`\`git archive HEAD \\| tar -x\` (${stat(archive)}) + \`git restore-mtime --commit-time --merge --first-parent\` (${stat(restore)})`, stat(theirs), '']
    ]
  }
}

function table({ title, head, rows }) {
  return [`#### ${title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
}

/** Deletes every tag the bench pushed (the test bed's registry allows deletes); the registry itself stays. */
async function cleanRegistry() {
  const headers = { Authorization: `Basic ${Buffer.from(`${tb.user}:${tb.password}`).toString('base64')}` }
  const accept = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json'].join(', ')
  for (const repo of registryRepos) {
    const base = `http://${tb.registry}/v2/${repo}`
    const { tags } = await (await fetch(`${base}/tags/list`, { headers })).json()
    for (const tag of tags ?? []) {
      const digest = (await fetch(`${base}/manifests/${tag}`, { method: 'HEAD', headers: { ...headers, Accept: accept } })).headers.get('docker-content-digest')
      if (digest) await fetch(`${base}/manifests/${digest}`, { method: 'DELETE', headers })
    }
  }
}

/**
 * 4. The same unit tests in the linux/amd64 image (native here) and the linux/arm64 image (under QEMU
 * emulation) of one two-platform build of the example app, and the whole run against a one-platform
 * run. The builder is the test bed's multi-platform one, emptied before each run.
 */
function platformsBench() {
  const repo = dir('platforms-fixture')
  mkdirSync(repo)
  gitInto(repo, ['-C', root, 'archive', 'HEAD:examples/flask-app'])
  git(repo, 'init', '-q', '-b', 'main')
  git(repo, 'add', '-A')
  run('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'the example'], { GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' })
  const test = 'python -m pytest -q tests/unit'
  const native = [], emulated = [], one = [], two = []
  const testSeconds = (log, platform) => {
    const m = new RegExp(`Unit tests on ${platform.replace('/', '\\/')}\\s+passed in ([\\d.]+) s`).exec(log)
    if (!m) throw new Error(`platforms: no passing unit tests on ${platform} in the report`)
    return Number(m[1])
  }
  for (let i = 0; i < runs; i++) {
    progress(`platforms: run ${i + 1} of ${runs}`)
    for (const [platforms, times] of [['linux/amd64', one], ['linux/amd64,linux/arm64', two]]) {
      run('docker', ['buildx', 'prune', '-af', '--builder', tb.multiBuilder])
      const image = `${tb.registry}/hashdock-bench/${runId}-platforms-${i}`
      const r = run('node', [cli, 'build', '--repo', repo, '--image', image, '--builder', tb.multiBuilder, '--build-args', `BASE=${tb.multiBase}`,
        '--platforms', platforms, '--test-command', test, '--registry-username', tb.user], { HASHDOCK_REGISTRY_PASSWORD: tb.password })
      times.push(r.seconds)
      if (platforms.includes(',')) native.push(testSeconds(r.log, 'linux/amd64')), emulated.push(testSeconds(r.log, 'linux/arm64'))
    }
  }
  return {
    title: '4. Unit tests of one two-platform build: linux/amd64 (native here) beside linux/arm64 (QEMU emulation), cold builder',
    head: ['what', 'median s (min–max)'],
    rows: [
      ['unit tests in the linux/amd64 image, native', stat(native)],
      ['unit tests in the linux/arm64 image, emulated', stat(emulated)],
      ['**ratio emulated / native tests**', `**${(median(emulated) / median(native)).toFixed(2)}×**`],
      ['whole run, `--platforms linux/amd64`', stat(one)],
      ['whole run, `--platforms linux/amd64,linux/arm64`', stat(two)]
    ]
  }
}

/**
 * The engines and builders users run, as the test bed provisions them (test/support/engines.ts): the
 * environment that selects each, and how to empty its builder's cache.
 */
const testbedEngines = () => [
  { title: 'containerd store, the engine\'s own builder', env: { BUILDX_BUILDER: 'default' }, cold: ['builder', 'prune', '--all', '--force'] },
  { title: 'classic store, a `docker-container` builder selected', env: { DOCKER_HOST: tb.classicHost, BUILDX_BUILDER: tb.containerBuilder }, cold: ['buildx', 'prune', '--all', '--force', '--builder', tb.containerBuilder] },
  // hashdock's builder for the run is new every time; the plain build's cold start is the engine's builder emptied.
  { title: 'classic store, only the engine\'s own builder (hashdock makes one per run)', env: { DOCKER_HOST: tb.classicHost, BUILDX_BUILDER: 'default' }, cold: ['builder', 'prune', '--all', '--force'] },
  { title: 'a remote BuildKit', env: { DOCKER_HOST: tb.classicHost, BUILDX_BUILDER: tb.remoteBuilder }, cold: ['buildx', 'prune', '--all', '--force', '--builder', tb.remoteBuilder] },
  // Today's runner stack (Docker 28, buildx 0.29, compose 2.40): its own CLI, plugins and configuration.
  { title: "today's runners: classic store, only the engine's own builder", env: currentEnv('default'), cold: ['builder', 'prune', '--all', '--force'], current: true },
  { title: "today's runners: classic store, a `docker-container` builder selected", env: currentEnv(tb.currentBuilder), cold: ['buildx', 'prune', '--all', '--force', '--builder', tb.currentBuilder], current: true }
]
const currentEnv = builder => ({ PATH: `${tb.currentBin}:${process.env.PATH}`, DOCKER_HOST: tb.currentHost, DOCKER_CONFIG: tb.currentConfig, BUILDX_BUILDER: builder })

/**
 * 5. hashdock's promises on every engine of the test bed, side by side, on the real-sized image: the
 * same sequence on each, every build cold (the builder emptied first): a plain `docker buildx build
 * --load` and `docker push` as the user would run them there; hashdock pushing commit 1 with the registry cache; commit 1
 * again without cache or push (its digest must be the pushed one); commit 2 fed by the registry cache;
 * a re-run of commit 1 with reuse. The bench empties every one of these builders.
 */
async function enginesBench(config) {
  const engines = testbedEngines().filter(e => e.title.includes(flags.engines))
  // The plain builds of today's stack read its buildx, builders and plugins, with the bench's login.
  const currentConfig = dockerConfig(tb.currentConfig)
  const m = engines.map(() => ({ plain: [], plainTotal: [], seed: [], again: [], next: [], rerun: [], same: 0, registry: 0, shared: '' }))
  for (let i = 0; i < runs; i++) {
    for (const [k, e] of engines.entries()) {
      const b = { env: e.env }
      const cold = () => e.cold && run('docker', e.cold, e.env)
      const fx = makeFixture(tb.registryBase, `engine-${k}-${i}`, e.current ? currentConfig : config)
      const image = `${tb.registry}/hashdock-bench/${runId}-engine-${k}-${i}`
      progress(`engines: run ${i + 1} of ${runs}: ${e.title}`)
      cold()
      const p = plain(b, fx, fx.c1, `engine-plain-${k}-${i}`, { push: true })
      m[k].plain.push(p.build), m[k].plainTotal.push(p.build + p.push)
      cold()
      const seed = hashdock(b, fx, image, fx.c1, { push: true, cache: 'registry' })
      cold()
      const again = hashdock(b, fx, image, fx.c1)
      cold()
      const next = hashdock(b, fx, image, fx.c2, { push: true, cache: 'registry' })
      const rerun = hashdock(b, fx, image, fx.c1, { push: true, reuse: true })
      m[k].seed.push(seed.seconds), m[k].again.push(again.seconds), m[k].next.push(next.seconds), m[k].rerun.push(rerun.seconds)
      if (again.outputs.digest === seed.outputs.digest) m[k].same++
      const held = (await registryDigest(image, fx.c1)) === seed.outputs.digest && rerun.outputs.digest === seed.outputs.digest
      if (held) m[k].registry++
      if (i === 0) {
        const [a, c] = [await registryLayers(image, seed.outputs.digest), await registryLayers(image, next.outputs.digest)]
        m[k].shared = `${a.layers.filter((l, n) => l === c.layers[n]).length} of ${c.layers.length}`
      }
      progress(`engines: raw after run ${i + 1}, ${e.title}: ${JSON.stringify(m[k])}`)
    }
  }
  const row = (what, f) => [what, ...m.map(f)]
  return {
    title: '5. Every engine of the test bed, side by side: the real-sized image, every build on a cold builder',
    head: ['what', ...engines.map(e => e.title)],
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
async function jobBench(config) {
  const test = 'test -d /opt/deps/1/lib && python3 -c "import sys; sys.exit(0)"'
  const engines = testbedEngines().filter(e => e.title.includes(flags.engines))
  const currentConfig = dockerConfig(tb.currentConfig)
  const m = engines.map(() => ({ recipe1: [], ours1: [], recipe2: [], ours2: [], phases: [], steps: [], skipped: '' }))
  for (let i = 0; i < runs; i++) {
    for (const [k, e] of engines.entries()) {
      const b = { env: e.env }
      const driver = /^Driver:\s+(\S+)/m.exec(run('docker', ['buildx', 'inspect'], e.env).out)?.[1]
      const store = run('docker', ['info', '--format', '{{.DriverStatus}}'], e.env).out.includes('io.containerd.snapshotter')
      if (driver === 'docker' && !store) {
        m[k].skipped = 'n/a: the engine\'s own builder exports no cache without the containerd store'
        continue
      }
      const fx = makeFixture(driver === 'docker' ? tb.engineBase : tb.registryBase, `job-${k}-${i}`, e.current ? currentConfig : config)
      const recipeRepo = `${tb.registry}/hashdock-bench/${runId}-job-recipe-${k}-${i}`
      const ourRepo = `${tb.registry}/hashdock-bench/${runId}-job-ours-${k}-${i}`
      registryRepos.add(recipeRepo.slice(tb.registry.length + 1))
      const env = { ...e.env, DOCKER_CONFIG: fx.dockerConfig }
      const fresh = () => e.cold && run('docker', e.cold, e.env)
      const recipe = commit => {
        const src = checkout(fx, commit, `job-recipe-${k}-${i}-${commit.slice(0, 7)}`)
        const ref = `${recipeRepo}:${commit.slice(0, 12)}`
        const cache = [`--cache-from`, `type=registry,ref=${recipeRepo}:buildcache`, '--cache-to', `type=registry,ref=${recipeRepo}:buildcache,mode=max`]
        const common = ['buildx', 'build', '--progress', 'plain', '--tag', ref, '--build-arg', `BASE=${fx.base}`, ...cache]
        const started = performance.now()
        run('docker', [...common, '--load', src], env)
        run('docker', ['run', '--rm', ref, 'sh', '-c', test], env)
        run('docker', [...common, '--push', src], env)
        const seconds = (performance.now() - started) / 1000
        spawnSync('docker', ['image', 'rm', '--force', ref], { stdio: 'ignore', env: { ...process.env, ...env } })
        return seconds
      }
      for (const [n, commit] of [[1, fx.c1], [2, fx.c2]]) {
        progress(`job: run ${i + 1} of ${runs}: ${e.title}: commit ${n}, the recipe`)
        fresh()
        m[k][`recipe${n}`].push(recipe(commit))
        progress(`job: run ${i + 1} of ${runs}: ${e.title}: commit ${n}, hashdock`)
        fresh()
        const h = hashdock(b, fx, ourRepo, commit, { push: true, cache: 'registry', test })
        m[k][`ours${n}`].push(h.seconds)
        if (n === 2) m[k].phases.push(h.phases), m[k].steps.push(h.steps)
      }
      progress(`job: raw after run ${i + 1}, ${e.title}: ${JSON.stringify(m[k])}`)
    }
  }
  const med = (list, key) => median(list.map(s => s[key] ?? 0))
  const where = x => x.ours2.length
    ? ['Plan', 'Context', 'Build', 'Load', 'Unit', 'Push'].filter(p => med(x.phases, p) > 0).map(p => `${p} ${med(x.phases, p).toFixed(1)}`).join(', ') +
      `; of the build: ${['layers', 'rewrite', 'image', 'tarball'].filter(s => med(x.steps, s) > 0).map(s => `${s} ${med(x.steps, s).toFixed(1)}`).join(', ') || 'no export step timed'}`
    : x.skipped
  const row = (what, f) => [what, ...m.map(x => (x.ours1.length ? f(x) : x.skipped))]
  return {
    title: '6. The everyday job on a fresh runner: Docker\'s "test before push" recipe against hashdock, the real-sized image',
    head: ['what', ...engines.map(e => e.title)],
    rows: [
      row('recipe, commit 1, empty cache, s', x => stat(x.recipe1)),
      row('hashdock, commit 1, empty cache, s', x => stat(x.ours1)),
      row('**hashdock / recipe, commit 1**', x => ratio(x.ours1, x.recipe1, 0.8)),
      row('recipe, commit 2 from the registry cache, s', x => stat(x.recipe2)),
      row('hashdock, commit 2 from the registry cache, s', x => stat(x.ours2)),
      row('**hashdock / recipe, commit 2**', x => ratio(x.ours2, x.recipe2, 0.8)),
      ['where hashdock\'s commit 2 goes (median s)', ...m.map(where)]
    ]
  }
}

/**
 * 7. The GitHub cache over a sequence of commits, each on a fresh runner (an empty builder, no cache
 * directory: only the cache service remembers), through the bundled action against the test support's
 * stand-in of GitHub's cache service: bytes each commit uploads against the compressed bytes of the
 * layers it changed, the service's total after every commit against the image, and how often the
 * dependency step came from the cache. Every commit changes application code; one in the middle also
 * changes the dependencies, as a real history does now and then.
 */
async function cacheBench(config) {
  const { runAction } = await import('../test/support/action.js')
  const { startCacheServer } = await import('../test/support/cache-server.js')
  const { registryManifest } = await import('../test/support/registry.js')
  const count = Number(flags['cache-commits'])
  const fx = makeFixture(tb.engineBase, 'cache-sequence', config)
  const commits = [fx.c1, fx.c2]
  for (let n = 3; n <= count; n++) {
    appendFileSync(join(fx.repo, n === Math.ceil(count / 2) ? 'requirements.txt' : 'app/__init__.py'), `# commit ${n}\n`)
    git(fx.repo, 'add', '-A')
    run('git', ['-C', fx.repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', `commit ${n}`])
    commits.push(git(fx.repo, 'rev-parse', 'HEAD'))
  }
  const server = await startCacheServer()
  const image = `${tb.registry}/hashdock-bench/${runId}-cache`
  registryRepos.add(image.slice(tb.registry.length + 1))
  const runnerTemp = dir('cache-runner')
  mkdirSync(runnerTemp)
  const rows = []
  let previous = []
  let hits = 0, hitChances = 0, worst = 0, smallMax = 0, imageBytes = 0
  try {
    for (const [k, commit] of commits.entries()) {
      progress(`cache: commit ${k + 1} of ${commits.length}, a fresh runner`)
      run('docker', ['builder', 'prune', '--all', '--force'])
      rmSync(join(runnerTemp, 'hashdock-buildcache'), { recursive: true, force: true })
      const before = server.sizes()
      const r = await runAction({
        workspace: fx.repo, sha: commit, runnerTemp, env: { ...server.env, GITHUB_REF_NAME: 'main' },
        inputs: { image, githash: commit, cache: 'gha', 'build-args': `BASE=${fx.base}`, 'registry-username': tb.user, 'registry-password': tb.password }
      })
      if (r.exitCode !== 0) throw new Error(`cache: commit ${k + 1} failed: ${r.errors.join(' ')}`)
      const after = server.sizes()
      const uploaded = Object.keys(after).filter(key => !(key in before)).reduce((sum, key) => sum + after[key], 0)
      const layers = JSON.parse(await registryManifest(image, commit)).layers
      const changed = layers.filter(l => !previous.some(p => p.digest === l.digest)).reduce((sum, l) => sum + l.size, 0)
      const total = Object.values(after).reduce((sum, size) => sum + size, 0)
      imageBytes = layers.reduce((sum, l) => sum + l.size, 0)
      const depsChanged = k === 0 || k + 1 === Math.ceil(count / 2)
      const cached = /^#(\d+) \[\d\/\d\] RUN for i in[^\n]*\n(?:#\d+ [^\n]*\n)*?#\1 CACHED$/m.test(r.stdout)
      if (!depsChanged) hitChances++, hits += cached ? 1 : 0
      // A commit's own entry (BuildKit's index and cache manifest) is a few kB whatever changed: the
      // ratio is measured where layers of a megabyte or more changed, the rest shown in kB.
      const sizable = changed >= 1e6
      if (k > 0 && sizable) worst = Math.max(worst, uploaded / changed)
      else if (k > 0) smallMax = Math.max(smallMax, uploaded)
      const kb = bytes => `${(bytes / 1e3).toFixed(1)} kB`
      rows.push([`${k + 1}${depsChanged ? ' (dependencies)' : ''}`, sizable ? `${(uploaded / 1e6).toFixed(1)} MB` : kb(uploaded), sizable ? `${(changed / 1e6).toFixed(1)} MB` : kb(changed), k && sizable ? `${(uploaded / changed).toFixed(2)}×` : '', (total / 1e6).toFixed(1), `${(total / imageBytes).toFixed(2)}×`, depsChanged ? '' : cached ? 'hit' : '**miss**'])
      previous = layers
    }
  } finally {
    await server.close()
  }
  const last = rows.at(-1)
  return {
    title: `7. \`cache: gha\` over ${commits.length} commits, each on a fresh runner: the real-sized image (${(imageBytes / 1e6).toFixed(0)} MB compressed); worst commit after the first that changed a layer of 1 MB or more uploaded ${worst.toFixed(2)}× its changed layers (target ≤ 1.5: ${worst <= 1.5 ? 'met' : 'missed'}), the others at most ${(smallMax / 1e3).toFixed(1)} kB; the cache after ${commits.length} commits is ${last[5]} the image (target < 3: ${Number(last[5].slice(0, -1)) < 3 ? 'met' : 'missed'}); dependency step from the cache in ${hits} of ${hitChances} commits`,
    head: ['commit', 'uploaded to the cache', 'changed layers (compressed)', 'uploaded / changed', 'cache service total, MB', 'total / image', 'dependency step'],
    rows
  }
}

/**
 * 8. The corpus (test/corpus: the Dockerfile shapes users write), in every mtime mode, on the engine's
 * own builder: for each sample's child commit, the digest of a cold build, of a build right after its
 * parent on the warm builder, and of a cold builder fed the parent's registry cache. "One digest" when
 * all three agree: the digest is independent of what was cached.
 */
async function corpusBench() {
  const { runAction } = await import('../test/support/action.js')
  const { buildContexts, corpusDir, corpusInputs, corpusSamples, sampleRepo } = await import('../test/support/corpus.js')
  const { MTIME_MODES } = await import('../src/core/inputs.js')
  const cold = () => run('docker', ['builder', 'prune', '--all', '--force'])
  const rows = []
  const independent = Object.fromEntries(MTIME_MODES.map(m => [m, 0]))
  let contexts = 0
  for (const sample of corpusSamples) {
    const { origin, parent, child } = sampleRepo(sample)
    const workspace = origin.clone()
    for (const target of buildContexts(join(corpusDir, sample.name))) {
      contexts++
      const row = [`${sample.name}${target.context === '.' ? '' : ` ${target.context}`}`]
      for (const mode of MTIME_MODES) {
        progress(`corpus: ${row[0]}, mtime ${mode}`)
        const image = `${tb.registry}/hashdock-bench/${runId}-corpus-${sample.name}${target.context === '.' ? '' : `-${target.context.replace(/\W/g, '')}`}-${mode}`
        registryRepos.add(image.slice(tb.registry.length + 1))
        const build = async (commit, inputs = {}) => {
          const r = await runAction({
            workspace, sha: commit,
            inputs: { ...corpusInputs(target, { image, commit, mtime: mode, base: tb.registryBase }), 'registry-username': tb.user, 'registry-password': tb.password, ...inputs }
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
    title: `8. Digest independent of cache, per mtime mode, over the corpus (${contexts} build contexts of ${corpusSamples.length} samples; cold, warm after the parent, and a cold builder fed the parent's registry cache): ${MTIME_MODES.map(m => `${m} ${independent[m]} of ${contexts}`).join(', ')}`,
    head: ['sample', ...MTIME_MODES.map(m => `mtime: ${m}`)],
    rows
  }
}

/** Removes what the bench made; a problem here is a warning, never the bench's result. */
async function cleanUp() {
  for (const step of [
    () => localImages.forEach((env, ref) => spawnSync('docker', ['image', 'rm', '--force', ref], { stdio: 'ignore', env: { ...process.env, ...env } })),
    cleanRegistry,
    () => rmSync(tmp, { recursive: true, force: true })
  ]) {
    try {
      await step()
    } catch (error) {
      console.error(`[bench] warning: clean-up: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

async function main() {
  const docker = run('docker', ['version', '--format', '{{.Server.Version}}']).out
  const buildx = run('docker', ['buildx', 'version']).out.split(/\s+/)[1]
  const gitVersion = run('git', ['--version']).out.replace('git version ', '')
  const load = loadavg()[0].toFixed(1)
  console.log(
    `docker ${docker}, buildx ${buildx}, git ${gitVersion}, node ${process.version}, ${availableParallelism()} CPUs (load average ${load} at the start); median of ${runs} run${runs === 1 ? '' : 's'} each (\`--runs ${runs}\`), min–max in brackets.`
  )
  // Each table as soon as it is measured: a later part that fails leaves the earlier ones printed.
  const print = t => console.log(`\n${table(t)}`)
  const config = ['image', 'levers', 'engines', 'job', 'cache'].some(part => parts.has(part)) && dockerConfig()
  if (parts.has('image') || parts.has('levers')) {
    const b = builderFacts()
    // A builder of the engine's own reads the engine's images; any other reads the base from the registry.
    const fixture = name => makeFixture(b.driver === 'docker' ? tb.engineBase : tb.registryBase, name, config)
    if (parts.has('image')) print(await imageBench(b, fixture))
    if (parts.has('levers')) print(await leverBench(b, fixture))
  }
  if (parts.has('context')) print(contextBench(flags['large-repo']))
  if (parts.has('platforms')) print(platformsBench())
  if (parts.has('engines')) print(await enginesBench(config))
  if (parts.has('job')) print(await jobBench(config))
  if (parts.has('cache')) print(await cacheBench(config))
  if (parts.has('corpus')) print(await corpusBench())
}

try {
  await main()
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
}
