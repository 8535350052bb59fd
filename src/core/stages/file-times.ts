// Per-file modification times (mtime: per-file): each file gets the time of the last commit that changed it.
import { lutimes, readdir } from 'node:fs/promises'
import { posix } from 'node:path'
import { Input } from '../constants.js'
import { InputError } from '../errors.js'
import { run } from '../programs/exec.js'
import { Git } from '../programs/git.js'

/**
 * Starts each commit's header in the log. No repository path starts with a slash, so a token that does
 * can only be a header, whatever odd names the files have.
 */
const HEADER = '/'

/**
 * The committer time (Unix seconds) of the last first-parent commit reachable from `commit` that changed
 * each of `paths` (repository-relative files and symlinks, as `git archive` wrote them). A path history
 * never mentions gets the commit's own time. Call `requireFullHistory` first: in a shallow clone the
 * oldest commit there looks as if it added every file.
 */
export async function fileCommitTimes(repoDir: string, commit: string, paths: string[]): Promise<Map<string, number>> {
  // One walk over history, never one git per file. --first-parent -m diffs a merge against its first
  // parent, so whatever a merged branch changed counts as changed by the merge, at the merge's time:
  // the history of the branch being built, not of every side branch. --no-renames makes a rename a
  // change of the new path (and is cheaper); -z keeps names with spaces, newlines or quotes intact;
  // --root lists the first commit's files. The -c settings keep a user's config from turning -m into a
  // combined diff (which leaves out what a merge took from its branch), adding signature output or
  // limiting paths to a subdirectory; git versions that predate a setting ignore it.
  if (paths.length === 0) return new Map()
  const { stdout } = await run('git', [
    '-C',
    repoDir,
    '-c',
    'log.diffMerges=first-parent',
    '-c',
    'log.showSignature=false',
    '-c',
    'diff.relative=false',
    'log',
    '--first-parent',
    '-m',
    '--root',
    '--no-renames',
    '--name-only',
    '-z',
    '--no-color',
    `--format=${HEADER}%ct`,
    commit,
    '--'
  ])
  // Streaming the output and stopping git early was measured and not worth a second way of running
  // programs: the listing is small (2.3 MB for git.git's 24,000 first-parent commits) and some file
  // usually dates from near the start of history, so the walk goes to the end anyway.
  return latestChanges(stdout, paths)
}

/**
 * Reads `git log -z --name-only --format=/%ct` output, newest commit first. Each commit is a header token,
 * then the names it changed, the first one prefixed by the newline separating message and diff.
 */
function latestChanges(log: string, paths: string[]): Map<string, number> {
  const wanted = new Set(paths)
  const times = new Map<string, number>()
  let commitTime: number | undefined
  let time = 0
  let firstName = false
  for (const token of log.split('\0')) {
    if (times.size === wanted.size) break
    if (token.startsWith(HEADER)) {
      time = Number(token.slice(HEADER.length))
      commitTime ??= time
      firstName = true
      continue
    }
    const path = firstName && token.startsWith('\n') ? token.slice(1) : token
    firstName = false
    if (wanted.has(path) && !times.has(path)) times.set(path, time)
  }
  for (const path of wanted) if (!times.has(path)) times.set(path, commitTime ?? 0)
  return times
}

/**
 * The time of every directory above the files ('.' for the root): the newest time of the files below
 * it. A directory's time then changes only when something in it changes, so a layer that copies one
 * part of the tree stays identical across commits that don't touch that part.
 */
export function directoryTimes(fileTimes: Map<string, number>): Map<string, number> {
  const times = new Map<string, number>()
  for (const [path, time] of fileTimes) {
    let dir = path
    do {
      dir = posix.dirname(dir)
      if ((times.get(dir) ?? -Infinity) < time) times.set(dir, time)
    } while (dir !== '.')
  }
  return times
}

/** Per-file times need every commit: a shallow clone's cut-off commit looks as if it added every file. */
export async function requireFullHistory(repoDir: string): Promise<void> {
  if (await new Git(repoDir).isShallow()) {
    throw new InputError(Input.Mtime, 'per-file needs the full history, but this clone is shallow', 'full-history')
  }
}

/**
 * mtime: content. Each file's time comes from its content — its git blob id, read as a number of seconds
 * below 2^28 — so a file that did not change has the same time in every commit (and in every cached
 * layer that copied it), and a file that changed gets another: BuildKit's context transfer, which
 * re-sends only files whose size or time differ, then never keeps a stale copy. Needs no history: the
 * commit's own tree says it, in a shallow clone too.
 */
export async function fileContentTimes(repoDir: string, commit: string): Promise<Map<string, number>> {
  const { stdout } = await run('git', ['-C', repoDir, 'ls-tree', '-r', '-z', '--full-tree', commit], { keep: 'all' })
  const times = new Map<string, number>()
  for (const entry of stdout.split('\0')) {
    const tab = entry.indexOf('\t')
    if (tab < 0) continue
    const [, type, object] = entry.slice(0, tab).split(' ')
    if (type === 'blob') times.set(entry.slice(tab + 1), 1 + (parseInt(object.slice(0, 7), 16) % 2 ** 28))
  }
  return times
}

/**
 * Sets the mtime (and atime) of everything under `root`, the directory `git archive` was extracted into,
 * root and symlinks included, children before their directory. Files and symlinks take their time from
 * `times` (as from fileCommitTimes); a directory takes the newest time of what it holds, the rule of
 * directoryTimes applied to what is really on disk. Anything else gets `fallback`.
 */
export async function applyFileTimes(root: string, times: Map<string, number>, fallback: number): Promise<void> {
  await applyBelow(Buffer.from(root), '.', times, fallback)
}

/**
 * Sets the times below and of `dir` (`rel` from the root) and returns the time it gave `dir`. Paths stay
 * bytes: a file name that is not UTF-8 would not survive a round trip through a string.
 */
async function applyBelow(dir: Buffer, rel: string, times: Map<string, number>, fallback: number): Promise<number> {
  let newest: number | undefined
  for (const entry of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const path = Buffer.concat([dir, SLASH, entry.name])
    const name = entry.name.toString('utf8')
    const relPath = rel === '.' ? name : `${rel}/${name}`
    let time: number
    if (entry.isDirectory()) {
      time = await applyBelow(path, relPath, times, fallback)
    } else {
      time = times.get(relPath) ?? fallback
      await lutimes(path, time, time)
    }
    newest = Math.max(newest ?? time, time)
  }
  // An empty directory (a submodule's, in an archive) has nothing to take a time from.
  const time = newest ?? times.get(rel) ?? fallback
  await lutimes(dir, time, time)
  return time
}

const SLASH = Buffer.from('/')
