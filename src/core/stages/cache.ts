// BuildKit's layer cache, kept across runs: in the registry beside the image, or in a directory an adapter saves.
import { existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Input } from '../constants.js'
import type { Log } from '../log.js'
import type { Plan } from './plan.js'

export interface CacheArrangement {
  /** buildx arguments that import and export the cache. */
  args: string[]
  /** After a build, moves the freshly exported local cache into place (local caches only). */
  settle(): Promise<void>
}

const none: CacheArrangement = { args: [], settle: async () => {} }

/**
 * `registry` keeps the cache as `<image>:buildcache` (an OCI image manifest, which every registry
 * accepts); `gha` exports to `localDir`, which the GitHub adapter restores before and saves after.
 * Exports never fail a build (ignore-error): a cache is an optimisation, never a reason to stop.
 */
export function arrangeCache(p: Plan, localDir: string | undefined, log: Log): CacheArrangement {
  const mode = p.strategy.cache
  // The cache holds every layer compressed as the image holds it: a run that restores the cache then
  // exports its layers as they are instead of recompressing each one, and in the registry the cache and
  // the image share their blobs instead of each uploading its own.
  const compression = `compression=${p.strategy.compression},force-compression=true`
  if (mode === 'registry') {
    const ref = `${p.image}:buildcache`
    if (!p.inputs[Input.Push]) log.notice(`cache: registry reads ${ref} but exports nothing, since push is false`)
    return {
      args: [
        '--cache-from', `type=registry,ref=${ref}`,
        ...(p.inputs[Input.Push] ? ['--cache-to', `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true,${compression},ignore-error=true`] : [])
      ],
      settle: async () => {}
    }
  }
  if (mode === 'gha') {
    // plan refused gha without the cache service: a store is there.
    if (!localDir) return none
    // A fresh export each time: exporting into the old directory would grow it without bound.
    const fresh = `${localDir}.new`
    return {
      args: [
        ...(existsSync(`${localDir}/index.json`) ? ['--cache-from', `type=local,src=${localDir}`] : []),
        '--cache-to', `type=local,dest=${fresh},mode=max,${compression},ignore-error=true`
      ],
      async settle() {
        if (!existsSync(`${fresh}/index.json`)) return
        await rm(localDir, { recursive: true, force: true })
        await rename(fresh, localDir)
      }
    }
  }
  return none
}
