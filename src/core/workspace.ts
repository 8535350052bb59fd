// Where a run happens: supplied by the adapter (GitHub's runner, or a developer's terminal).
import type { ExpectedIdentity } from './attestation/identity.js'

export interface Workspace {
  /** The git checkout holding the commit to build. */
  repoDir: string
  /** A directory for this run's scratch files, removed when the run ends. */
  workDir: string
  /** Names this run's containers, networks and volumes; lowercase letters and digits. */
  runId: string
  /** The commit to build when the githash input is empty. */
  defaultRef: string
  /** The branch or pull request that defaultRef was built for, when the adapter knows (a workflow's event). */
  event?: { branch?: string; pr?: number; fromPullRequest?: boolean }
  /** Web address of the repository, for the image's source label. */
  sourceUrl?: string
  /** Web address of this run (a workflow run), for the test-result attestation. */
  runUrl?: string
  /** Who builds, for the provenance record: on GitHub, the workflow file and ref that runs. */
  builderId?: string
  /** The adapter's output is an interactive terminal: BuildKit draws its own view of the build there. */
  terminal?: boolean
  /** Signs the test-result attestation, when the adapter has an identity to sign with. */
  signer?: Signer
  /**
   * Whose signatures this run's own records carry, and the trusted roots that check them: with it, a
   * re-run reuses an image only beside a record signed so, never beside an unsigned one.
   */
  trust?: SignatureTrust
  /** Where the adapter keeps BuildKit's exported cache between runs (cache: gha). */
  cacheStore?: CacheStore
  /** Where the adapter delivers the files of the artifacts input once the tests passed. */
  artifactSink?: ArtifactSink
}

/** Takes exported artifacts somewhere (a workflow artifact, a directory); returns where, in words for the report. */
export interface ArtifactSink {
  deliver(artifacts: Artifacts): Promise<string>
}

/** A directory of BuildKit cache that an adapter restores before the build and saves after it. */
export interface CacheStore {
  dir: string
  restore(commit: string): Promise<void>
  save(commit: string): Promise<void>
}

export interface SignatureTrust {
  expected: ExpectedIdentity
  /** Sigstore trusted roots (JSON); empty: public-good's. */
  trustedRoots: object[]
}

/** Signs a statement for the adapter's own trust root (Sigstore on GitHub); the core stores what it returns. */
export interface Signer {
  sign(statement: object): Promise<{ bundle: unknown; mediaType: string }>
}

/** One exported file. */
export interface ArtifactFile {
  /** `stage:path`, the path relative to the stage's root: a file of a named directory gets its own path. */
  name: string
  /** Where it is on this machine, and where it goes below a delivery's root: `<stage>/<path>`. */
  relativePath: string
  size: number
  /** Hex sha256 of its bytes. */
  sha256: string
}

/** What the export wrote: the files, below one directory, every timestamp the image clock. */
export interface Artifacts {
  dir: string
  files: ArtifactFile[]
  /** The artifact's name, as an adapter delivers it: `hashdock-<short hash>`, and `-<os>-<arch>` in a fan-out's platform job. */
  name: string
  /** Where the adapter delivered them, in its own words; unset until the tests passed. */
  delivered?: string
}
