// BuildKit's layer cache, kept across runs: in the registry beside the image, or in a directory an adapter saves.
import { existsSync } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Log } from '../log.js'
import type { Plan } from './plan.js'

export interface CacheArrangement {
  /** buildx arguments that import and export the cache. */
  args: string[]
  /**
   * After a build, moves the freshly exported local cache into place (local caches only). Returns
   * whether there is anything new for the adapter to save: false when this run exports nothing, or its
   * export holds no blob the restored cache lacked.
   */
  settle(): Promise<boolean>
}

const none: CacheArrangement = { args: [], settle: async () => false }

/**
 * `registry` keeps the cache as `<image>:buildcache` (an OCI image manifest, which every registry
 * accepts); `gha` exports to `localDir`, which the GitHub adapter restores before and saves after.
 * Exports never fail a build (ignore-error): a cache is an optimisation, never a reason to stop.
 *
 * A pull request's run reads the default branch's cache and writes none: the branch is not trusted
 * to fill the cache the next trusted build reads. With cache-pull-requests: write, it writes its own
 * (`<image>:buildcache-pr-<n>`, or its branch's gha entries), never the default branch's.
 */
export function arrangeCache(p: Plan, localDir: string | undefined, log: Log): CacheArrangement {
  const mode = p.strategy.cache
  const pr = p.workspace.event?.pr
  const write = p.build.cacheWrite
  // The cache holds every layer compressed as the image is: a run that restores it does not recompress
  // a layer to build on it. The cache keeps the layers as the steps made them, before their times are
  // rewritten to the image clock, so in the registry the cache and the image share only the base
  // image's layers (BuildKit has no export of the rewritten ones).
  const exported = `mode=${p.build.cacheMode},${`compression=${p.strategy.compression},force-compression=true`}`
  if (mode === 'registry') {
    const ref = `${p.image}:buildcache`
    const own = pr ? `${ref}-pr-${pr}` : ref
    if (!p.publish.push) log.notice(`cache: registry reads ${ref} but exports nothing, since push is false`)
    else if (!write) log.info(`Layer cache: this pull request reads ${ref} and writes none (cache-pull-requests: write gives it ${own})`)
    return {
      args: [
        ...(own !== ref && write ? ['--cache-from', `type=registry,ref=${own}`] : []),
        '--cache-from', `type=registry,ref=${ref}`,
        ...(p.publish.push && write ? ['--cache-to', `type=registry,ref=${own},${exported},image-manifest=true,oci-mediatypes=true,ignore-error=true`] : [])
      ],
      settle: async () => false
    }
  }
  if (mode === 'gha') {
    // plan refused gha without the cache service: a store is there.
    if (!localDir) return none
    if (!write) log.info('Layer cache: this pull request reads the cache and saves none (cache-pull-requests: write saves its own)')
    // A fresh export each time: exporting into the old directory would grow it without bound.
    const fresh = `${localDir}.new`
    return {
      args: [
        ...(existsSync(`${localDir}/index.json`) ? ['--cache-from', `type=local,src=${localDir}`] : []),
        ...(write ? ['--cache-to', `type=local,dest=${fresh},${exported},ignore-error=true`] : [])
      ],
      async settle() {
        if (!write || !existsSync(`${fresh}/index.json`)) return false
        const before = await blobsOf(localDir)
        const added = [...(await blobsOf(fresh))].filter(b => !before.has(b))
        if (!added.length) {
          // Every blob of the export is in the restored cache already: saving it again would add nothing.
          log.info('Layer cache unchanged: nothing new to save')
          await rm(fresh, { recursive: true, force: true })
          return false
        }
        await rm(localDir, { recursive: true, force: true })
        await rename(fresh, localDir)
        return true
      }
    }
  }
  return none
}

/** The blobs of a local cache directory (an OCI layout), by digest; empty when there is none. */
export async function blobsOf(dir: string): Promise<Set<string>> {
  const blobs = join(dir, 'blobs', 'sha256')
  return new Set(existsSync(blobs) ? (await readdir(blobs)).map(hex => `sha256:${hex}`) : [])
}
