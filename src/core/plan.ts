// Stage 1: turn the inputs into a plan of one build, checking against the repository everything that can be checked before building.
import { posix } from 'node:path'
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { Git } from './git.js'
import type { Inputs } from './inputs.js'
import { resolveTags } from './tags.js'
import type { Workspace } from './workspace.js'

export interface Plan {
  inputs: Inputs
  workspace: Workspace
  /** Full 40-hex hash. */
  commit: string
  /** Committer time, Unix seconds: the one clock the image may carry. */
  commitTime: number
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

  const image = inputs[Input.Image]
  const tags = resolveTags(inputs[Input.Tags], { commit, commitTime, ref })
  const labels: Record<string, string> = {
    'org.opencontainers.image.revision': commit,
    'org.opencontainers.image.created': rfc3339(commitTime)
  }
  const source = workspace.sourceUrl ?? (await git.originUrl())
  if (source) labels['org.opencontainers.image.source'] = source

  return { inputs, workspace, commit, commitTime, image, tags, contextPath, dockerfilePath, labels }
}

export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z')
}

/** `image:tag` for each of the plan's tags. */
export function references(p: Pick<Plan, 'image' | 'tags'>): string[] {
  return p.tags.map(tag => `${p.image}:${tag}`)
}
