// Stage 5: push the tested archive unchanged under every tag; the registry holds the tested digest.
import type { Built } from './build.js'
import type { RegistrySession } from './docker-config.js'
import type { Log } from './log.js'
import type { TestRun } from './test.js'
import { references, type Plan } from './plan.js'
import { pushArchive, tagDigest } from './registry.js'

export interface Published {
  references: string[]
  digest: string
}

/**
 * The full-hash tag first, from the archive itself; the other tags then name the manifest the
 * registry already holds, so every tag points at the digest that was tested.
 */
export async function publish(p: Plan, built: Built, tests: TestRun[], session: RegistrySession, log: Log): Promise<Published> {
  // The index lists exactly the platform images that were built; each must be one a passing test ran.
  const untested = tests.length ? built.platforms.filter(i => !tests.some(t => t.passed && t.digest === i.digest)) : []
  if (untested.length) {
    throw new Error(`the index lists ${untested.map(i => `${i.platform} (${i.digest})`).join(', ')}, which no passing test ran: nothing was pushed`)
  }
  const [first, ...others] = references(p)
  log.info(`Pushing ${first}`)
  const digest = await pushArchive(built.archive, first, session, p.workspace.workDir)
  if (digest !== built.digest) {
    throw new Error(`the registry holds ${digest} for ${first}, not the tested ${built.digest}: it changed the manifest on push; no other tag was pushed`)
  }
  await retag(p, digest, others, session, log)
  return { references: [first, ...others], digest }
}

export async function retag(p: Plan, digest: string, refs: string[], session: RegistrySession, log: Log): Promise<void> {
  for (const ref of refs) {
    log.info(`Tagging ${ref}`)
    await tagDigest(p.image, digest, ref, session)
  }
}
