// Stage 2: a clean build context from `git archive` of the commit, every timestamp set to the commit time.
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises'
import { relative } from 'node:path'
import { join } from 'node:path'
import { inside } from '../paths.js'
import { Input } from '../constants.js'
import { IMAGE_CLOCK } from './strategy.js'
import { InputError } from '../errors.js'
import { run } from '../programs/exec.js'
import { applyFileTimes, fileCommitTimes, fileContentTimes } from './file-times.js'
import { Git } from '../programs/git.js'
import type { SourcePlan } from './plan.js'

export interface BuildContext {
  /** The extracted tree of the commit (all of it when compose services need their own build contexts). */
  tree: string
  /** The directory handed to the builder. */
  contextDir: string
  /** Absolute path of the Dockerfile inside the extracted tree. */
  dockerfile: string
  /** Named contexts (build-contexts) as buildx takes them: a directory of the extracted tree, or an image. */
  named: Record<string, string>
}

/**
 * Extracts the commit's tracked files into a fresh directory. Never the working tree: an untracked or
 * modified file must not reach the image. Fresh for every build, because BuildKit's context transfer
 * compares size and mtime only and would ship stale content from a reused directory.
 */
export async function createContext(p: SourcePlan, root: string): Promise<BuildContext> {
  const tree = join(root, 'tree')
  await mkdir(tree, { recursive: true })
  const tarFile = join(root, 'context.tar')
  const named = p.namedContexts
  const paths = p.wholeTree ? [] : [p.contextPath, p.dockerfilePath, ...named.flatMap(c => ('path' in c ? [c.path] : []))]
  await new Git(p.workspace.repoDir).archive(p.commit, paths, tarFile)
  // The modes git archive wrote (tar.umask 0022), not those the umask of whoever runs this would leave.
  await chmod(tree, 0o755)
  await run('tar', ['-x', '--no-same-owner', '--same-permissions', '-f', tarFile, '-C', tree])
  await rm(tarFile)
  const dockerfile = join(tree, p.dockerfilePath)
  if ((await lstat(dockerfile)).isSymbolicLink() || !(await inside(tree)(dockerfile))) {
    throw new InputError(Input.Dockerfile, `'${p.dockerfilePath}' is a symlink in the commit; commit the Dockerfile itself`)
  }
  const mode = p.mtime
  if (mode === 'per-file') {
    const files = await listFiles(tree)
    await applyFileTimes(tree, await fileCommitTimes(p.workspace.repoDir, p.commit, files), p.commitTime)
  } else if (mode === 'content') {
    // An unchanged file keeps its time from commit to commit; a changed one gets another (never one
    // fixed clock for all: BuildKit would then keep an earlier commit's copy of a file of the same size).
    await applyFileTimes(tree, await fileContentTimes(p.workspace.repoDir, p.commit), IMAGE_CLOCK)
  } else {
    await setTimes(tree, p.commitTime)
  }
  return contextPaths(p, tree)
}

/** Where the builder finds the context, the Dockerfile and the named contexts once the commit is extracted into `tree`. */
export function contextPaths(p: Pick<SourcePlan, 'namedContexts' | 'contextPath' | 'dockerfilePath'>, tree: string): BuildContext {
  return {
    tree,
    contextDir: join(tree, p.contextPath),
    dockerfile: join(tree, p.dockerfilePath),
    named: Object.fromEntries(p.namedContexts.map(c => [c.name, 'path' in c ? join(tree, c.path) : `docker-image://${c.image}`]))
  }
}

/** Repository paths of every file and symlink in an extracted tree. */
async function listFiles(tree: string): Promise<string[]> {
  const entries = await readdir(tree, { recursive: true, withFileTypes: true })
  return entries.filter(e => !e.isDirectory()).map(e => relative(tree, join(e.parentPath ?? e.path, e.name)))
}

/** Sets the mtime (and atime) of a tree, its root and symlinks included, to one time. */
export async function setTimes(dir: string, unixSeconds: number): Promise<void> {
  // The per-file walker with no per-file times gives everything the fallback.
  await applyFileTimes(dir, new Map(), unixSeconds)
}
