// A local stand-in for GitHub's cache service (v2) and its blob storage, so tests run the real @actions/cache.
import { startResultsService, TwirpError, type StoredBlob } from './results-service.js'

export interface CacheServer {
  /** Base URL, with a trailing slash, as the runner hands out ACTIONS_RESULTS_URL. */
  url: string
  /** What a process needs to reach this service through @actions/cache. */
  env: Record<string, string>
  close(): Promise<void>
  /** Keys of the finalized entries, oldest first. */
  entries(): string[]
  /** Bytes of each finalized entry, by key, as uploaded (compressed archives). */
  sizes(): Record<string, number>
  /** Every request seen: the API method name, or `PUT blob`, `GET blob`… for storage. */
  requests(): string[]
  /** Answer every later call of an API method with this HTTP status (a twirp error); no status ends that. */
  fail(method: string, status?: number): void
}

interface Entry {
  id: number
  key: string
  version: string
  blob: StoredBlob
  /** The signed URL of its blob, to upload to and, once finalized, to download from. */
  url: string
  /** When it was finalized, on the server's clock; unset while the upload is pending. */
  finalized?: number
}

export async function startCacheServer(): Promise<CacheServer> {
  const entries: Entry[] = []
  let clock = 0

  const results = await startResultsService('CacheService', 'caches', ({ createBlob }) => ({
    CreateCacheEntry({ key, version }) {
      if (entries.some(e => e.key === key && e.version === version)) {
        throw new TwirpError(409, 'already_exists', 'cache entry with the same key and version already exists')
      }
      const entry: Entry = { id: entries.length + 1, key: String(key), version: String(version), ...createBlob('rcw') }
      entries.push(entry)
      return { ok: true, signed_upload_url: entry.url }
    },
    FinalizeCacheEntryUpload({ key, version, size_bytes }) {
      const entry = entries.find(e => e.key === key && e.version === version && e.finalized === undefined)
      if (!entry) throw new TwirpError(404, 'not_found', 'no pending cache entry for this key and version')
      const size = entry.blob.data?.length
      if (size !== Number(size_bytes)) return { ok: false, message: `uploaded ${size ?? 0} bytes, not ${size_bytes}` }
      entry.finalized = ++clock
      entry.blob.sealed = true
      return { ok: true, entry_id: String(entry.id) }
    },
    GetCacheEntryDownloadURL({ key, restore_keys, version }) {
      const candidates = entries.filter(e => e.finalized !== undefined && e.version === version).sort((a, b) => b.finalized! - a.finalized!)
      // The service's order: the key itself, then each key (primary first) as a prefix, newest entry first.
      const prefixes = [String(key), ...((restore_keys as string[] | undefined) ?? [])]
      const match = candidates.find(e => e.key === key) ?? prefixes.map(p => candidates.find(e => e.key.startsWith(p))).find(Boolean)
      return match ? { ok: true, signed_download_url: match.url, matched_key: match.key } : { ok: false }
    }
  }))

  return {
    url: results.url,
    // Without ACTIONS_CACHE_SERVICE_V2, @actions/cache talks the v1 protocol, which this stand-in does not serve.
    env: { ...results.env, ACTIONS_CACHE_SERVICE_V2: 'true' },
    entries: () => entries.filter(e => e.finalized !== undefined).sort((a, b) => a.finalized! - b.finalized!).map(e => e.key),
    sizes: () => Object.fromEntries(entries.filter(e => e.finalized !== undefined).map(e => [e.key, e.blob.data?.length ?? 0])),
    requests: results.requests,
    fail: results.fail,
    close: results.close
  }
}
