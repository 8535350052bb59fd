// Stage 1: turn the inputs into a plan of one build, checking against the repository everything that can be checked before building.
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import { FINGERPRINT_LABEL, Input } from './constants.js'
import { InputError } from './errors.js'
import { requireFullHistory } from './file-times.js'
import { Git } from './git.js'
import type { Inputs } from './inputs.js'
import { resolveTags } from './tags.js'
import type { Workspace } from './workspace.js'

export interface Plan {
  inputs: Inputs
  workspace: Workspace
  /** Full 40-hex hash. */
  commit: string
  /** Committer time, Unix seconds. */
  commitTime: number
  /** The one clock the image carries: BuildKit clamps every timestamp to it (see sourceDateEpoch()). */
  sourceDateEpoch: number
  image: string
  /** Tags, the full commit hash first. */
  tags: string[]
  /** Repository-relative paths at the commit. */
  contextPath: string
  dockerfilePath: string
  labels: Record<string, string>
}

export async function plan(inputs: Inputs, workspace: Workspace): Promise<Plan> {
  const git = new Git(workspace.repoDir)
  if (!(await git.isRepository())) {
    throw new InputError(Input.Githash, `${workspace.repoDir} is not a git checkout; check out the repository first (actions/checkout)`)
  }
  const ref = inputs[Input.Githash] || workspace.defaultRef
  const commit = await git.resolve(ref)
  if (!commit) {
    const hint = (await git.isShallow())
      ? 'this checkout is shallow: check out with fetch-depth: 0 to build any past commit'
      : 'check the hash, or fetch the branch or tag that holds it'
    throw new InputError(Input.Githash, `'${ref}' names no commit in this repository; ${hint}`)
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
  const composeFile = inputs[Input.ComposeFile]
  if (composeFile && (await git.objectType(commit, composeFile)) !== 'blob') {
    throw new InputError(Input.ComposeFile, `'${composeFile}' is not a file at commit ${commit.slice(0, 12)}`)
  }

  if (inputs[Input.Mtime] === 'per-file') await requireFullHistory(workspace.repoDir)
  const epoch = await sourceDateEpoch(inputs, git, commit, commitTime, dockerfilePath)

  const image = inputs[Input.Image]
  const tags = resolveTags(inputs[Input.Tags], { commit, commitTime, ref })
  const labels: Record<string, string> = {
    'org.opencontainers.image.revision': commit,
    'org.opencontainers.image.created': rfc3339(epoch),
    [FINGERPRINT_LABEL]: await fingerprint(git, inputs, commit, contextPath, dockerfilePath)
  }
  const source = workspace.sourceUrl ?? (await git.originUrl())
  if (source) labels['org.opencontainers.image.source'] = source

  return { inputs, workspace, commit, commitTime, sourceDateEpoch: epoch, image, tags, contextPath, dockerfilePath, labels }
}

/**
 * With mtime: commit, the commit time. With mtime: per-file, the time of the last commit that changed
 * the Dockerfile: every timestamp in a layer is then either a file's own commit time (no newer than the
 * clock, or clamped to it) or the clock itself, so a layer whose inputs did not change between two
 * commits is byte for byte the same. The price: the image's clock (its created time and label) says
 * when the recipe last changed, not when the commit was made.
 */
async function sourceDateEpoch(inputs: Inputs, git: Git, commit: string, commitTime: number, dockerfile: string): Promise<number> {
  if (inputs[Input.Mtime] !== 'per-file') return commitTime
  return (await git.lastChange(commit, dockerfile)) || commitTime
}

/** Everything the image's bytes depend on, hashed: git's own content hashes of context and Dockerfile, and the options. */
async function fingerprint(git: Git, inputs: Inputs, commit: string, contextPath: string, dockerfile: string): Promise<string> {
  const hash = createHash('sha256')
  for (const part of [
    await git.objectId(commit, contextPath),
    await git.objectId(commit, dockerfile),
    ...inputs[Input.BuildArgs],
    inputs[Input.Target],
    inputs[Input.Mtime],
    inputs[Input.ComposeFile] ? await git.objectId(commit, '.') : '',
    // What was tested belongs to "the same inputs" too: a weaker test must not inherit a pass.
    ...[Input.TestCommand, Input.IntegrationCommand, Input.ComposeFile, Input.ComposeService, Input.ComposeEnv, Input.ComposeTrust, Input.TestResults].map(i => JSON.stringify(inputs[i]))
  ]) {
    hash.update(`${part}\0`)
  }
  return hash.digest('hex').slice(0, 32)
}

export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z')
}

/** `image:tag` for each of the plan's tags. */
export function references(p: Pick<Plan, 'image' | 'tags'>): string[] {
  return p.tags.map(tag => `${p.image}:${tag}`)
}
