// What the pipeline asks of git, each answer from one git command.
import { output, run } from './exec.js'

export class Git {
  constructor(readonly dir: string) {}

  private git(args: string[]): Promise<string> {
    return output('git', ['-C', this.dir, ...args])
  }

  async isRepository(): Promise<boolean> {
    return (await run('git', ['-C', this.dir, 'rev-parse', '--git-dir'], { allowFailure: true })).exitCode === 0
  }

  /** The full hash of a commit-ish, or undefined when it names no commit here. */
  async resolve(ref: string): Promise<string | undefined> {
    // A checkout often has the branch only as a remote-tracking ref (origin/main).
    for (const candidate of [ref, `origin/${ref}`]) {
      const r = await run('git', ['-C', this.dir, 'rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { allowFailure: true })
      if (r.exitCode === 0 && r.stdout) return r.stdout
    }
    return undefined
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
