// The docker configuration a run works with: the user's own, whole, plus hashdock's registry login.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { RegistryLogin } from '../build-inputs.js'
import { Input } from '../constants.js'
import { lastLine, ServiceError } from '../errors.js'
import { run } from './exec.js'
import type { RetryPolicy } from './retry.js'
import { DOCKER_HUB } from '../image-ref.js'

/** The user's docker configuration directory, as the docker CLI finds it. */
export const userConfigDir = (): string => process.env.DOCKER_CONFIG || join(homedir(), '.docker')

export interface RegistrySession {
  /** The registries the run logged in to itself; the others use the user's own logins. */
  registries: string[]
  /** The configuration directory every docker, buildx and compose call of the run reads. */
  configDir: string
  /** The credentials file skopeo reads (a docker config.json), when there is one. */
  authfile?: string
  /** How every registry operation of the run is retried and bounded in time; the defaults when unset. */
  retry?: RetryPolicy
  /** Set when the run logged in: a copy of the user's configuration, removed by logout. */
  overlay?: { dir: string; previous: string | undefined }
}

/**
 * Logs in before anything is built, so refused credentials fail in seconds, not after the build.
 * The login goes into a copy of the user's config.json, beside links to everything else in the user's
 * configuration directory (buildx builders and the selected one, contexts, plugins): logins made before
 * (docker/login-action), credential helpers and the selected builder keep working, the build reads base
 * images and the cache with hashdock's login, and removing the copy removes only what hashdock added.
 */
export async function login(logins: RegistryLogin[], workDir: string): Promise<RegistrySession> {
  const userDir = userConfigDir()
  if (!logins.length) {
    const own = join(userDir, 'config.json')
    return { registries: [], configDir: userDir, authfile: existsSync(own) ? own : undefined }
  }
  const dir = await mkdtemp(join(workDir, 'docker-config-'))
  // buildx keeps builders in the configuration directory: the run's builders must land in the user's.
  await mkdir(join(userDir, 'buildx'), { recursive: true })
  const config = await userConfig(userDir)
  // An empty helper for each registry keeps its login in this file, out of the user's credential store.
  const keys = logins.flatMap(({ registry }) => (registry === DOCKER_HUB ? [registry, 'https://index.docker.io/v1/'] : [registry]))
  config.credHelpers = { ...(config.credHelpers as object), ...Object.fromEntries(keys.map(k => [k, ''])) }
  await overlay(dir, userDir, () => true, config)

  for (const { registry, username, password, from } of logins) {
    const r = await run('docker', ['--config', dir, 'login', registry, '--username', username, '--password-stdin'], { input: password, allowFailure: true })
    if (r.exitCode !== 0) {
      await rm(dir, { recursive: true, force: true })
      const why = lastLine(r.stderr)
      if (/unauthorized|denied|incorrect|401|403/i.test(why)) {
        throw new ServiceError(from, `${registry} refused the login of ${username}: ${why}`)
      }
      throw new ServiceError(Input.Image, `registry ${registry} is unreachable: ${why}`)
    }
  }
  // skopeo reads an empty credential helper as a helper named '': it gets the logins themselves, and
  // the user's other helpers.
  const written = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
  const helpers = Object.fromEntries(Object.entries(config.credHelpers as Record<string, string>).filter(([, helper]) => helper))
  const authfile = join(dir, 'skopeo-auth.json')
  await writeFile(authfile, JSON.stringify({ auths: written.auths ?? {}, credHelpers: helpers }), { mode: 0o600 })
  // Every program the run starts (buildx, compose, the tests' docker calls) reads this configuration.
  const previous = process.env.DOCKER_CONFIG
  process.env.DOCKER_CONFIG = dir
  return { registries: logins.map(l => l.registry), configDir: dir, authfile, overlay: { dir, previous } }
}

/**
 * A configuration without logins, credential stores or helpers: the user's CLI plugins and contexts
 * (so the same plugins and the same engine are found), and nothing else. What compose gets for an
 * untrusted commit.
 */
export async function credentialFreeConfig(dir: string): Promise<string> {
  const userDir = userConfigDir()
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const own = await userConfig(userDir)
  const kept = Object.fromEntries(['currentContext', 'cliPluginsExtraDirs'].filter(k => own[k] !== undefined).map(k => [k, own[k]]))
  await overlay(dir, userDir, entry => entry === 'cli-plugins' || entry === 'contexts', kept)
  return dir
}

/** The user's config.json, or nothing. */
async function userConfig(userDir: string): Promise<Record<string, unknown>> {
  const file = join(userDir, 'config.json')
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {}
}

/** A configuration directory beside the user's: links to the entries of it `keep` chooses, and a config.json of hashdock's. */
async function overlay(dir: string, userDir: string, keep: (entry: string) => boolean, config: Record<string, unknown>): Promise<void> {
  for (const entry of await readdir(userDir).catch(() => [] as string[])) {
    if (entry !== 'config.json' && keep(entry)) await symlink(join(userDir, entry), join(dir, entry))
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 })
}

export async function logout(session: RegistrySession): Promise<void> {
  if (!session.overlay) return
  if (session.overlay.previous === undefined) delete process.env.DOCKER_CONFIG
  else process.env.DOCKER_CONFIG = session.overlay.previous
  await rm(session.overlay.dir, { recursive: true, force: true })
}
