// Stage 1: turn the inputs into a plan of one build, checking against the repository everything that can be checked before building.
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import type { BuilderFacts } from './builder.js'
import { FINGERPRINT_LABEL, Input } from './constants.js'
import type { Engine } from './docker.js'
import { InputError } from './errors.js'
import { requireFullHistory } from './file-times.js'
import { Git } from './git.js'
import type { Inputs } from './inputs.js'
import { decideStrategy, type BuildStrategy } from './strategy.js'
import { resolveTags } from './tags.js'
import type { Workspace } from './workspace.js'

export interface Plan {
  inputs: Inputs
  workspace: Workspace
  /** Full 40-hex hash. */
  commit: string
  /** Committer time, Unix seconds. */
  commitTime: number
  image: string
  /** Where the tested image lives in the engine: a reference no other run uses. */
  localRef: string
  /** Tags, the full commit hash first. */
  tags: string[]
  /** Repository-relative paths at the commit. */
  contextPath: string
  dockerfilePath: string
  labels: Record<string, string>
  strategy: BuildStrategy
  /** The githash input as given, or the adapter's default. */
  ref: string
}

/** What the engine and the selected builder can do, asked once by the pipeline. */
export interface Facts {
  engine: Engine
  builder: BuilderFacts
}

/** The commit and its paths: all the build context needs, and nothing that needs an engine. */
export type SourcePlan = Pick<Plan, 'inputs' | 'workspace' | 'commit' | 'commitTime' | 'contextPath' | 'dockerfilePath' | 'ref'>

export async function plan(inputs: Inputs, workspace: Workspace, facts: Facts): Promise<Plan> {
  const source = await planSource(inputs, workspace)
  const { commit, commitTime, ref, contextPath, dockerfilePath } = source
  const strategy = decideStrategy(inputs, facts.engine, facts.builder, workspace.runId)
  const git = new Git(workspace.repoDir)

  const image = inputs[Input.Image]
  const tags = resolveTags(inputs[Input.Tags], { commit, commitTime, ref })
  const labels: Record<string, string> = {
    'org.opencontainers.image.revision': commit,
    // The commit's time, whatever the image clock: the label tells the truth about the commit.
    'org.opencontainers.image.created': rfc3339(commitTime),
    [FINGERPRINT_LABEL]: await fingerprint(git, inputs, commit, contextPath, dockerfilePath)
  }
  const url = workspace.sourceUrl ?? (await git.originUrl())
  if (url) labels['org.opencontainers.image.source'] = url

  const localRef = `hashdock-run-${workspace.runId}:${commit}`
  return { ...source, image, localRef, tags, labels, strategy }
}

export async function planSource(inputs: Inputs, workspace: Workspace): Promise<SourcePlan> {
  const git = new Git(workspace.repoDir)
  if (!(await git.isRepository())) {
    throw new InputError(Input.Githash, `${workspace.repoDir} is not a git checkout`, 'checkout')
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
  const composeFile = inputs[Input.ComposeFile]
  if (composeFile && (await git.objectType(commit, composeFile)) !== 'blob') {
    throw new InputError(Input.ComposeFile, `'${composeFile}' is not a file at commit ${commit.slice(0, 12)}`)
  }

  if (inputs[Input.Mtime] === 'per-file') await requireFullHistory(workspace.repoDir)
  return { inputs, workspace, commit, commitTime, ref, contextPath, dockerfilePath }
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

/** `image:tag` for each of the plan's tags. */
export function references(p: Pick<Plan, 'image' | 'tags'>): string[] {
  return p.tags.map(tag => `${p.image}:${tag}`)
}
