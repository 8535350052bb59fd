#!/usr/bin/env node
// `npm run bench`: measures hashdock's cache, reproducibility, layer-sharing, context, re-run and
// multi-platform claims against plain docker build and git restore-mtime, and prints them side by side in one run.
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'dist/cli/index.js')
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'large-repo': { type: 'string', default: 'https://github.com/git/git.git' },
    // Some sections only, by name: cache, repro, layers, context, rerun, platforms.
    only: { type: 'string', default: '' }
  }
})
const runs = Number(flags.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: --runs: give a whole number of runs, 1 or more, not '${flags.runs}'`)
  process.exit(2)
}

/** The test bed's registry, login and base image: the defaults of scripts/testbed.env, overridable from the environment. */
function readTestbed() {
  const values = {}
  for (const m of readFileSync(join(root, 'scripts/testbed.env'), 'utf8').matchAll(/\$\{(\w+):=([^}]*)\}/g)) values[m[1]] = process.env[m[1]] ?? m[2]
  return {
    registry: values.TESTBED_REGISTRY,
    user: values.TESTBED_REGISTRY_USER,
    password: values.TESTBED_REGISTRY_PASSWORD,
    base: values.TESTBED_BASE_IMAGE,
    multiBase: `${values.TESTBED_REGISTRY}/${values.TESTBED_MULTI_BASE_PATH}`,
    multiBuilder: values.TESTBED_MULTI_BUILDER
  }
}
const tb = readTestbed()
const runId = Date.now().toString(36)
const tmp = mkdtempSync(join(tmpdir(), 'hashdock-bench-'))
// Everything the bench creates, so it can all be removed at the end, whatever happened.
const localImages = new Set()
const registryRepos = new Set()

/** Runs a program (arguments as an array, no shell) and times it; a non-zero exit is an error. */
function run(cmd, args, env = {}) {
  const started = performance.now()
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 512 << 20 })
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
const progress = message => console.error(`[bench] ${message}`)
const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2
}
const secs = x => x.toFixed(2)
const dir = name => join(tmp, name)
// Every cold measurement starts from an empty BuildKit cache, as on a fresh runner.
const coldBuilder = () => run('docker', ['builder', 'prune', '-af'])
const inspect = (ref, format) => run('docker', ['image', 'inspect', '--format', format, ref]).out

/** The example app in a fresh repository: commit 1, then commit 2 changing only application code. */
function makeFixture() {
  const repo = dir('fixture')
  mkdirSync(repo)
  gitInto(repo, ['-C', root, 'archive', 'HEAD:examples/flask-app'])
  git(repo, 'init', '-q', '-b', 'main')
  const commit = (message, when) => {
    git(repo, 'add', '-A')
    run('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', message], { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when })
    return git(repo, 'rev-parse', 'HEAD')
  }
  const c1 = commit('first', '2024-01-01T00:00:00Z')
  appendFileSync(join(repo, 'app/__init__.py'), '\n# A change to application code only.\n')
  const c2 = commit('second: application code only', '2024-01-02T00:00:00Z')
  return { repo, c1, c2 }
}

/** A fresh clone checked out at one commit, as a runner's checkout leaves it. */
function checkout(fx, commit, name) {
  run('git', ['clone', '-q', '--no-local', fx.repo, dir(name)])
  git(dir(name), 'checkout', '-q', commit)
  return dir(name)
}

/** One `hashdock build`, timed; returns its log and its outputs (standard output is the JSON alone). */
function hashdock(repo, name, commit, { push = false, cache = 'none', mtime = 'commit', test = '', reuse = false } = {}) {
  const image = `${tb.registry}/hashdock-bench/${runId}-${name}`
  const args = ['build', '--repo', repo, '--image', image, '--githash', commit, '--build-args', `BASE=${tb.base}`]
  args.push('--push', String(push), '--cache', cache, '--mtime', mtime, '--json')
  if (push) args.push('--registry-username', tb.user)
  if (test) args.push('--test-command', test)
  if (reuse) args.push('--reuse', 'true')
  localImages.add(`${image}:${commit}`)
  if (push) registryRepos.add(image.slice(tb.registry.length + 1))
  // The password only with a login: hashdock refuses a password without a user name.
  const r = run('node', [cli, ...args], push ? { HASHDOCK_REGISTRY_PASSWORD: tb.password } : {})
  return { ...r, outputs: JSON.parse(r.out) }
}

/** A plain `docker buildx build --load` of a checkout, timed; returns its local reference. */
function plainBuild(checkoutDir, tag) {
  const ref = `hashdock-bench-${runId}:${tag}`
  localImages.add(ref)
  const { seconds } = run('docker', ['buildx', 'build', '--load', '--tag', ref, '--build-arg', `BASE=${tb.base}`, checkoutDir])
  return { ref, seconds }
}

/** Dockerfile steps (`#N [k/n]`) in a BuildKit plain log, and how many of them were `#N CACHED`. */
function cachedSteps(log) {
  const steps = new Set([...log.matchAll(/^#(\d+) \[(?:[\w.-]+ )?\d+\/\d+\]/gm)].map(m => m[1]))
  const cached = new Set([...log.matchAll(/^#(\d+) CACHED\s*$/gm)].map(m => m[1]).filter(n => steps.has(n)))
  return { cached: cached.size, total: steps.size }
}

/** 1. A cold build against the rebuild of the next commit, both on an empty builder, the second with the registry cache. */
function cacheBench(fx) {
  const cold = [], warm = [], coldSteps = [], warmSteps = []
  for (let i = 0; i < runs; i++) {
    progress(`cache: run ${i + 1} of ${runs}`)
    coldBuilder()
    const a = hashdock(fx.repo, `cache-${i}`, fx.c1, { push: true, cache: 'registry' })
    coldBuilder()
    const b = hashdock(fx.repo, `cache-${i}`, fx.c2, { push: true, cache: 'registry' })
    cold.push(a.seconds), warm.push(b.seconds), coldSteps.push(cachedSteps(a.log)), warmSteps.push(cachedSteps(b.log))
  }
  // BuildKit sometimes shows a step restored from the cache by the layers it pulls instead of a CACHED
  // line, so the count varies between runs: the range says by how much.
  const share = s => {
    const counts = s.map(x => x.cached)
    return `${median(counts)} of ${median(s.map(x => x.total))} (${Math.min(...counts)}–${Math.max(...counts)} per run)`
  }
  return {
    title: '1. Rebuild of the next commit on a cold builder, layer cache restored from the registry (`--cache registry`)',
    head: ['build', 'median s (whole run)', 'steps CACHED'],
    rows: [
      ['cold: commit 1, empty builder, no cache yet', secs(median(cold)), share(coldSteps)],
      ['rebuild: commit 2 (app code changed), empty builder, cache from registry', secs(median(warm)), share(warmSteps)],
      ['**ratio rebuild / cold**', `**${(median(warm) / median(cold)).toFixed(2)}**`, '']
    ]
  }
}

/** 2. Two cold builds of one commit from two fresh clones: same image ID or not. */
function reproBench(fx) {
  const ours = [], plain = [], oursTimes = [], plainTimes = []
  for (let i = 0; i < runs; i++) {
    progress(`reproducibility: run ${i + 1} of ${runs}`)
    const ids = [], pids = []
    for (const k of [1, 2]) {
      coldBuilder()
      const r = hashdock(checkout(fx, fx.c1, `repro-${i}-${k}`), `repro-${i}-${k}`, fx.c1)
      ids.push(r.outputs['image-id']), oursTimes.push(r.seconds)
      coldBuilder()
      const p = plainBuild(checkout(fx, fx.c1, `plain-${i}-${k}`), `repro-${i}-${k}`)
      pids.push(inspect(p.ref, '{{.Id}}')), plainTimes.push(p.seconds)
    }
    ours.push(ids[0] === ids[1]), plain.push(pids[0] === pids[1])
  }
  const verdict = xs => `${xs.every(Boolean) ? 'equal' : xs.some(Boolean) ? 'mixed' : 'different'} (${xs.filter(Boolean).length} of ${xs.length} pairs equal)`
  return {
    title: '2. Two cold builds of one commit from two fresh clones: is the image ID the same?',
    head: ['builder', 'image IDs', 'median s per build'],
    rows: [
      ['hashdock `build --push false`', verdict(ours), secs(median(oursTimes))],
      ['plain `docker buildx build --load` of a `git clone`', verdict(plain), secs(median(plainTimes))]
    ]
  }
}

/** 3. Layers of commit 1's and commit 2's images that are identical, each built on a cold builder. */
function layersBench(fx) {
  const layers = ref => JSON.parse(inspect(ref, '{{json .RootFS.Layers}}'))
  const shared = (a, b) => `${a.filter((layer, i) => layer === b[i]).length} of ${Math.max(a.length, b.length)} layers shared`
  const builds = {
    'hashdock `--mtime per-file`': (commit, k) => hashdock(fx.repo, `layers-perfile-${k}`, commit, { mtime: 'per-file' }).outputs.image + `:${commit}`,
    'hashdock `--mtime commit`': (commit, k) => hashdock(fx.repo, `layers-commit-${k}`, commit).outputs.image + `:${commit}`,
    'plain `docker buildx build --load`': (commit, k) => plainBuild(checkout(fx, commit, `layers-plain-${k}`), `layers-${k}`).ref
  }
  const rows = Object.entries(builds).map(([label, buildOne]) => {
    progress(`layers: ${label}`)
    const refs = [fx.c1, fx.c2].map((commit, k) => (coldBuilder(), buildOne(commit, k + 1)))
    return [label, shared(layers(refs[0]), layers(refs[1]))]
  })
  return { title: '3. Layers shared by the images of two consecutive commits (commit 2 changes only app code), cold builder each', head: ['builder', 'commit 1 → commit 2'], rows }
}

/** 4. hashdock's per-file context against `git archive` plus Debian's `git restore-mtime` over the same history. */
function contextBench(source) {
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
  const ratio = median(ours) / median(theirs)
  const commits = git(clone, 'rev-list', '--count', 'HEAD')
  const firstParent = git(clone, 'rev-list', '--count', '--first-parent', 'HEAD')
  const files = git(clone, 'ls-files').split('\n').length
  const name = /^[\w+.-]+:\/\/|^[\w.-]+@/.test(source) ? source : 'a local repository'
  return {
    title: `4. Per-file build context of ${name} at ${git(clone, 'rev-parse', '--short=12', 'HEAD')}: ${commits} commits (${firstParent} first-parent), ${files} files`,
    head: ['method', 'median s'],
    rows: [
      [`hashdock \`context --mtime per-file${dockerfile.length ? ` --dockerfile ${dockerfile[1]}` : ''}\` (whole CLI run)`, secs(median(ours))],
      [`\`git archive HEAD \\| tar -x\` + \`git restore-mtime --commit-time --merge --first-parent\` (${secs(median(archive))} + ${secs(median(restore))})`, secs(median(theirs))],
      [`**ratio hashdock / archive + restore-mtime** (target ≤ 0.30: ${ratio <= 0.3 ? 'met' : 'not met'})`, `**${ratio.toFixed(2)}**`]
    ]
  }
}

/** 5. A re-run of a commit already pushed from the same inputs against its first, cold run. */
function rerunBench(fx) {
  const cold = [], again = []
  const test = 'python -m pytest -q tests/unit'
  for (let i = 0; i < runs; i++) {
    progress(`re-run: run ${i + 1} of ${runs}`)
    coldBuilder()
    cold.push(hashdock(fx.repo, `rerun-${i}`, fx.c1, { push: true, test, reuse: true }).seconds)
    const second = hashdock(fx.repo, `rerun-${i}`, fx.c1, { push: true, test, reuse: true })
    // A re-run that built again would make the ratio meaningless: that is a real failure.
    if (!/^== Reuse$/m.test(second.log)) throw new Error('re-run: the second run built again instead of reusing the pushed image')
    again.push(second.seconds)
  }
  return {
    title: '5. Re-run of a commit already pushed (same inputs) vs. its first run: build, unit tests, push',
    head: ['run', 'median s'],
    rows: [
      ['first run, cold builder', secs(median(cold))],
      ['re-run (registry holds the same fingerprint: re-tag only)', secs(median(again))],
      ['**ratio re-run / first run**', `**${(median(again) / median(cold)).toFixed(2)}**`]
    ]
  }
}

/**
 * 6. The same unit tests in the linux/amd64 image (native here) and the linux/arm64 image (under QEMU
 * emulation) of one two-platform build, and the whole run against a one-platform run. The builder is the
 * test bed's own multi-platform one, emptied before each run; its base image is an index of both platforms.
 */
function platformsBench(fx) {
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
      const r = run('node', [cli, 'build', '--repo', fx.repo, '--image', image, '--githash', fx.c1, '--builder', tb.multiBuilder,
        '--build-args', `BASE=${tb.multiBase}`, '--platforms', platforms, '--test-command', test, '--registry-username', tb.user],
        // The builder pulls the two-platform base image from the registry, behind its login.
        { NO_COLOR: '1', HASHDOCK_REGISTRY_PASSWORD: tb.password })
      times.push(r.seconds)
      if (platforms.includes(',')) {
        native.push(testSeconds(r.log, 'linux/amd64'))
        emulated.push(testSeconds(r.log, 'linux/arm64'))
      }
    }
  }
  return {
    title: '6. Unit tests of one two-platform build: linux/amd64 (native here) beside linux/arm64 (QEMU emulation), cold builder',
    head: ['what', 'median s'],
    rows: [
      ['unit tests in the linux/amd64 image, native', secs(median(native))],
      ['unit tests in the linux/arm64 image, emulated', secs(median(emulated))],
      ['**ratio emulated / native tests**', `**${(median(emulated) / median(native)).toFixed(2)}**`],
      ['whole run, `--platforms linux/amd64`', secs(median(one))],
      ['whole run, `--platforms linux/amd64,linux/arm64`', secs(median(two))]
    ]
  }
}

function table({ title, head, rows }) {
  return [`### ${title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
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

/** Removes what the bench made; a problem here is a warning, never the bench's result. */
async function cleanUp() {
  for (const step of [
    () => localImages.size && spawnSync('docker', ['image', 'rm', '--force', ...localImages], { stdio: 'ignore' }),
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
  const fx = makeFixture()
  const sections = {
    cache: () => cacheBench(fx),
    repro: () => reproBench(fx),
    layers: () => layersBench(fx),
    context: () => contextBench(flags['large-repo']),
    rerun: () => rerunBench(fx),
    platforms: () => platformsBench(fx)
  }
  const only = flags.only ? flags.only.split(',') : Object.keys(sections)
  const unknown = only.filter(name => !(name in sections))
  if (unknown.length) throw new Error(`--only: no section ${unknown.join(', ')}; the sections are ${Object.keys(sections).join(', ')}`)
  const tables = only.map(name => sections[name]())
  console.log(`## hashdock bench\n\ndocker ${docker}, buildx ${buildx}, git ${gitVersion}, node ${process.version}, ${availableParallelism()} CPUs; median of ${runs} run${runs === 1 ? '' : 's'} each (\`--runs ${runs}\`).\n`)
  console.log(tables.map(table).join('\n\n'))
}

try {
  await main()
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
}
