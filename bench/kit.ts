// What the bench's sections share: running and timing programs, the statistics they print, the
// real-sized fixture, and hashdock's and plain docker's builds of it, with everything they leave behind
// recorded so the clean-up removes it whatever happened.
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deleteTags, registryAuths } from '../test/support/registry.js'
import { testbed } from '../test/support/testbed.js'

export const root = fileURLToPath(new URL('..', import.meta.url))

export type Env = Record<string, string>

export interface Timed {
  /** Standard output, trimmed. */
  out: string
  /** Standard output and standard error. */
  log: string
  seconds: number
}

/** Runs a program (arguments as an array, no shell) and times it; a non-zero exit is an error. */
export function run(cmd: string, args: string[], env: Env = {}): Timed {
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
export const gitInto = (dest: string, gitArgs: string[]): Timed => run('bash', ['-o', 'pipefail', '-c', 'd=$1; shift; git "$@" | tar -x -C "$d"', 'bash', dest, ...gitArgs])
export const git = (dir: string, ...args: string[]): string => run('git', ['-C', dir, ...args]).out
/** Commits everything in a fixture repository as the bench's author, at a fixed time when given. */
export function commitAll(repo: string, message: string, when?: string): string {
  git(repo, 'add', '-A')
  run('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', message], when ? { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when } : {})
  return git(repo, 'rev-parse', 'HEAD')
}
export const progress = (message: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2
}
/** Median and spread (min–max) of a list of seconds. */
export const stat = (xs: number[]): string => (xs.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})` : 'n/a')
/** A ratio of medians against its target, and the ratio's own spread over the runs paired one to one. */
export function ratio(num: number[], den: number[], target: number): string {
  const r = median(num) / median(den)
  const per = num.map((n, i) => n / den[i]).filter(Number.isFinite)
  const spread = per.length > 1 ? ` (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)})` : ''
  return `**${r.toFixed(2)}×**${spread}; target ≤ ${target}: ${r <= target ? 'met' : `missed by ${((r / target - 1) * 100).toFixed(0)} %`}`
}
/** The median of one key over a list of timings per name (a phase or step not timed in a run counts 0). */
export const medianOf = (list: Record<string, number>[], key: string): number => median(list.map(s => s[key] ?? 0))

/** Phase times from hashdock's terminal log ("  Build …: done in 12.3 s"), by the phase's first word. */
export function phases(log: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of log.matchAll(/^ {2}(\S+)[^\n]*: done in ([\d.]+) s$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2])
  return out
}

/** BuildKit's export steps, named as the tables name them. */
export const EXPORT_STEPS = ['layers', 'rewrite', 'image', 'tarball'] as const
export type ExportSteps = Partial<Record<(typeof EXPORT_STEPS)[number], number>>

/** BuildKit's own export steps, from its plain log: seconds per step name. */
export function exportSteps(log: string): ExportSteps {
  const out: ExportSteps = {}
  const names: Record<string, (typeof EXPORT_STEPS)[number]> = { 'exporting layers': 'layers', 'rewriting layers with source-date-epoch': 'rewrite', 'sending tarball': 'tarball', 'exporting to image': 'image' }
  for (const m of log.matchAll(/^#\d+ ([a-z -]+?) ([\d.]+)s done$/gm)) {
    const name = names[m[1]]
    if (name) out[name] = (out[name] ?? 0) + Number(m[2])
  }
  return out
}

/** The builder a build runs on: named (`--builder`), or the one its environment selects. */
export interface Builder {
  name?: string
  env?: Env
}

/** The generated service: its repository, commit 1, commit 2 (application code only), its base image and the docker configuration with the login. */
export interface Fixture {
  repo: string
  c1: string
  c2: string
  base: string
  dockerConfig: string
}

export interface HashdockOptions {
  push?: boolean
  cache?: string
  compression?: string
  test?: string
  /** Standard output as JSON (the default) or the terminal report. */
  json?: boolean
  reuse?: boolean
}

export interface HashdockRun extends Timed {
  /** The outputs (`--json`); empty with the terminal report. */
  outputs: Record<string, string>
  phases: Record<string, number>
  /** The build step's own time. */
  buildSeconds: number
  steps: ExportSteps
}

export interface PlainRun {
  ref: string
  build: number
  push: number
  steps: ExportSteps
}

export interface Options {
  runs: number
  /** The builder of the image and levers sections; empty: the selected one. */
  builder: string
  largeRepo: string
  /** With engines and job: only the columns whose title holds this text. */
  engines: string
  cacheCommits: number
}

/** One run of the bench: its scratch directory, its copy of the CLI, and what it made. */
export class Bench {
  readonly runId = Date.now().toString(36)
  readonly tmp = mkdtempSync(join(tmpdir(), 'hashdock-bench-'))
  readonly cli: string
  /** Local images the bench made, with the environment that names their engine. */
  private readonly localImages = new Map<string, Env>()
  /** Repositories the bench pushed to the test bed's registry. */
  private readonly pushed = new Set<string>()
  private readonly configs = new Map<string, string>()

  constructor(readonly options: Options) {
    // The bench runs its own copy of the CLI, so rebuilding dist/ while it runs changes nothing it measures.
    cpSync(join(root, 'dist/cli'), join(this.tmp, 'cli'), { recursive: true })
    this.cli = join(this.tmp, 'cli/index.js')
  }

  get runs(): number {
    return this.options.runs
  }

  dir(name: string): string {
    return join(this.tmp, name)
  }

  /** A repository of the bench in the test bed's registry, unique to this run. */
  repository(name: string): string {
    return `${testbed.registry}/hashdock-bench/${this.runId}-${name}`
  }

  /** Records a repository the bench pushes to, for the clean-up. */
  pushesTo(repository: string): string {
    this.pushed.add(repository)
    return repository
  }

  /** Records a local image, for the clean-up. */
  madeLocally(ref: string, env: Env = {}): string {
    this.localImages.set(ref, env)
    return ref
  }

  /**
   * A docker configuration of the bench's own with the registry login, beside links to the builders,
   * contexts and plugins of `home` (the user's by default): plain `docker buildx build` and `docker push`
   * need the login, and the configuration they came from is left as it was. One per `home`.
   */
  dockerConfig(home = process.env.DOCKER_CONFIG || join(homedir(), '.docker')): string {
    const made = this.configs.get(home)
    if (made) return made
    const config = this.dir(`docker-config-${basename(home)}`)
    mkdirSync(config)
    for (const entry of ['buildx', 'contexts', 'cli-plugins']) if (existsSync(join(home, entry))) symlinkSync(join(home, entry), join(config, entry))
    const current = (existsSync(join(home, 'config.json')) ? JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) : {}) as { auths?: Record<string, unknown> }
    writeFileSync(join(config, 'config.json'), JSON.stringify({ ...current, auths: { ...current.auths, ...registryAuths() } }))
    this.configs.set(home, config)
    return config
  }

  /**
   * A realistic service, generated: the example app's code and tests under a Dockerfile whose dependency
   * step writes ~360 MB of real binaries (three copies of the base image's /usr/lib, Python's standard
   * library and shared libraries included), as a pip or npm install of a large framework would. Commit 1,
   * then commit 2 changing only application code.
   */
  fixture(base: string, name: string, config: string): Fixture {
    const repo = this.dir(name)
    mkdirSync(repo)
    gitInto(repo, ['-C', root, 'archive', 'HEAD:examples/flask-app', 'app', 'tests', 'requirements.txt'])
    // Dependencies of this fixture alone: no layer any earlier run pushed, so no push is a cross-repository mount.
    appendFileSync(join(repo, 'requirements.txt'), `# ${this.runId} ${name}\n`)
    writeFileSync(
      join(repo, 'Dockerfile'),
      `# Generated by the bench (npm run bench): a real-sized image, whose dependency step writes hundreds of MB of real binaries.
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
    const c1 = commitAll(repo, 'first', '2024-01-01T00:00:00Z')
    appendFileSync(join(repo, 'app/__init__.py'), '\n# A change to application code only.\n')
    const c2 = commitAll(repo, 'second: application code only', '2024-01-02T00:00:00Z')
    return { repo, c1, c2, base, dockerConfig: config }
  }

  /** A fresh clone checked out at one commit, as a runner's checkout leaves it. */
  checkout(fx: Fixture, commit: string, name: string): string {
    run('git', ['clone', '-q', '--no-local', fx.repo, this.dir(name)])
    git(this.dir(name), 'checkout', '-q', commit)
    return this.dir(name)
  }

  /**
   * hashdock's version of a build, timed end to end: one `hashdock build` of the fixture, on the
   * builder, logged in to the registry (the base image lives there); standard output is the JSON alone.
   */
  hashdock(b: Builder, fx: Fixture, image: string, commit: string, { push = false, cache = 'none', compression, test = '', json = true, reuse = false }: HashdockOptions = {}): HashdockRun {
    const args = ['build', '--repo', fx.repo, '--image', image, '--githash', commit, ...(b.name ? ['--builder', b.name] : []), '--build-args', `BASE=${fx.base}`]
    // Logged in whether it pushes or not: the base image is behind the registry's login.
    args.push('--push', String(push), '--cache', cache, '--registry-username', testbed.username, '--build-login', 'true', ...(json ? ['--json'] : []))
    if (compression) args.push('--compression', compression)
    if (test) args.push('--test-command', test)
    if (reuse) args.push('--reuse', 'true')
    if (push) this.pushesTo(image)
    const r = run('node', [this.cli, ...args], { ...b.env, HASHDOCK_REGISTRY_PASSWORD: testbed.password })
    const ph = phases(r.log)
    // The text report states the build step's own time, also when it is too short for the log to time it.
    const buildSeconds = json ? (ph.Build ?? 0) : Number(/^\s*Build\s+([\d.]+) s\s*$/m.exec(r.out)?.[1] ?? NaN)
    return { ...r, outputs: json ? (JSON.parse(r.out) as Record<string, string>) : {}, phases: ph, buildSeconds, steps: exportSteps(r.log) }
  }

  /** A plain `docker buildx build --load` of a fresh clone on the builder, timed; then `docker push`, timed. */
  plain(b: Builder, fx: Fixture, commit: string, name: string): PlainRun {
    const repository = this.pushesTo(this.repository(name))
    const ref = this.madeLocally(`${repository}:${commit.slice(0, 12)}`, b.env)
    const env = { ...b.env, DOCKER_CONFIG: fx.dockerConfig }
    const build = run('docker', ['buildx', 'build', ...(b.name ? ['--builder', b.name] : []), '--progress', 'plain', '--load', '--tag', ref, '--build-arg', `BASE=${fx.base}`, this.checkout(fx, commit, name)], env)
    const pushed = run('docker', ['push', '--quiet', ref], env)
    return { ref, build: build.seconds, push: pushed.seconds, steps: exportSteps(build.log) }
  }

  /** Removes what the bench made; a problem here is a warning, never the bench's result. */
  async cleanUp(): Promise<void> {
    for (const step of [
      () => this.localImages.forEach((env, ref) => spawnSync('docker', ['image', 'rm', '--force', ref], { stdio: 'ignore', env: { ...process.env, ...env } })),
      // Every tag the bench pushed (the test bed's registry allows deletes); the registry itself stays.
      async () => {
        for (const repository of this.pushed) await deleteTags(repository)
      },
      () => rmSync(this.tmp, { recursive: true, force: true })
    ]) {
      try {
        await step()
      } catch (error) {
        console.error(`[bench] warning: clean-up: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
}
