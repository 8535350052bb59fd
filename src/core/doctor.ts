// What a build needs on this machine, asked of the programs themselves: each check a fact, whether a
// build can go on without it, and what to do about it. Nothing is changed, and no secret is read out.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { lastLine, ProgramMissing } from './errors.js'
import { userConfigDir } from './programs/docker-config.js'
import { run } from './programs/exec.js'
import { Git } from './programs/git.js'

/** ok: all set; warn: a build runs, with less (no push, no emulation, …); fail: no build can run. */
export type CheckState = 'ok' | 'warn' | 'fail'

export interface Check {
  id: 'docker' | 'engine' | 'image-store' | 'buildx' | 'builder' | 'compose' | 'skopeo' | 'emulation' | 'checkout' | 'logins'
  state: CheckState
  /** What was found, in a few words. */
  found: string
  /** What to do, when the state is not ok. */
  fix?: string
}

export interface DoctorReport {
  checks: Check[]
  /** Whether a build can run here at all: no check failed. */
  ready: boolean
}

const answer = async (command: string, args: string[], cwd?: string): Promise<{ ok: boolean; out: string; err: string } | 'missing'> => {
  try {
    const r = await run(command, args, { allowFailure: true, ...(cwd ? { cwd } : {}) })
    return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr }
  } catch (error) {
    if (error instanceof ProgramMissing) return 'missing'
    throw error
  }
}

export async function doctor(repoDir: string): Promise<DoctorReport> {
  const checks: Check[] = []
  const docker = await answer('docker', ['version', '--format', '{{.Client.Version}}'])
  if (docker === 'missing') {
    checks.push({ id: 'docker', state: 'fail', found: 'not installed, or not on PATH', fix: new ProgramMissing('docker').message.replace(/^[^:]+: /, '') })
  } else {
    checks.push({ id: 'docker', state: 'ok', found: `client ${docker.out.split('\n')[0] || 'of unknown version'}` })
    checks.push(...(await engineChecks()))
  }
  const skopeo = await answer('skopeo', ['--version'])
  checks.push(
    skopeo !== 'missing' && skopeo.ok
      ? { id: 'skopeo', state: 'ok', found: skopeo.out.replace(/^skopeo version /, '') }
      : { id: 'skopeo', state: 'warn', found: 'not installed', fix: "needed to push (builds and tests run without it): install skopeo (apt-get install skopeo; GitHub's Ubuntu runners have it)" }
  )
  checks.push(await emulation())
  checks.push(await checkout(repoDir))
  checks.push(await logins())
  return { checks, ready: !checks.some(c => c.state === 'fail') }
}

/** The engine, its image store, buildx, the selected builder and compose: asked only when docker is there. */
async function engineChecks(): Promise<Check[]> {
  const checks: Check[] = []
  const info = await answer('docker', ['info', '--format', '{{json .}}'])
  const facts = info !== 'missing' && info.ok ? (JSON.parse(info.out) as { ServerVersion?: string; DriverStatus?: string[][]; OperatingSystem?: string }) : undefined
  if (!facts?.ServerVersion) {
    const why = info === 'missing' ? 'no answer' : lastLine(info.err) || 'no answer'
    checks.push({ id: 'engine', state: 'fail', found: `unreachable: ${why}`, fix: 'start the Docker daemon (or Docker Desktop), or point DOCKER_HOST or the docker context at one' })
  } else {
    checks.push({ id: 'engine', state: 'ok', found: `Docker Engine ${facts.ServerVersion}${facts.OperatingSystem ? ` on ${facts.OperatingSystem}` : ''}` })
    const containerd = (facts.DriverStatus ?? []).some(([key, value]) => key === 'driver-type' && value.startsWith('io.containerd.snapshotter'))
    checks.push(
      containerd
        ? { id: 'image-store', state: 'ok', found: 'containerd image store' }
        : {
            id: 'image-store',
            state: 'warn',
            found: 'classic image store',
            fix: 'builds run on a docker-container builder of the run\'s own (slower the first time); for the engine\'s own builder, turn on the containerd image store ("features": {"containerd-snapshotter": true} in daemon.json)'
          }
    )
  }
  const buildx = await answer('docker', ['buildx', 'version'])
  if (buildx === 'missing' || !buildx.ok) {
    checks.push({ id: 'buildx', state: 'fail', found: 'not installed', fix: 'install the buildx plugin (apt-get install docker-buildx-plugin, or docker-buildx on Debian)' })
  } else {
    checks.push({ id: 'buildx', state: 'ok', found: buildx.out.split(' ').slice(0, 2).join(' ') })
    const inspect = await answer('docker', ['buildx', 'inspect'])
    if (inspect !== 'missing' && inspect.ok) {
      const field = (key: string): string => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(inspect.out)?.[1].trim() ?? ''
      const platforms = field('Platforms')
      checks.push({ id: 'builder', state: 'ok', found: `${field('Name')} (${field('Driver')} driver)${platforms ? `; platforms ${platforms}` : ''}` })
    } else {
      const why = inspect === 'missing' ? 'no answer' : lastLine(inspect.err)
      checks.push({ id: 'builder', state: 'warn', found: `none answers: ${why}`, fix: 'select one with docker buildx use NAME, or create one with docker buildx create --use' })
    }
  }
  const compose = await answer('docker', ['compose', 'version', '--short'])
  checks.push(
    compose !== 'missing' && compose.ok
      ? { id: 'compose', state: 'ok', found: `Docker Compose ${compose.out}` }
      : { id: 'compose', state: 'warn', found: 'not installed', fix: 'needed for --compose-file and integration tests: install the compose plugin (apt-get install docker-compose-plugin)' }
  )
  return checks
}

/** Platforms other than the machine's own run under QEMU, registered with the kernel's binfmt_misc. */
async function emulation(): Promise<Check> {
  const dir = '/proc/sys/fs/binfmt_misc'
  const names = await readdir(dir).catch(() => undefined)
  if (names === undefined) return { id: 'emulation', state: 'warn', found: 'binfmt_misc is not mounted here', fix: 'for --platforms other than this machine\'s, register QEMU (docker run --privileged --rm tonistiigi/binfmt --install all)' }
  const emulated: string[] = []
  for (const name of names.filter(n => /^qemu-/.test(n))) {
    const entry = await readFile(join(dir, name), 'utf8').catch(() => '')
    if (/^enabled$/m.test(entry)) emulated.push(name.replace(/^qemu-/, ''))
  }
  return emulated.length
    ? { id: 'emulation', state: 'ok', found: `QEMU for ${emulated.sort().join(', ')}` }
    : { id: 'emulation', state: 'warn', found: 'no emulator registered', fix: 'for --platforms other than this machine\'s, register QEMU (apt-get install qemu-user-static binfmt-support, or docker run --privileged --rm tonistiigi/binfmt --install all)' }
}

async function checkout(repoDir: string): Promise<Check> {
  const git = new Git(repoDir)
  const top = await git.topLevel().catch((error: unknown) => {
    if (error instanceof ProgramMissing) return 'no git' as const
    throw error
  })
  if (top === 'no git') return { id: 'checkout', state: 'fail', found: 'git is not installed, or not on PATH', fix: 'install git' }
  if (!top) return { id: 'checkout', state: 'warn', found: `${repoDir} is not a git checkout`, fix: 'run hashdock inside a git repository, or pass its directory with --repo' }
  return (await git.isShallow())
    ? { id: 'checkout', state: 'warn', found: `${top}: a shallow clone`, fix: 'older commits, --mtime per-file and Dockerfile advice need the full history: git fetch --unshallow' }
    : { id: 'checkout', state: 'ok', found: `${top}: full history` }
}

/** The registries the docker configuration holds logins for, by name: never a credential. */
async function logins(): Promise<Check> {
  const file = join(userConfigDir(), 'config.json')
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return { id: 'logins', state: 'warn', found: `no ${file}`, fix: 'to push, log in (docker login REGISTRY), or pass --registry-username' }
  let config: { auths?: Record<string, unknown>; credHelpers?: Record<string, string>; credsStore?: string }
  try {
    config = JSON.parse(text)
  } catch {
    return { id: 'logins', state: 'warn', found: `${file} is not JSON`, fix: 'fix or remove it; docker login writes a new one' }
  }
  const registries = [...new Set([...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})])].sort()
  const store = config.credsStore ? ` (credentials in the ${config.credsStore} store)` : ''
  return registries.length
    ? { id: 'logins', state: 'ok', found: `${registries.join(', ')}${store}` }
    : { id: 'logins', state: 'warn', found: `none in ${file}${store}`, fix: 'to push, log in (docker login REGISTRY), or pass --registry-username' }
}
