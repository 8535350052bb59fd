// What the pipeline asks of git, each answer from one git command.
import { Input } from '../constants.js'
import { InputError } from '../errors.js'
import { output, run } from './exec.js'

/** A short hash that is also a branch or tag name, or the prefix of several commits. */
class AmbiguousRef extends InputError {
  constructor(ref: string, commits: string[]) {
    super(Input.Githash, `'${ref}' is ambiguous: it could be ${commits.map(c => c.slice(0, 12)).join(' or ')}; give the full 40-character hash`)
  }
}

export class Git {
  constructor(readonly dir: string) {}

  private git(args: string[]): Promise<string> {
    return output('git', ['-C', this.dir, ...args])
  }

  async isRepository(): Promise<boolean> {
    return (await run('git', ['-C', this.dir, 'rev-parse', '--git-dir'], { allowFailure: true })).exitCode === 0
  }

  /**
   * The full hash of a commit-ish, or undefined when it names no commit here. A hex string that is both
   * a commit's abbreviation and a branch or tag name is refused, not silently read as the ref (as git
   * would); the fallback to the remote-tracking branch is spelled out in full, so it never matches a
   * local branch or tag that merely starts with "origin/".
   */
  async resolve(ref: string): Promise<string | undefined> {
    const named = await this.verify(ref)
    if (/^[0-9a-f]{4,39}$/i.test(ref)) {
      const listed = await run('git', ['-C', this.dir, 'rev-parse', `--disambiguate=${ref.toLowerCase()}`], { allowFailure: true })
      const commits: string[] = []
      for (const id of listed.stdout.split('\n').filter(Boolean)) {
        if ((await this.objectTypeOf(id)) === 'commit') commits.push(id)
      }
      if (commits.length > 1 || (commits.length === 1 && named && named !== commits[0])) {
        throw new AmbiguousRef(ref, [...new Set([...commits, ...(named ? [named] : [])])])
      }
      if (commits.length === 1) return commits[0]
    }
    // A checkout often has the branch only as a remote-tracking ref (origin/main).
    return named ?? (await this.verify(`refs/remotes/origin/${ref}`))
  }

  private async verify(rev: string): Promise<string | undefined> {
    const r = await run('git', ['-C', this.dir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { allowFailure: true })
    return r.exitCode === 0 && r.stdout ? r.stdout : undefined
  }

  private async objectTypeOf(id: string): Promise<string | undefined> {
    const r = await run('git', ['-C', this.dir, 'cat-file', '-t', id], { allowFailure: true })
    return r.exitCode === 0 ? r.stdout : undefined
  }

  /** The top directory of the working tree holding `dir`, or undefined outside a repository. */
  async topLevel(): Promise<string | undefined> {
    const r = await run('git', ['-C', this.dir, 'rev-parse', '--show-toplevel'], { allowFailure: true })
    return r.exitCode === 0 && r.stdout ? r.stdout : undefined
  }

  /** Tag names that point at a commit. */
  async tagsAt(commit: string): Promise<string[]> {
    return (await this.git(['tag', '--points-at', commit])).split('\n').filter(Boolean)
  }

  /** The branch `ref` names (a local or origin branch), or the checked-out branch for HEAD; else undefined. */
  async branchName(ref: string): Promise<string | undefined> {
    if (ref === 'HEAD') {
      const r = await run('git', ['-C', this.dir, 'symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true })
      return r.exitCode === 0 && r.stdout ? r.stdout : undefined
    }
    for (const full of [`refs/heads/${ref}`, `refs/remotes/origin/${ref}`]) {
      const r = await run('git', ['-C', this.dir, 'show-ref', '--verify', '--quiet', full], { allowFailure: true })
      if (r.exitCode === 0) return ref
    }
    return undefined
  }

  /** Whether `ancestor` is `commit` or one of its ancestors; false when either is unknown here. */
  async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    return (await run('git', ['-C', this.dir, 'merge-base', '--is-ancestor', ancestor, commit], { allowFailure: true })).exitCode === 0
  }

  async isShallow(): Promise<boolean> {
    return (await this.git(['rev-parse', '--is-shallow-repository'])) === 'true'
  }

  /** Committer time, in Unix seconds. */
  async commitTime(commit: string): Promise<number> {
    return Number(await this.git(['show', '-s', '--format=%ct', commit]))
  }

  /** 'tree', 'blob', … or undefined when the path is not in that commit. */
  async objectType(commit: string, path: string): Promise<string | undefined> {
    const spec = path === '.' ? `${commit}^{tree}` : `${commit}:${path}`
    const r = await run('git', ['-C', this.dir, 'cat-file', '-t', spec], { allowFailure: true })
    return r.exitCode === 0 ? r.stdout : undefined
  }

  /** Git's content hash of a path (tree or blob) at a commit. */
  async objectId(commit: string, path: string): Promise<string> {
    return this.git(['rev-parse', path === '.' ? `${commit}^{tree}` : `${commit}:${path}`])
  }

  /** Every file path of a commit. */
  async files(commit: string): Promise<Set<string>> {
    return new Set((await this.git(['ls-tree', '-r', '-z', '--name-only', commit])).split('\0').filter(Boolean))
  }

  /** A file's text at a commit, or undefined when the commit has no such file. */
  async fileAt(commit: string, path: string): Promise<string | undefined> {
    const r = await run('git', ['-C', this.dir, 'cat-file', 'blob', `${commit}:${path}`], { allowFailure: true })
    return r.exitCode === 0 ? r.stdout : undefined
  }

  /**
   * The paths each of the last `count` first-parent commits up to `commit` changed, newest first: what a
   * build of each of them saw change since the one before. A merge counts against its first parent.
   */
  async changedPaths(commit: string, count: number): Promise<string[][]> {
    const out = await this.git(['log', '--first-parent', `-n${count}`, '--diff-merges=first-parent', '--no-renames', '--name-only', '-z', '--format=%x01%H', commit, '--'])
    return out
      .split('\x01')
      .filter(Boolean)
      .map(entry => entry.split('\0').slice(1).map(p => p.replace(/^\n/, '')).filter(Boolean))
  }

  /** Writes the tracked files of `paths` at `commit` as a tar; export-ignore attributes are honoured. */
  async archive(commit: string, paths: string[], tarFile: string): Promise<void> {
    // Modes go into BuildKit's cache keys: fix the umask so they don't depend on the runner's git config.
    await this.git(['-c', 'tar.umask=0022', 'archive', '--format=tar', `--output=${tarFile}`, commit, '--', ...paths])
  }

  /** The web address of the origin remote, without any credentials in it. */
  async originUrl(): Promise<string | undefined> {
    const r = await run('git', ['-C', this.dir, 'remote', 'get-url', 'origin'], { allowFailure: true })
    if (r.exitCode !== 0 || !r.stdout) return undefined
    const ssh = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?$/.exec(r.stdout)
    if (ssh) return `https://${ssh[1]}/${ssh[2]}`
    try {
      const url = new URL(r.stdout)
      if (!/^https?:$/.test(url.protocol)) return undefined
      url.username = ''
      url.password = ''
      return url.toString().replace(/\.git$/, '')
    } catch {
      return undefined
    }
  }
}
