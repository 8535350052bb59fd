// Stage 5: push the tested archive unchanged to every repository, then tag it; the registries hold the tested digest.
import type { Built } from './build.js'
import { Input } from '../constants.js'
import type { RegistrySession } from '../programs/docker-config.js'
import { Git } from '../programs/git.js'
import { ticking, type Log } from '../log.js'
import type { Plan } from './plan.js'
import { inspectRemote, pushArchive } from '../programs/registry.js'
import { RegistryApi } from '../programs/registry-api.js'
import { InputError, ServiceError } from '../errors.js'
import type { TestRun } from '../results/results.js'

export interface Published {
  references: string[]
  digest: string
  /** Tags left where they were: they name a newer commit than this one (force-tags moves them anyway). */
  heldBack: string[]
  /** The repositories that hold the digest under its full-hash tag. */
  held: string[]
}

/**
 * In three steps, so that no tag ever names an image a registry holds only in part, and a registry
 * that fails leaves nothing behind that looks tested:
 * 1. the archive itself, byte for byte, to every repository by digest (no tag): one digest everywhere,
 *    never a rebuild; a registry takes a manifest only once it holds every blob it names;
 * 2. once every repository holds it, the full-hash tag in each;
 * 3. then the extra tags, each naming the manifest the registry already holds.
 * `held` is filled in as full-hash tags are written, so a caller knows which repositories hold the
 * image even when a later one fails.
 */
export async function publish(p: Plan, built: Built, tests: TestRun[], session: RegistrySession, log: Log, held: string[] = []): Promise<Published> {
  // The index lists exactly the platform images that were built; each must be one a passing test ran.
  const untested = tests.length ? built.platforms.filter(i => !tests.some(t => t.passed && t.digest === i.digest)) : []
  if (untested.length) {
    throw new Error(`the index lists ${untested.map(i => `${i.platform} (${i.digest})`).join(', ')}, which no passing test ran: nothing was pushed`)
  }
  for (const image of p.images) {
    log.info(`Pushing ${image}@${built.digest}`)
    const digest = await ticking(log, seconds => `Pushing ${image}: ${seconds} s`, () => pushArchive(built.archive, image, built.digest, session, p.workspace.workDir, log)).catch(error => {
      throw untagged(error, 'no tag was written in any registry')
    })
    if (digest !== built.digest) {
      throw new ServiceError(Input.Image, `${image} holds ${digest}, not the tested ${built.digest}: the registry changed the manifest on push; no tag was written in any registry`)
    }
  }
  await tagFullHash(p, built.digest, session, log, held)
  const { tagged, heldBack } = await retag(p, built.digest, session, log)
  return { references: [...held.map(image => `${image}:${p.commit}`), ...tagged], digest: built.digest, heldBack, held }
}

/** The full-hash tag in every repository, which each holds `digest` by now; `held` grows as each is written. */
export async function tagFullHash(p: Pick<Plan, 'images' | 'commit'>, digest: string, session: RegistrySession, log: Log, held: string[]): Promise<void> {
  for (const image of p.images) {
    log.info(`Tagging ${image}:${p.commit}`)
    try {
      await (await RegistryApi.open(image, session)).tag(digest, p.commit)
    } catch (error) {
      throw untagged(error, held.length ? `only ${held.join(', ')} hold${held.length === 1 ? 's' : ''} it tagged` : 'no registry holds it tagged')
    }
    held.push(image)
  }
}

/** The failure, with what it left behind said after it: one line still, of the same kind, naming what it named. */
function untagged(error: unknown, left: string): Error {
  if (error instanceof ServiceError) return new ServiceError(error.about, `${error.problem}; ${left}`)
  if (error instanceof InputError) return new InputError(error.input, `${error.problem}; ${left}`, error.remedy)
  return new Error(`${error instanceof Error ? error.message : String(error)}; ${left}`)
}

/** Points every extra tag of every repository at `digest`, except those that would move backward. */
export async function retag(p: Plan, digest: string, session: RegistrySession, log: Log): Promise<{ tagged: string[]; heldBack: string[] }> {
  const tagged: string[] = []
  const heldBack: string[] = []
  for (const image of p.images) {
    const api = await RegistryApi.open(image, session)
    for (const tag of p.tags.slice(1)) {
      const ref = `${image}:${tag}`
      const held = await inspectRemote(ref, session)
      if (held && held.digest !== digest && !p.publish.forceTags && !(await movesForward(p, held.labels))) {
        log.notice(`${ref} stays on ${held.labels['org.opencontainers.image.revision']}, a newer commit than ${p.commit.slice(0, 12)}; force-tags: true moves it anyway`)
        heldBack.push(ref)
        continue
      }
      log.info(`Tagging ${ref}`)
      await api.tag(digest, tag)
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
async function movesForward(p: Pick<Plan, 'commit' | 'commitTime' | 'workspace'>, labels: Record<string, string>): Promise<boolean> {
  const held = labels['org.opencontainers.image.revision']
  if (!held || held === p.commit) return true
  const git = new Git(p.workspace.repoDir)
  if (await git.isAncestor(held, p.commit)) return true
  if (await git.isAncestor(p.commit, held)) return false
  const heldTime = Date.parse(labels['org.opencontainers.image.created'] ?? '') / 1000
  return !(heldTime > p.commitTime)
}
