// The names callers see: inputs and outputs of the action (and flags of the CLI), and saved state.
export enum Input {
  Image = 'image',
  CheckoutPath = 'checkout-path',
  Githash = 'githash',
  Context = 'context',
  Dockerfile = 'dockerfile',
  Tags = 'tags',
  BuildArgs = 'build-args',
  Target = 'target',
  Push = 'push',
  RegistryUsername = 'registry-username',
  RegistryPassword = 'registry-password',
  RegistryLogins = 'registry-logins',
  TestCommand = 'test-command',
  ComposeFile = 'compose-file',
  ComposeService = 'compose-service',
  ComposeTrust = 'compose-trust',
  ComposeEnv = 'compose-env',
  IntegrationCommand = 'integration-command',
  TestResults = 'test-results',
  WaitTimeout = 'wait-timeout',
  Mtime = 'mtime',
  Cache = 'cache',
  Rebuild = 'rebuild',
  Reuse = 'reuse',
  Provenance = 'provenance',
  Sbom = 'sbom',
  Builder = 'builder',
  IsolateBuilder = 'isolate-builder',
  BuildLogin = 'build-login',
  KeepImage = 'keep-image',
  VerifyReproducible = 'verify-reproducible',
  Compression = 'compression',
  ForceTags = 'force-tags',
  Secrets = 'secrets',
  SecretFiles = 'secret-files',
  SecretEnvs = 'secret-envs',
  Ssh = 'ssh',
  BuildContexts = 'build-contexts',
  Labels = 'labels',
  Annotations = 'annotations',
  NoCache = 'no-cache',
  Pull = 'pull',
  Network = 'network',
  ShmSize = 'shm-size',
  Ulimit = 'ulimit',
  AddHosts = 'add-hosts',
  Platforms = 'platforms',
  Advice = 'advice',
  ExportDir = 'export-dir',
  AssembleFrom = 'assemble-from',
  Artifacts = 'artifacts',
  RegistryTimeout = 'registry-timeout',
  RegistryRetries = 'registry-retries',
  CacheMode = 'cache-mode',
  CachePullRequests = 'cache-pull-requests'
}

/** The action's signing inputs: GitHub's identity and attestation store, so the CLI has no flags for them. */
export enum SigningInput {
  SigstoreInstance = 'sigstore-instance',
  SigstoreTrustedRoot = 'sigstore-trusted-root',
  GithubAttestations = 'github-attestations',
  GithubToken = 'github-token'
}

export enum Output {
  Githash = 'githash',
  CommitTime = 'commit-time',
  Image = 'image',
  Tags = 'tags',
  Digest = 'digest',
  ImageId = 'image-id',
  KeptImage = 'kept-image',
  Reproducible = 'reproducible',
  Metadata = 'metadata',
  Exported = 'exported',
  Artifacts = 'artifacts',
  Attestation = 'attestation',
  ProvenanceAttestation = 'provenance-attestation',
  PushedTo = 'pushed-to'
}

// Every container, network and volume a run creates carries this label, so cleanup can find them.
export const RUN_LABEL = 'dev.hashdock.run'

/** An image's record of what it was built from, so a re-run of the same inputs can skip the build. */
export const FINGERPRINT_LABEL = 'dev.hashdock.fingerprint'

/** When the image was made, in its labels and its configuration: the commit's time unless labels says otherwise. */
export const CREATED_LABEL = 'org.opencontainers.image.created'

/**
 * What a run creates is named from its id, so no two runs share a name and cleanup finds each: its
 * scratch directory, its own builder, its compose project, its test containers.
 */
export const runName = (runId: string): string => `hashdock-${runId}`
/** The repository the run's tested image is loaded under in the engine. */
export const runImageRepository = (runId: string): string => `hashdock-run-${runId}`
