// Delivers the files of the artifacts input as one workflow artifact, through GitHub's artifact service.
import { DefaultArtifactClient } from '@actions/artifact'
import { join } from 'node:path'
import { type ArtifactSink, Input, InputError } from '../core/index.js'

/**
 * The sink, checked before anything is built: a runner without the artifact service (a self-hosted
 * runner started by hand, GitHub Enterprise Server before 3.13) would otherwise fail after the build.
 */
export function artifactUpload(env: NodeJS.ProcessEnv = process.env): ArtifactSink {
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    throw new InputError(Input.Artifacts, "needs GitHub's artifact service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL), which this runner does not provide; leave artifacts empty here")
  }
  return {
    async deliver(artifacts) {
      // One zip, each file below its stage's directory, as the summary names it; kept as long as the repository's default.
      const files = artifacts.files.map(f => join(artifacts.dir, f.relativePath))
      const { id, size } = await new DefaultArtifactClient().uploadArtifact(artifacts.name, files, artifacts.dir)
      return `workflow artifact ${artifacts.name} (id ${id}${size ? `, ${size} bytes zipped` : ''})`
    }
  }
}
