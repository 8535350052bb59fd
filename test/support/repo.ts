// Real git repositories for tests: commits at fixed times, clones the way a runner checks out.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const exampleDir = fileURLToPath(new URL('../../examples/flask-app', import.meta.url))

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim()
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hashdock-test-${prefix}-`))
}

export class FixtureRepo {
  readonly dir = tempDir('origin')

  constructor() {
    git(this.dir, 'init', '-q', '-b', 'main')
  }

  /** Copies a directory into the repository (at `into`). */
  copy(from: string, into = '.'): this {
    cpSync(from, join(this.dir, into), { recursive: true })
    return this
  }

  write(path: string, content: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true })
    writeFileSync(join(this.dir, path), content)
    return this
  }

  remove(path: string): this {
    rmSync(join(this.dir, path), { recursive: true, force: true })
    return this
  }

  /** Commits everything at a fixed time (ISO 8601); returns the full hash. */
  commit(message: string, when: string): string {
    git(this.dir, 'add', '-A')
    execFileSync('git', ['-C', this.dir, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', message], {
      env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when }
    })
    return git(this.dir, 'rev-parse', 'HEAD')
  }

  /** A fresh clone, as actions/checkout leaves it (full history unless depth is given). */
  clone(depth?: number): string {
    const dir = tempDir('checkout')
    const args = depth ? ['--depth', String(depth), `file://${this.dir}`] : ['--no-local', this.dir]
    execFileSync('git', ['clone', '-q', ...args, dir])
    return dir
  }
}
