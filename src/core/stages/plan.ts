// Stage 1: turn the inputs into a plan of one build, checking against the repository everything that can be checked before building.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { join, posix, relative, resolve, sep } from 'node:path'
import { selectedBuilder, type BuilderFacts } from '../programs/builder.js'
import type { ComposeSpec } from '../programs/compose.js'
import { CREATED_LABEL, FINGERPRINT_LABEL, Input, runImageRepository } from '../constants.js'
import { requireEngine, requireSkopeo, type Engine } from '../programs/docker.js'
import { InputError } from '../errors.js'
import { requireFullHistory } from './file-times.js'
import { Git } from '../programs/git.js'
import { CACHE_DEPENDENT_MTIME, type Inputs, type MtimeMode } from '../inputs.js'
import { assemblyStrategy, decideStrategy, type BuildStrategy, type StrategyInputs } from './strategy.js'
import { checkStages, credentialLike, type ArtifactPath, type NamedContext, type RegistryLogin, type Secret } from '../build-inputs.js'
import type { Log } from '../log.js'
import { parseDockerfile, stageNames, type Stage } from '../dockerfile.js'
import { highestVersion, resolveTags, whyMissing } from '../tags.js'
import type { Workspace } from '../workspace.js'

/**
 * The run, decided: every input read once here, into the typed specs each stage takes. No stage,
 * program or renderer reads an input.
 */
export interface Plan extends SourcePlan {
  /** build: build, test and push one commit; assemble: push one index of images other jobs built and tested. */
  mode: 'build' | 'assemble'
  /** The first repository: it names the layer cache and the summary. */
  image: string
  /** Every repository the tested image is pushed to, the first one first. */
  images: string[]
  /** Where the tested image lives in the engine: a reference no other run uses. */
  localRef: string
  /** Tags, the full commit hash first. */
  tags: string[]
  /** Said once in the log: tag lines skipped, build arguments that look like credentials. */
  notices: string[]
  warnings: string[]
  labels: Record<string, string>
  strategy: BuildStrategy
  build: BuildSpec
  test: TestSpec
  publish: PublishSpec
  /** Measure the Dockerfile against the history and advise (never in an assembly). */
  advice: boolean
  /** Absolute directories: where the tested image is handed on to, and what an assembly reads instead of building; '' when not. */
  exportDir: string
  assembleFrom: string
  /** Where the tested image stays in the engine once the run passed (keep-image): `<image>:<full hash>`; '' when not kept. */
  keepAs: string
}

/** The commit, its paths and how its files are extracted: all the build context needs, and nothing that needs an engine. */
export interface SourcePlan {
  workspace: Workspace
  /** Full 40-hex hash. */
  commit: string
  /** Committer time, Unix seconds. */
  commitTime: number
  /** The githash input as given, or the adapter's default. */
  ref: string
  /** Repository-relative paths at the commit. */
  contextPath: string
  dockerfilePath: string
  /** The Dockerfile at the commit, read and parsed once. */
  dockerfile: { text: string; stages: Stage[] }
  /** How each extracted file's time is set. */
  mtime: MtimeMode
  /** build-contexts: directories of the commit, or images. */
  namedContexts: NamedContext[]
  /** The whole commit is extracted: the context is its root, or compose builds services from anywhere in it. */
  wholeTree: boolean
  /** The stage built; '' for the last. */
  target: string
}

/** What buildx is given beside the context and the strategy: build-push-action's options, and what the build hands on. */
export interface BuildSpec {
  buildArgs: string[]
  annotations: string[]
  /** secrets, secret-files and secret-envs, by where each value comes from. */
  secrets: Secret[]
  ssh: string[]
  noCache: boolean
  pull: boolean
  network: string
  shmSize: string
  ulimit: string[]
  addHosts: string[]
  /** BuildKit's cache export: max keeps every stage's layers, min only the final image's. */
  cacheMode: 'max' | 'min'
  /** The run writes a layer cache: false for a pull request's run, unless cache-pull-requests is write. */
  cacheWrite: boolean
  /** Paths taken out of build stages once the tests pass; their stages were checked against the Dockerfile. */
  artifacts: ArtifactPath[]
  /** Build again without any cache and fail unless the digests agree. */
  verifyReproducible: boolean
}

/** The tests run inside the built image: unit alone, integration beside the compose services. */
export interface TestSpec {
  /** The commands; '' runs none. */
  unit: string
  integration: string
  /** Where a test container writes JUnit XML (test-results). */
  results: string
  /** The services integration tests run beside, when compose-file and integration-command are given. */
  compose?: ComposeSpec
}

/** Where the tested image goes, with which credentials, and whether an image of an earlier run may stand in for it. */
export interface PublishSpec {
  push: boolean
  /** Point tags at this commit even when they name a newer one now. */
  forceTags: boolean
  /** The logins of the run: registry-logins, when it pushes or build-login asks for them. */
  logins: RegistryLogin[]
  /** registry-logins was given, and is not used since the run does not push. */
  loginsUnused: boolean
  /** Registry operations: attempts after the first, and how long one may take. */
  retries: number
  timeoutMs: number
  /** Whether the image the registry holds for this commit may be re-used; when reuse was asked for, why not. */
  reuse: { allowed: true } | { allowed: false; why?: string }
  /** An SLSA provenance record is stored (and signed) beside the pushed digest, as the test-result record is. */
  provenance: boolean
}

/** What the engine and the selected builder can do, asked once by the pipeline. */
export interface Facts {
  engine: Engine
  builder: BuilderFacts
}

/**
 * The plan of a run: the engine and the builder asked once (an assembly, given assemble-from, needs
 * neither: it builds and runs nothing), then every decision made and every check that can be made
 * before work starts.
 */
export async function planRun(inputs: Inputs, workspace: Workspace, log: Log): Promise<Plan> {
  return log.group('Plan', async () => {
    if (inputs[Input.AssembleFrom]) {
      // skopeo writes and pushes the index.
      const planned = await plan(inputs, workspace, undefined)
      await requireSkopeo()
      log.info(`Commit ${planned.commit}; ${planned.strategy.reasons.join('; ')}`)
      return planned
    }
    // Independent questions, asked at once (each is a CLI call of a few hundred milliseconds); a failure
    // is reported in this order, so an unreachable engine is named before what it causes.
    const answers = await Promise.allSettled([requireEngine(), selectedBuilder(inputs[Input.Builder])])
    const engine = settled(answers[0])
    const planned = await plan(inputs, workspace, { engine, builder: settled(answers[1]) })
    // skopeo pushes the archive, and takes each platform's image out of it for an engine without the containerd store.
    if (planned.publish.push || (planned.strategy.load && planned.strategy.loading === 'per-platform')) await requireSkopeo()
    log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath}, mtime ${planned.mtime})`)
    log.info(`Docker engine ${engine.version}${engine.containerdStore ? ' (containerd image store)' : ''}; ${planned.strategy.reasons.join('; ')}`)
    return planned
  })
}

/** What a run sets out to do, before anything is checked: what the report of a run that fails in plan names. */
export function intent(inputs: Pick<Inputs, Input.Image | Input.Push>): { images: string[]; push: boolean } {
  return { images: inputs[Input.Image], push: inputs[Input.Push] }
}

/** Without facts, an assembly: it reads the images other jobs built, and builds nothing. */
export async function plan(inputs: Inputs, workspace: Workspace, facts: Facts | undefined): Promise<Plan> {
  const source = await planSource(inputs, workspace)
  const { commit, commitTime, ref, contextPath, dockerfilePath } = source
  const asked = strategyInputs(inputs, workspace)
  const strategy = facts ? decideStrategy(asked, facts.engine, facts.builder, workspace.runId) : assemblyStrategy(asked)
  // What the adapter cannot do is known before any work: said now, not after a build.
  if (strategy.cache === 'gha' && !workspace.cacheStore) throw new InputError(Input.Cache, "'gha' needs GitHub's cache service; use registry or none outside GitHub Actions")
  if (inputs[Input.Artifacts].length && !workspace.artifactSink) throw new InputError(Input.Artifacts, 'this run has nowhere to deliver files to')
  if (inputs[Input.KeepImage] && !facts) throw new InputError(Input.KeepImage, 'an assembly builds and loads nothing to keep; keep the images in the platform jobs')
  if (inputs[Input.VerifyReproducible] && !facts) throw new InputError(Input.VerifyReproducible, 'an assembly builds nothing to compare; verify in the platform jobs')
  if (inputs[Input.VerifyReproducible] && !strategy.reproducible) {
    throw new InputError(Input.VerifyReproducible, 'provenance: in-image and sbom record inside the image when it was built, so two builds never agree; use provenance: true (beside the image) and no sbom to verify, or leave verify-reproducible off')
  }
  const assembleFrom = inputs[Input.AssembleFrom] && resolve(inputs[Input.AssembleFrom])
  if (assembleFrom && !(await stat(assembleFrom).catch(() => undefined))?.isDirectory()) {
    throw new InputError(Input.AssembleFrom, `'${inputs[Input.AssembleFrom]}' is not a directory; give the directory the platform jobs' images were downloaded into`)
  }
  const git = new Git(workspace.repoDir)
  if (inputs[Input.Artifacts].length) checkStages(inputs[Input.Artifacts], stageNames(source.dockerfile.stages), dockerfilePath)

  const images = inputs[Input.Image]
  const version = highestVersion(await git.tagsAt(commit))
  const branch = inputs[Input.Githash] ? await git.branchName(inputs[Input.Githash]) : (workspace.event?.branch ?? (await git.branchName('HEAD')))
  const pr = inputs[Input.Githash] ? undefined : workspace.event?.pr
  const resolved = resolveTags(inputs[Input.Tags], { commit, commitTime, ref, version, branch, pr })
  const notices = resolved.skipped.map(s => `tags: '${s.template}' skipped: ${[...new Set(s.missing.map(whyMissing))].join('; ')}`)
  if (CACHE_DEPENDENT_MTIME.includes(inputs[Input.Mtime])) {
    notices.push("mtime: commit gives every file the commit's time, so a file copied by two steps (COPY requirements.txt, then COPY . .) can give this commit another digest when the builder holds an older commit's layer; content (the default) and per-file give one digest whatever was cached")
  }
  const warnings = credentialLike(inputs[Input.BuildArgs]).map(
    name => `build-args: ${name} looks like a credential, and build arguments stay in the image's history for anyone who pulls it; pass it with secrets (id=value) and read it in a RUN --mount=type=secret,id=... step instead.`
  )
  const url = workspace.sourceUrl ?? (await git.originUrl())
  const labels: Record<string, string> = {
    // What users expect from metadata-action, where the commit says it; each can be overridden by labels.
    'org.opencontainers.image.title': (url ?? images[0]).split('/').at(-1) as string,
    ...(url ? { 'org.opencontainers.image.source': url, 'org.opencontainers.image.url': url } : {}),
    ...(version ? { 'org.opencontainers.image.version': version.version } : {}),
    // The commit's time, whatever the image clock: the label tells the truth about the commit.
    [CREATED_LABEL]: rfc3339(commitTime),
    ...inputs[Input.Labels],
    // Always the commit built, on pull requests too: never the merge ref's or a label's claim.
    'org.opencontainers.image.revision': commit
  }
  labels[FINGERPRINT_LABEL] = await fingerprint(git, inputs, commit, contextPath, dockerfilePath, labels)

  const compose: ComposeSpec | undefined =
    inputs[Input.ComposeFile] && inputs[Input.IntegrationCommand]
      ? {
          file: inputs[Input.ComposeFile],
          service: inputs[Input.ComposeService],
          trust: inputs[Input.ComposeTrust],
          env: Object.fromEntries(inputs[Input.ComposeEnv].map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])),
          waitTimeout: inputs[Input.WaitTimeout],
          runId: workspace.runId,
          builder: strategy.builder.name
        }
      : undefined
  return {
    ...source,
    mode: assembleFrom ? 'assemble' : 'build',
    image: images[0],
    images,
    localRef: `${runImageRepository(workspace.runId)}:${commit}`,
    tags: resolved.tags,
    notices,
    warnings,
    labels,
    strategy,
    ...specs(inputs, workspace),
    test: { unit: inputs[Input.TestCommand], integration: inputs[Input.IntegrationCommand], results: inputs[Input.TestResults], ...(compose ? { compose } : {}) },
    advice: inputs[Input.Advice] && !assembleFrom,
    exportDir: inputs[Input.ExportDir] && resolve(inputs[Input.ExportDir]),
    assembleFrom,
    keepAs: inputs[Input.KeepImage] ? `${images[0]}:${commit}` : ''
  }
}

/** The build's and the push's specs: decisions that need the inputs and the event alone. */
export function specs(inputs: Inputs, workspace: Pick<Workspace, 'event' | 'trust'>): Pick<Plan, 'build' | 'publish'> {
  const push = inputs[Input.Push]
  // Credentials are for pushing: a run that does not push logs in only when told to (private base images).
  const loginNeeded = push || inputs[Input.BuildLogin]
  return {
    build: {
      buildArgs: inputs[Input.BuildArgs],
      annotations: inputs[Input.Annotations],
      secrets: inputs[Input.Secrets],
      ssh: inputs[Input.Ssh],
      noCache: inputs[Input.NoCache],
      pull: inputs[Input.Pull],
      network: inputs[Input.Network],
      shmSize: inputs[Input.ShmSize],
      ulimit: inputs[Input.Ulimit],
      addHosts: inputs[Input.AddHosts],
      cacheMode: inputs[Input.CacheMode],
      // A pull request's branch is not trusted to fill the cache the next trusted build reads.
      cacheWrite: !workspace.event?.pr || inputs[Input.CachePullRequests] === 'write',
      artifacts: inputs[Input.Artifacts],
      verifyReproducible: inputs[Input.VerifyReproducible]
    },
    publish: {
      push,
      forceTags: inputs[Input.ForceTags],
      logins: loginNeeded ? inputs[Input.RegistryLogins] : [],
      loginsUnused: !loginNeeded && inputs[Input.RegistryLogins].length > 0,
      retries: inputs[Input.RegistryRetries],
      timeoutMs: inputs[Input.RegistryTimeout] * 1000,
      reuse: whyNoReuse(inputs, workspace.trust !== undefined),
      provenance: inputs[Input.Provenance] === true
    }
  }
}

/**
 * reuse: true allows a re-use unless another input asks for what only a build gives; then it says which.
 * reuse: signed allows one only where the run can check a record's signature (the adapter gave a trust).
 */
function whyNoReuse(inputs: Inputs, signatureChecked: boolean): PublishSpec['reuse'] {
  if (!inputs[Input.Reuse]) return { allowed: false }
  // The first that holds says why; none: re-use is allowed.
  const rules: [boolean, string][] = [
    [inputs[Input.Reuse] === 'signed' && !signatureChecked, "reuse is signed, and this run cannot check a record's signature (it needs id-token: write, and a public repository or sigstore-trusted-root)"],
    [inputs[Input.Rebuild], 'rebuild is true'],
    // An image from an earlier run is not a fresh build.
    [inputs[Input.NoCache], 'no-cache asks for a fresh build'],
    [!inputs[Input.Push], 'push is false'],
    // An image re-used is not built, so it would bring no files.
    [inputs[Input.Artifacts].length > 0, 'artifacts come out of a build']
  ]
  const why = rules.find(([holds]) => holds)?.[1]
  return why ? { allowed: false, why } : { allowed: true }
}

/** What the strategy is decided from. */
export function strategyInputs(inputs: Inputs, workspace: Pick<Workspace, 'event'>): StrategyInputs {
  return {
    images: inputs[Input.Image],
    provenance: inputs[Input.Provenance] === 'in-image',
    sbom: inputs[Input.Sbom],
    cache: inputs[Input.Cache],
    tested: Boolean(inputs[Input.TestCommand] || inputs[Input.IntegrationCommand]),
    keepImage: inputs[Input.KeepImage],
    compression: inputs[Input.Compression],
    platforms: inputs[Input.Platforms],
    // A pull request's commit is a stranger's: it builds on a builder of its own unless the workflow says otherwise.
    isolate:
      inputs[Input.IsolateBuilder] === 'true'
        ? 'isolate-builder is true'
        : inputs[Input.IsolateBuilder] === 'auto' && workspace.event?.fromPullRequest === true
          ? "the commit is a pull request's"
          : ''
  }
}

/** The value of an answer, or its error thrown. */
function settled<T>(answer: PromiseSettledResult<T>): T {
  if (answer.status === 'rejected') throw answer.reason
  return answer.value
}

export async function planSource(inputs: Inputs, workspace: Workspace): Promise<SourcePlan> {
  const git = new Git(workspace.repoDir)
  if (!(await git.isRepository())) {
    throw new InputError(Input.CheckoutPath, `${workspace.repoDir} is not a git checkout`, 'checkout')
  }
  const ref = inputs[Input.Githash] || workspace.defaultRef
  const commit = await git.resolve(ref)
  if (!commit) {
    if (await git.isShallow()) {
      throw new InputError(Input.Githash, `'${ref}' names no commit in this repository, and this clone is shallow`, 'full-history')
    }
    throw new InputError(Input.Githash, `'${ref}' names no commit in this repository; check the hash, or fetch the branch or tag that holds it`)
  }
  const commitTime = await git.commitTime(commit)

  const contextPath = inputs[Input.Context]
  if ((await git.objectType(commit, contextPath)) !== 'tree') {
    throw new InputError(Input.Context, `'${contextPath}' is not a directory at commit ${commit.slice(0, 12)}`)
  }
  const dockerfilePath = inputs[Input.Dockerfile] || posix.join(contextPath, 'Dockerfile')
  if ((await git.objectType(commit, dockerfilePath)) !== 'blob') {
    throw new InputError(Input.Dockerfile, `'${dockerfilePath}' is not a file at commit ${commit.slice(0, 12)}; set dockerfile to its path in the repository`)
  }
  const dockerfileText = (await git.fileAt(commit, dockerfilePath)) ?? ''
  const composeFile = inputs[Input.ComposeFile]
  if (composeFile && (await git.objectType(commit, composeFile)) !== 'blob') {
    throw new InputError(Input.ComposeFile, `'${composeFile}' is not a file at commit ${commit.slice(0, 12)}`)
  }

  for (const secret of inputs[Input.Secrets]) {
    if ('file' in secret && !existsSync(resolve(workspace.repoDir, secret.file))) {
      throw new InputError(Input.SecretFiles, `'${secret.id}': ${secret.file} does not exist`)
    }
    if ('file' in secret && (await symlinkInCheckout(workspace.repoDir, secret.file))) {
      throw new InputError(Input.SecretFiles, `'${secret.id}': ${secret.file} is reached through a symlink in the checkout, which the commit chooses; write the secret to a file outside the checkout (e.g. in RUNNER_TEMP) and name that`)
    }
    if ('env' in secret && process.env[secret.env] === undefined) {
      throw new InputError(Input.SecretEnvs, `'${secret.id}': the environment variable ${secret.env} is not set; set it in the step's env`)
    }
  }
  for (const named of inputs[Input.BuildContexts]) {
    if ('path' in named && (await git.objectType(commit, named.path)) !== 'tree') {
      throw new InputError(Input.BuildContexts, `'${named.name}=${named.path}': '${named.path}' is not a directory at commit ${commit.slice(0, 12)}`)
    }
  }
  if (inputs[Input.Mtime] === 'per-file') await requireFullHistory(workspace.repoDir)
  return {
    workspace,
    commit,
    commitTime,
    ref,
    contextPath,
    dockerfilePath,
    dockerfile: { text: dockerfileText, stages: parseDockerfile(dockerfileText) },
    mtime: inputs[Input.Mtime],
    namedContexts: inputs[Input.BuildContexts],
    wholeTree: contextPath === '.' || Boolean(composeFile),
    target: inputs[Input.Target]
  }
}

/** Whether a path inside the checkout passes through a symlink: the commit, not the workflow, would pick the file. */
async function symlinkInCheckout(repoDir: string, file: string): Promise<boolean> {
  const root = resolve(repoDir)
  const full = resolve(root, file)
  if (full !== root && !full.startsWith(`${root}${sep}`)) return false
  return (await realpath(full)) !== join(await realpath(root), relative(root, full))
}

/**
 * Everything the image's bytes depend on, hashed: git's own content hashes of context, Dockerfile and
 * named contexts, the labels and the options. Secrets by id only: their values must never be derivable
 * from an image, and a rotated token must not cause a rebuild.
 */
async function fingerprint(git: Git, inputs: Inputs, commit: string, contextPath: string, dockerfile: string, labels: Record<string, string>): Promise<string> {
  const hash = createHash('sha256')
  for (const part of [
    await git.objectId(commit, contextPath),
    await git.objectId(commit, dockerfile),
    ...inputs[Input.BuildArgs],
    inputs[Input.Target],
    inputs[Input.Mtime],
    // Only what the image's bytes depend on: the label is part of the image, and how it was tested must
    // not change its digest. How it was tested is in the test-result record, which a re-use checks.
    // What the image carries: attestations and its compression.
    // Provenance changes the image's bytes only inside it; a record beside it leaves them alone.
    `${Input.Provenance}=${inputs[Input.Provenance] === 'in-image'}`,
    ...([Input.Sbom, Input.Compression] as const).map(i => `${i}=${inputs[i]}`),
    ...(await Promise.all(inputs[Input.BuildContexts].map(async c => `context ${c.name}=${'path' in c ? await git.objectId(commit, c.path) : c.image}`))),
    ...inputs[Input.Secrets].map(s => `secret ${s.id}`),
    ...inputs[Input.Ssh].map(s => `ssh ${s.split('=')[0]}`),
    ...Object.entries(labels).map(([k, v]) => `label ${k}=${v}`),
    ...inputs[Input.Annotations].map(a => `annotation ${a}`),
    inputs[Input.Network],
    ...inputs[Input.AddHosts],
    // Only when given, so the fingerprints of single-platform images stay what they were.
    ...(inputs[Input.Platforms].length ? [`platforms=${inputs[Input.Platforms].join(',')}`] : [])
  ]) {
    hash.update(`${part}\0`)
  }
  return hash.digest('hex').slice(0, 32)
}

export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z')
}

/** `image:tag` for each image and each of the plan's tags: the first image's full-hash reference first. */
export function references(p: Pick<Plan, 'images' | 'tags'>): string[] {
  return p.images.flatMap(image => p.tags.map(tag => `${image}:${tag}`))
}
