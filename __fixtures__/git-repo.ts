// Real git repositories for tests: fixed identity and dates, no signing, no user configuration.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Runs git in `cwd`; with `time`, author and committer dates are fixed (committer may differ). */
export function git(cwd: string, args: string[], time?: { author?: number; committer: number }): string {
  const dates =
    time === undefined
      ? {}
      : { GIT_AUTHOR_DATE: `@${time.author ?? time.committer} +0000`, GIT_COMMITTER_DATE: `@${time.committer} +0000` }
  return execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false', '-c', 'init.defaultBranch=main', ...args],
    { cwd, env: { ...process.env, ...dates }, encoding: 'utf8' }
  ).trim()
}

export function write(repo: string, path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true })
  writeFileSync(join(repo, path), content)
  chmodSync(join(repo, path), mode)
}

/** Stages everything and commits at `committer` time; returns the full hash. */
export function commitAll(repo: string, message: string, committer: number, author?: number): string {
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '--allow-empty', '-m', message], { committer, author })
  return git(repo, ['rev-parse', 'HEAD'])
}
