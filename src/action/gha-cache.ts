// Keeps BuildKit's local layer cache between runs in GitHub's cache service (`cache: gha`).
//
// @actions/cache can leave HTTP work behind it (keep-alive sockets to the blob store, a request that
// lost a race against its timeout) that keeps Node's event loop alive: a step that restores or saves
// must end its process deliberately once its work is done, or it may hang until those time out.
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

const keyPrefix = 'hashdock-buildcache'

/** Which line of cache entries a build belongs to. */
export interface CacheScope {
  /** The image repository, without tag or digest. */
  image: string
  /** The branch being built; its own entries are preferred. */
  ref: string
  /** The branch whose entries every other branch falls back to; `main` when unknown. */
  defaultBranch?: string
}

export interface RestoreResult {
  /** `exact`: this commit's entry; `fallback`: an older one of the branch or of the default branch. */
  hit: 'exact' | 'fallback' | 'none'
  /** The key of the entry restored. */
  key?: string
}

/** The scope of this workflow run: the PR's head branch or the pushed ref, and the repository's default branch. */
export function cacheScope(image: string, env: NodeJS.ProcessEnv = process.env): CacheScope {
  return { image, ref: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '', defaultBranch: eventDefaultBranch(env.GITHUB_EVENT_PATH) }
}

/** The key a commit's cache is saved under, and the prefixes tried, in order, when it is missing. */
export function cacheKeys(scope: CacheScope, commit: string): { key: string; restoreKeys: string[] } {
  const defaultBranch = scope.defaultBranch || 'main'
  const line = (branch: string): string => `${keyPrefix}-${sanitize(scope.image)}-${sanitize(branch)}-`
  const branchLine = line(scope.ref || defaultBranch)
  return { key: `${branchLine}${commit}`, restoreKeys: [...new Set([branchLine, line(defaultBranch)])] }
}

/** Restores the nearest cache into `dir`; never throws, a miss or a service problem builds cold. */
export async function restoreBuildCache(dir: string, scope: CacheScope, commit: string): Promise<RestoreResult> {
  if (!cache.isFeatureAvailable()) {
    core.info("GitHub's cache service is not available to this step: building without a restored cache.")
    return { hit: 'none' }
  }
  const { key, restoreKeys } = cacheKeys(scope, commit)
  try {
    const matched = await cache.restoreCache([dir], key, restoreKeys)
    if (!matched) return { hit: 'none' }
    return { hit: matched === key ? 'exact' : 'fallback', key: matched }
  } catch (error) {
    core.warning(`Build cache not restored: ${message(error)}`)
    return { hit: 'none' }
  }
}

/**
 * Saves `dir` as this commit's cache; true when an entry was written. Never throws. Entries are
 * immutable, so a commit whose entry already exists is not saved again.
 */
export async function saveBuildCache(dir: string, scope: CacheScope, commit: string): Promise<boolean> {
  if (!cache.isFeatureAvailable()) return false
  if (!existsSync(dir) || readdirSync(dir).length === 0) {
    core.info(`No build cache in ${dir} to save.`)
    return false
  }
  const { key } = cacheKeys(scope, commit)
  try {
    // Asked here rather than remembered from the restore: main and post steps are separate processes.
    if ((await cache.restoreCache([dir], key, [], { lookupOnly: true })) === key) {
      core.info(`Build cache ${key} already exists; not saving it again.`)
      return false
    }
    // -1 means @actions/cache gave up and has already logged why.
    if ((await cache.saveCache([dir], key)) !== -1) return true
    core.warning(`Build cache not saved under ${key}: the next run starts from an older cache.`)
  } catch (error) {
    core.warning(`Build cache not saved: ${message(error)}`)
  }
  return false
}

/** Key parts may not hold commas; anything outside a conservative set becomes `-`. */
function sanitize(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, '-')
}

function eventDefaultBranch(eventPath: string | undefined): string | undefined {
  if (!eventPath) return undefined
  try {
    const branch = JSON.parse(readFileSync(eventPath, 'utf8'))?.repository?.default_branch
    return typeof branch === 'string' && branch ? branch : undefined
  } catch {
    return undefined
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
