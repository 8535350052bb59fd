// Keeps BuildKit's local layer cache between runs in GitHub's cache service (`cache: gha`).
//
// @actions/cache can leave HTTP work behind it (keep-alive sockets to the blob store, a request that
// lost a race against its timeout) that keeps Node's event loop alive: a step that restores or saves
// must end its process deliberately once its work is done, or it may hang until those time out.
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { cp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

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

/**
 * A commit's cache is one small entry — BuildKit's index, its cache manifest and config, and the list
 * of its layers — plus one entry per layer, keyed by the layer's digest and shared by every commit
 * whose cache holds it: a commit uploads only the layers no earlier commit uploaded. Small blobs ride
 * in the commit's entry, where an entry of their own would cost more requests than bytes.
 */
const SHARED_BLOB_BYTES = 256 * 1024

/** What the commit's entry lists: the layers kept as entries of their own. */
const LISTING = 'hashdock-shared-blobs.json'

/** The key of a layer's own entry: one per image and digest, whichever commit saved it first. */
export function blobKey(scope: CacheScope, hex: string): string {
  return `hashdock-blob-${sanitize(scope.image)}-${hex}`
}

/** The fixed directory a commit's entry is saved from and restored to (entries are versioned by path). */
const headDir = (dir: string): string => `${dir}-head`
const blobPath = (dir: string, hex: string): string => join(dir, 'blobs', 'sha256', hex)

/** Restores the nearest cache into `dir`; never throws, a miss or a service problem builds cold. */
export async function restoreBuildCache(dir: string, scope: CacheScope, commit: string): Promise<RestoreResult> {
  if (!cache.isFeatureAvailable()) {
    core.info("GitHub's cache service is not available to this step: building without a restored cache.")
    return { hit: 'none' }
  }
  const { key, restoreKeys } = cacheKeys(scope, commit)
  const head = headDir(dir)
  try {
    await rm(head, { recursive: true, force: true })
    const matched = await cache.restoreCache([head], key, restoreKeys)
    if (!matched) return { hit: 'none' }
    const shared = JSON.parse(await readFile(join(head, LISTING), 'utf8')) as string[]
    await rm(dir, { recursive: true, force: true })
    await cp(head, dir, { recursive: true, filter: source => source !== join(head, LISTING) })
    // Each layer from its own entry, and checked: a layer that is missing or not what its digest says
    // leaves no cache at all, since BuildKit cannot import a cache with a hole in it.
    const missing = await mapLimit(shared, 4, async hex => {
      const path = blobPath(dir, hex)
      const found = (await cache.restoreCache([path], blobKey(scope, hex))) !== undefined && (await sha256File(path)) === hex
      return found ? undefined : hex
    })
    const hole = missing.find(Boolean)
    if (hole) {
      await rm(dir, { recursive: true, force: true })
      core.warning(`Build cache ${matched} not restored: its layer sha256:${hole} is not in the cache service; building cold.`)
      return { hit: 'none' }
    }
    return { hit: matched === key ? 'exact' : 'fallback', key: matched }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    core.warning(`Build cache not restored: ${message(error)}`)
    return { hit: 'none' }
  } finally {
    await rm(head, { recursive: true, force: true })
  }
}

/** What a save uploaded: the layers no earlier entry held, and the commit's own entry. */
export interface SavedCache {
  /** Whether the commit's entry was written. */
  saved: boolean
  /** Bytes of the layers uploaded as entries of their own (the commit's entry is small beside them). */
  uploadedBytes: number
  /** Layers uploaded, and layers another commit's entry had uploaded already. */
  uploaded: number
  shared: number
}

/**
 * Saves `dir` as this commit's cache: each large layer no entry holds yet as an entry of its own, then
 * the commit's entry. Never throws. Entries are immutable, so a commit whose entry already exists is
 * not saved again.
 */
export async function saveBuildCache(dir: string, scope: CacheScope, commit: string): Promise<SavedCache> {
  const nothing: SavedCache = { saved: false, uploadedBytes: 0, uploaded: 0, shared: 0 }
  if (!cache.isFeatureAvailable()) return nothing
  if (!existsSync(join(dir, 'index.json'))) {
    core.info(`No build cache in ${dir} to save.`)
    return nothing
  }
  const { key } = cacheKeys(scope, commit)
  const head = headDir(dir)
  try {
    // Asked here rather than remembered from the restore: main and post steps are separate processes.
    if ((await cache.restoreCache([head], key, [], { lookupOnly: true })) === key) {
      core.info(`Build cache ${key} already exists; not saving it again.`)
      return nothing
    }
    const blobs = existsSync(join(dir, 'blobs', 'sha256')) ? await readdir(join(dir, 'blobs', 'sha256')) : []
    const sizes = await Promise.all(blobs.map(async hex => ({ hex, size: (await stat(blobPath(dir, hex))).size })))
    const large = sizes.filter(b => b.size >= SHARED_BLOB_BYTES)
    const outcomes = await mapLimit(large, 4, async ({ hex, size }) => {
      const path = blobPath(dir, hex)
      if ((await cache.restoreCache([path], blobKey(scope, hex), [], { lookupOnly: true })) !== undefined) return { hex, size, uploaded: false }
      // -1 means @actions/cache gave up and has already logged why.
      if ((await cache.saveCache([path], blobKey(scope, hex))) === -1) throw new Error(`layer sha256:${hex} could not be saved`)
      return { hex, size, uploaded: true }
    })
    await rm(head, { recursive: true, force: true })
    await cp(dir, head, { recursive: true, filter: source => !large.some(b => source === blobPath(dir, b.hex)) })
    await writeFile(join(head, LISTING), JSON.stringify(large.map(b => b.hex).sort()))
    if ((await cache.saveCache([head], key)) === -1) {
      core.warning(`Build cache not saved under ${key}: the next run starts from an older cache.`)
      return nothing
    }
    const uploaded = outcomes.filter(o => o.uploaded)
    return { saved: true, uploadedBytes: uploaded.reduce((n, o) => n + o.size, 0), uploaded: uploaded.length, shared: outcomes.length - uploaded.length }
  } catch (error) {
    core.warning(`Build cache not saved: ${message(error)}`)
    return nothing
  } finally {
    await rm(head, { recursive: true, force: true })
  }
}

/** sha256 of a file's bytes, hex; undefined when it cannot be read. */
async function sha256File(path: string): Promise<string | undefined> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  } catch {
    return undefined
  }
  return hash.digest('hex')
}

/** Runs fn over items, at most `limit` at a time; results in the items' order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
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
