// Stage 5: push the tested image under every tag, and report the digest the registry holds.
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Input } from './constants.js'
import { inspectImage } from './docker.js'
import { CommandError, InputError, lastLine } from './errors.js'
import { run } from './exec.js'
import { registryOf } from './image-ref.js'
import type { Log } from './log.js'
import { references, type Plan } from './plan.js'

/** Where docker keeps this run's registry login; undefined means the machine's own login is used. */
export interface RegistrySession {
  registry: string
  configDir?: string
}

export interface Published {
  references: string[]
  digest: string
}

/**
 * Logs in before anything is built, so refused credentials fail in seconds, not after the build.
 * The login lives in a docker config of this run's own, so it never touches the user's and goes with it.
 */
export async function login(p: Plan, workDir: string, log: Log): Promise<RegistrySession> {
  const registry = registryOf(p.image)
  const username = p.inputs[Input.RegistryUsername]
  if (!p.inputs[Input.Push] || !username) return { registry }
  const configDir = await mkdtemp(join(workDir, 'docker-config-'))
  const r = await run('docker', ['--config', configDir, 'login', registry, '--username', username, '--password-stdin'], {
    input: p.inputs[Input.RegistryPassword],
    allowFailure: true
  })
  if (r.exitCode !== 0) {
    await rm(configDir, { recursive: true, force: true })
    const why = lastLine(r.stderr)
    if (/unauthorized|denied|incorrect|401|403/i.test(why)) {
      throw new InputError(Input.RegistryPassword, `${registry} refused the login of ${username}: ${why}`)
    }
    throw new InputError(Input.Image, `registry ${registry} is unreachable: ${why}`)
  }
  log.info(`Logged in to ${registry} as ${username}`)
  return { registry, configDir }
}

export async function logout(session: RegistrySession): Promise<void> {
  if (!session.configDir) return
  await run('docker', ['--config', session.configDir, 'logout', session.registry], { allowFailure: true })
  await rm(session.configDir, { recursive: true, force: true })
}

/** Tags the tested image ID, pushes the full-hash tag first, then the others; all name one digest. */
export async function publish(p: Plan, imageId: string, session: RegistrySession, log: Log): Promise<Published> {
  const refs = references(p)
  const config = session.configDir ? ['--config', session.configDir] : []
  for (const ref of refs) await run('docker', ['tag', imageId, ref])
  for (const ref of refs) {
    log.info(`Pushing ${ref}`)
    try {
      await run('docker', [...config, 'push', '--quiet', ref])
    } catch (error) {
      const why = error instanceof CommandError ? lastLine(error.stderr) : String(error)
      throw new InputError(Input.Image, `pushing ${ref} to ${session.registry} failed: ${why}`)
    }
  }
  const digest = await pushedDigest(p.image, refs[0])
  return { references: refs, digest }
}

async function pushedDigest(image: string, ref: string): Promise<string> {
  const facts = await inspectImage(ref)
  const entry = facts.repoDigests.find(d => d.startsWith(`${image}@`))
  if (!entry) throw new Error(`the engine recorded no registry digest for ${ref} after the push`)
  return entry.slice(image.length + 1)
}
