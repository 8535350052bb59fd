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
export async function login(logins: RegistryLogin[], workDir: string, registries: string[] = []): Promise<RegistrySession> {
  const userDir = userConfigDir()
  const config = await userConfig(userDir)
  // Registries the run pushes to or reads from through the user's credential store or helpers: resolved
  // once into the run's own credentials file, since skopeo and the registry client read a file.
  const logged = new Set(logins.map(l => l.registry))
  const stored = await storedCredentials(config, registries.filter(r => !logged.has(r)))
  if (!logins.length) {
    const own = join(userDir, 'config.json')
    if (!Object.keys(stored).length) return { registries: [], authfile: existsSync(own) ? own : undefined }
    return { registries: [], authfile: await authFile(workDir, { ...(config.auths as object), ...stored }, config) }
  }
  const dir = await mkdtemp(join(workDir, 'docker-config-'))
  // buildx keeps builders in the configuration directory: the run's builders must land in the user's.
  await mkdir(join(userDir, 'buildx'), { recursive: true })
  // An empty helper for each registry keeps its login in this file, out of the user's credential store.
  const keys = logins.flatMap(({ registry }) => credentialKeys(registry))
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
  const written = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
  const authfile = await authFile(dir, { ...(written.auths ?? {}), ...stored }, config)
  // Every program the run starts (buildx, compose, the tests' docker calls) reads this configuration.
  const previous = process.env.DOCKER_CONFIG
  process.env.DOCKER_CONFIG = dir
  return { registries: logins.map(l => l.registry), authfile, overlay: { dir, previous } }
}

/**
 * The credentials file skopeo and the registry client read: the logins themselves, and the user's
 * named helpers (skopeo reads an empty helper as a helper named '', so those are left out; a
 * credential store is resolved into auths by storedCredentials instead).
 */
async function authFile(dir: string, auths: Record<string, unknown>, config: Record<string, unknown>): Promise<string> {
  const helpers = Object.fromEntries(Object.entries((config.credHelpers ?? {}) as Record<string, string>).filter(([, helper]) => helper))
  const file = join(dir, 'skopeo-auth.json')
  await writeFile(file, JSON.stringify({ auths, credHelpers: helpers }), { mode: 0o600 })
  return file
}

/** The names docker files a registry's credentials under: Docker Hub has its historical one first. */
export const credentialKeys = (registry: string): string[] => (registry === DOCKER_HUB ? ['https://index.docker.io/v1/', DOCKER_HUB] : [registry, `https://${registry}`])

/**
 * The `auths` entries of the registries whose credentials a docker configuration keeps in a credential
 * store or helper (credsStore, credHelpers), as docker itself would find them; a registry the store does
 * not know is left out.
 */
async function storedCredentials(config: Record<string, unknown>, registries: string[]): Promise<Record<string, { auth: string }>> {
  const found: Record<string, { auth: string }> = {}
  const auths = (config.auths ?? {}) as Record<string, { auth?: string }>
  for (const registry of new Set(registries)) {
    const keys = credentialKeys(registry)
    if (keys.some(k => auths[k]?.auth)) continue
    const auth = await helperCredentials(config, registry)
    if (auth) found[keys[0]] = { auth }
  }
  return found
}

/**
 * `user:secret`, base64, from the helper a docker configuration names for `registry` (its credHelpers
 * entry, else its credsStore); undefined when there is none or it knows no credentials for it. The
 * helper answers on standard output; the secret never reaches an argument list.
 */
export async function helperCredentials(config: { credHelpers?: unknown; credsStore?: unknown }, registry: string): Promise<string | undefined> {
  const keys = credentialKeys(registry)
  const helpers = (config.credHelpers ?? {}) as Record<string, string>
  const helper = keys.map(k => helpers[k]).find(h => h !== undefined) ?? (typeof config.credsStore === 'string' ? config.credsStore : undefined)
  if (!helper) return undefined
  const r = await run(`docker-credential-${helper}`, ['get'], { input: keys[0], allowFailure: true }).catch(() => undefined)
  if (!r || r.exitCode !== 0) return undefined
  const { Username, Secret } = JSON.parse(r.stdout) as { Username: string; Secret: string }
  return Buffer.from(`${Username}:${Secret}`).toString('base64')
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
