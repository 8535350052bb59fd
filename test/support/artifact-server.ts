// A local stand-in for GitHub's artifact service (twirp, v4 artifacts) and its blob storage, so tests
// run the real @actions/artifact: CreateArtifact hands out a signed upload URL, the zip is uploaded to
// it in blocks, and FinalizeArtifact checks its size and sha256 before the artifact counts.
import { createHash } from 'node:crypto'
import { startResultsService, TwirpError, type StoredBlob } from './results-service.js'

export interface UploadedArtifact {
  id: number
  name: string
  /** The zip as uploaded. */
  zip: Buffer
}

export interface ArtifactServer {
  /** What a step needs to reach this service: the results URL and a runtime token naming the run and job. */
  env: Record<string, string>
  /** Artifacts finalized, oldest first. */
  artifacts(): UploadedArtifact[]
  /** Every request seen: the API method name, or `PUT blob`. */
  requests(): string[]
  close(): Promise<void>
}

interface Pending {
  id: number
  name: string
  blob: StoredBlob
}

export async function startArtifactServer(): Promise<ArtifactServer> {
  const all: Pending[] = []

  const results = await startResultsService('ArtifactService', 'artifacts', ({ runId, jobId, createBlob }) => {
    const checkIds = (req: Record<string, unknown>): void => {
      if (req.workflow_run_backend_id !== runId || req.workflow_job_run_backend_id !== jobId) {
        throw new TwirpError(400, 'invalid_argument', 'the backend ids are not those of the runtime token')
      }
    }
    return {
      CreateArtifact(req) {
        checkIds(req)
        const name = String(req.name)
        if (all.some(a => a.name === name)) throw new TwirpError(409, 'already_exists', `an artifact named ${name} already exists in this run`)
        // The upload URL grants no reading: the toolkit only writes an artifact's blob.
        const { blob, url } = createBlob('cw')
        all.push({ id: all.length + 1, name, blob })
        return { ok: true, signed_upload_url: url }
      },
      FinalizeArtifact(req) {
        checkIds(req)
        const entry = all.find(a => a.name === req.name && !a.blob.sealed)
        const zip = entry?.blob.data
        if (!entry || !zip) throw new TwirpError(404, 'not_found', `no uploaded artifact named ${String(req.name)}`)
        const hash = (req.hash as string | undefined) ?? ''
        if (zip.length !== Number(req.size)) return { ok: false }
        if (hash && hash !== `sha256:${createHash('sha256').update(zip).digest('hex')}`) return { ok: false }
        entry.blob.sealed = true
        return { ok: true, artifact_id: String(entry.id) }
      }
    }
  })

  return {
    env: results.env,
    artifacts: () => all.filter(a => a.blob.sealed && a.blob.data).map(a => ({ id: a.id, name: a.name, zip: a.blob.data! })),
    requests: results.requests,
    close: results.close
  }
}
