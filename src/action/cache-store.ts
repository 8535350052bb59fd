// Chooses the layer cache for a GitHub run, and backs `cache: gha` with GitHub's cache service.
import * as cache from '@actions/cache'
import * as core from '@actions/core'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { type CacheStore, Input, type Inputs, megabytes } from '../core/index.js'
import { cacheScope, restoreBuildCache, saveBuildCache } from './gha-cache.js'

/** An empty cache input becomes gha where GitHub's cache service answers, else none (said once, as a notice). */
export function resolveCacheMode(inputs: Inputs): Inputs {
  if (inputs[Input.Cache]) return inputs
  // Checked first: without the service, each restore and save burns seconds on retries.
  if (cache.isFeatureAvailable()) return { ...inputs, [Input.Cache]: 'gha' }
  core.notice("cache: GitHub's cache service is not available here, so builds start cold; set cache: registry to keep the cache in the registry.")
  return { ...inputs, [Input.Cache]: 'none' }
}

export function ghaCacheStore(image: string): CacheStore {
  // A fixed path: @actions/cache versions its entries by the paths saved.
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'hashdock-buildcache')
  const scope = cacheScope(image)
  return {
    dir,
    async restore(commit) {
      const { hit, key } = await restoreBuildCache(dir, scope, commit)
      core.info(hit === 'none' ? 'No layer cache found: building cold.' : `Layer cache restored from ${key} (${hit}).`)
    },
    async save(commit) {
      const saved = await saveBuildCache(dir, scope, commit)
      if (saved.saved) {
        core.info(`Layer cache saved: ${saved.uploaded} layer${saved.uploaded === 1 ? '' : 's'} uploaded (${megabytes(saved.uploadedBytes)}), ${saved.shared} already held by earlier entries.`)
      }
    }
  }
}
