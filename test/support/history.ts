// A repository with a long, realistic history, written in one `git fast-import` (a commit loop is slow).
import { execFileSync } from 'node:child_process'
import { FixtureRepo, git } from './repo.js'

export interface HistoryCommit {
  message: string
  /** Files written (path → content) or removed (path → null) by this commit. */
  files: Record<string, string | null>
}

/** One commit a day from `start` (Unix seconds), on main, on a fresh FixtureRepo; the working tree checked out. */
export function historyRepo(commits: HistoryCommit[], start = 1_700_000_000): FixtureRepo {
  const repo = new FixtureRepo()
  const chunks: string[] = []
  const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`
  commits.forEach((c, i) => {
    chunks.push(`commit refs/heads/main\nmark :${i + 1}\ncommitter Test <test@example.com> ${start + i * 86_400} +0000\n${data(c.message)}`)
    if (i > 0) chunks.push(`from :${i}\n`)
    for (const [path, content] of Object.entries(c.files)) chunks.push(content === null ? `D ${path}\n` : `M 100644 inline ${path}\n${data(content)}`)
    chunks.push('\n')
  })
  execFileSync('git', ['-C', repo.dir, 'fast-import', '--quiet'], { input: chunks.join('') })
  git(repo.dir, 'checkout', '-q', '-f', 'main')
  return repo
}
