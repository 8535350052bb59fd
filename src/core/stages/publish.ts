// Stage 5: push the tested archive unchanged to every repository; the registries hold the tested digest.
import type { Built } from './build.js'
import { Input } from '../constants.js'
import type { RegistrySession } from '../programs/docker-config.js'
import { Git } from '../programs/git.js'
import type { Log } from '../log.js'
import type { Plan } from './plan.js'
import { copyDigest, inspectRemote, pushArchive } from '../programs/registry.js'
import type { TestRun } from './test.js'

export interface Published {
  references: string[]
  digest: string
  /** Tags left where they were: they name a newer commit than this one (force-tags moves them anyway). */
  heldBack: string[]
}

/**
 * The full-hash tag of every repository first, each from the archive itself, byte for byte: one
 * digest everywhere, never a rebuild. The other tags then name the manifest each registry already
 * holds, so every tag points at the digest that was tested.
 */
export async function publish(p: Plan, built: Built, tests: TestRun[], session: RegistrySession, log: Log): Promise<Published> {
  // The index lists exactly the platform images that were built; each must be one a passing test ran.
  const untested = tests.length ? built.platforms.filter(i => !tests.some(t => t.passed && t.digest === i.digest)) : []
  if (untested.length) {
    throw new Error(`the index lists ${untested.map(i => `${i.platform} (${i.digest})`).join(', ')}, which no passing test ran: nothing was pushed`)
  }
  const pushed: string[] = []
  for (const image of p.images) {
    const ref = `${image}:${p.commit}`
    log.info(`Pushing ${ref}`)
    const digest = await pushArchive(built.archive, ref, session, p.workspace.workDir)
    if (digest !== built.digest) {
      throw new Error(`the registry holds ${digest} for ${ref}, not the tested ${built.digest}: it changed the manifest on push; no other tag was pushed`)
    }
    pushed.push(ref)
  }
  const { tagged, heldBack } = await retag(p, built.digest, session, log)
  return { references: [...pushed, ...tagged], digest: built.digest, heldBack }
}

/** Points every extra tag of every repository at `digest`, except those that would move backward. */
export async function retag(p: Plan, digest: string, session: RegistrySession, log: Log): Promise<{ tagged: string[]; heldBack: string[] }> {
  const tagged: string[] = []
  const heldBack: string[] = []
  for (const image of p.images) {
    for (const tag of p.tags.slice(1)) {
      const ref = `${image}:${tag}`
      const held = await inspectRemote(ref, session)
      if (held && held.digest !== digest && !p.inputs[Input.ForceTags] && !(await movesForward(p, held.labels))) {
        log.notice(`${ref} stays on ${held.labels['org.opencontainers.image.revision']}, a newer commit than ${p.commit.slice(0, 12)}; force-tags: true moves it anyway`)
        heldBack.push(ref)
        continue
      }
      log.info(`Tagging ${ref}`)
      await copyDigest(image, digest, ref, session)
      tagged.push(ref)
    }
  }
  return { tagged, heldBack }
}

/**
 * Whether pointing a tag at this commit moves it forward from the image it names now: the commit the
 * tag names (its revision label) is this one or an ancestor; for unrelated commits (a force-pushed
 * branch, history this clone lacks), the later commit time wins. An image without the label moves.
 */
export async function movesForward(p: Pick<Plan, 'commit' | 'commitTime' | 'workspace'>, labels: Record<string, string>): Promise<boolean> {
  const held = labels['org.opencontainers.image.revision']
  if (!held || held === p.commit) return true
  const git = new Git(p.workspace.repoDir)
  if (await git.isAncestor(held, p.commit)) return true
  if (await git.isAncestor(p.commit, held)) return false
  const heldTime = Date.parse(labels['org.opencontainers.image.created'] ?? '') / 1000
  return !(heldTime > p.commitTime)
}
