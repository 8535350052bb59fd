// The build context: the commit's tracked files only, from a real repository, every timestamp the commit's.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitAll, git, write } from '../../../__fixtures__/git-repo.js'
import { Input } from '../../../src/core/constants.js'
import { createContext, setTimes } from '../../../src/core/stages/context.js'
import { parseInputs } from '../../../src/core/inputs.js'
import type { SourcePlan } from '../../../src/core/stages/plan.js'

// These tests run git: on a loaded machine one can take longer than jest's default 5 s.
jest.setTimeout(30_000)

// 2021-06-15T12:00:00Z; the author date differs so a wrong clock would show.
const COMMIT_TIME = 1_623_758_400
const AUTHOR_TIME = 1_500_000_000

/** Every entry under `dir` (files, symlinks, directories), as posix paths relative to it. */
function entries(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = rel ? `${rel}/${e.name}` : e.name
    return e.isDirectory() ? [path, ...entries(join(dir, e.name), path)] : [path]
  })
}

const filesOnly = (dir: string): string[] => entries(dir).filter(p => !lstatSync(join(dir, p)).isDirectory()).sort()

let scratch: string
let repo: string
let commit: string
let umask: number

function planFor(context: Record<string, string>, root: string): SourcePlan {
  const raw: Partial<Record<Input, string>> = { [Input.Image]: 'ghcr.io/acme/app', ...context }
  const inputs = parseInputs(name => raw[name] ?? '')
  return {
    workspace: { repoDir: repo, workDir: root, runId: 'test1', defaultRef: 'HEAD' },
    commit,
    commitTime: COMMIT_TIME,
    ref: commit,
    contextPath: inputs[Input.Context],
    dockerfilePath: inputs[Input.Dockerfile] || (inputs[Input.Context] === '.' ? 'Dockerfile' : `${inputs[Input.Context]}/Dockerfile`),
    dockerfile: { text: '', stages: [] },
    mtime: inputs[Input.Mtime],
    namedContexts: inputs[Input.BuildContexts],
    wholeTree: inputs[Input.Context] === '.' || Boolean(inputs[Input.ComposeFile]),
    target: inputs[Input.Target]
  }
}

beforeAll(() => {
  umask = process.umask(0o022)
  scratch = mkdtempSync(join(tmpdir(), 'hashdock-context-'))
  repo = join(scratch, 'repo')
  mkdirSync(repo)
  git(repo, ['init', '-q'])
  write(repo, 'Dockerfile', 'FROM scratch\nCOPY . /app\n')
  write(repo, 'app/run.sh', '#!/bin/sh\necho run\n', 0o755)
  write(repo, 'app/nested/deep/data.txt', 'deep\n')
  write(repo, 'tracked.txt', 'committed\n')
  write(repo, 'secret.txt', 'not for the image\n')
  write(repo, 'docs/notes.md', 'exported\n')
  write(repo, '.gitattributes', 'secret.txt export-ignore\n')
  symlinkSync('app/run.sh', join(repo, 'link'))
  commit = commitAll(repo, 'first', COMMIT_TIME, AUTHOR_TIME)
  // After the commit: none of this may reach the context.
  write(repo, 'tracked.txt', 'modified in the working tree\n')
  write(repo, 'untracked.txt', 'untracked\n')
  write(repo, 'app/untracked-too.txt', 'untracked\n')
  write(repo, '.gitattributes', 'secret.txt export-ignore\nDockerfile export-ignore\n')
})

afterAll(() => {
  process.umask(umask)
  rmSync(scratch, { recursive: true, force: true })
})

describe('createContext, the whole repository', () => {
  let root: string
  let tree: string

  beforeAll(async () => {
    root = mkdtempSync(join(scratch, 'run-'))
    const context = await createContext(planFor({}, root), root)
    tree = context.tree
    expect(context.tree).toBe(join(root, 'tree'))
    expect(context.contextDir).toBe(join(root, 'tree'))
    expect(context.dockerfile).toBe(join(root, 'tree', 'Dockerfile'))
  })

  test('exactly the tracked files of the commit, export-ignored ones left out', () => {
    expect(filesOnly(tree)).toEqual(['.gitattributes', 'Dockerfile', 'app/nested/deep/data.txt', 'app/run.sh', 'docs/notes.md', 'link', 'tracked.txt'])
  })

  test('nothing but the tree is left in the run directory', () => {
    expect(readdirSync(root)).toEqual(['tree'])
  })

  test('committed content, not the working tree modification', () => {
    expect(readFileSync(join(tree, 'tracked.txt'), 'utf8')).toBe('committed\n')
    expect(readFileSync(join(tree, '.gitattributes'), 'utf8')).toBe('secret.txt export-ignore\n')
  })

  test('the symlink stays a symlink to the same target', () => {
    expect(lstatSync(join(tree, 'link')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(join(tree, 'link'))).toBe('app/run.sh')
  })

  test("by default each file's time comes from its content (its blob id), each directory's from the newest below it", () => {
    const blobs = new Map(
      execFileSync('git', ['-C', repo, 'ls-tree', '-r', '-z', commit], { encoding: 'utf8' })
        .split('\0')
        .filter(Boolean)
        .map(line => [line.slice(line.indexOf('\t') + 1), line.split(' ')[2].split('\t')[0]] as const)
    )
    const expected = (path: string): number => 1 + (parseInt((blobs.get(path) ?? '').slice(0, 7), 16) % 2 ** 28)
    for (const path of ['Dockerfile', 'tracked.txt', 'app/run.sh', 'link']) {
      expect([path, lstatSync(join(tree, path)).mtimeMs]).toEqual([path, expected(path) * 1000])
    }
    expect(lstatSync(join(tree, 'app/nested/deep')).mtimeMs).toBe(expected('app/nested/deep/data.txt') * 1000)
  })

  test('a file whose content did not change keeps its time in the next commit; one that changed gets another', async () => {
    const next = mkdtempSync(join(scratch, 'next-'))
    // The next commit, made beside the working tree (which holds changes of its own): tracked.txt changed.
    const g = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string =>
      execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', ...options, env: { ...process.env, ...options.env } }).trim()
    const index = { GIT_INDEX_FILE: join(next, 'index') }
    const blob = g(['hash-object', '-w', '--stdin'], { input: 'changed\n' })
    g(['read-tree', commit], { env: index })
    g(['update-index', '--cacheinfo', `100644,${blob},tracked.txt`], { env: index })
    const tree2 = g(['write-tree'], { env: index })
    const second = g(['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit-tree', tree2, '-p', commit, '-m', 'change one file'])
    const context = await createContext({ ...planFor({}, next), commit: second }, next)
    expect(lstatSync(join(context.tree, 'Dockerfile')).mtimeMs).toBe(lstatSync(join(tree, 'Dockerfile')).mtimeMs)
    expect(lstatSync(join(context.tree, 'tracked.txt')).mtimeMs).not.toBe(lstatSync(join(tree, 'tracked.txt')).mtimeMs)
  })

  test('mtime: commit gives every entry the commit time', async () => {
    const other = mkdtempSync(join(scratch, 'run-'))
    const context = await createContext(planFor({ [Input.Mtime]: 'commit' }, other), other)
    for (const path of ['', ...entries(context.tree)]) {
      expect([path, lstatSync(join(context.tree, path)).mtimeMs]).toEqual([path, COMMIT_TIME * 1000])
    }
  })

  test('file modes 0644 and 0755, directories 0755', () => {
    const mode = (path: string): number => statSync(join(tree, path)).mode & 0o777
    expect(mode('Dockerfile')).toBe(0o644)
    expect(mode('tracked.txt')).toBe(0o644)
    expect(mode('app/nested/deep/data.txt')).toBe(0o644)
    expect(mode('app/run.sh')).toBe(0o755)
    expect(mode('app')).toBe(0o755)
    expect(mode('app/nested/deep')).toBe(0o755)
  })
})

describe('createContext, a sub-directory context', () => {
  test('only the context and the Dockerfile, with the commit time', async () => {
    const root = mkdtempSync(join(scratch, 'run-'))
    const context = await createContext(planFor({ [Input.Context]: './app/', [Input.Dockerfile]: 'Dockerfile', [Input.Mtime]: 'commit' }, root), root)
    expect(filesOnly(context.tree)).toEqual(['Dockerfile', 'app/nested/deep/data.txt', 'app/run.sh'])
    expect(context.contextDir).toBe(join(root, 'tree', 'app'))
    expect(context.dockerfile).toBe(join(root, 'tree', 'Dockerfile'))
    for (const path of ['', ...entries(context.tree)]) {
      expect([path, lstatSync(join(context.tree, path)).mtimeMs]).toEqual([path, COMMIT_TIME * 1000])
    }
  })

  test('with a compose file: the whole tree, since services build from anywhere', async () => {
    write(repo, 'compose.yml', 'services: {}\n')
    const root = mkdtempSync(join(scratch, 'run-'))
    const context = await createContext(
      planFor({ [Input.Context]: 'app', [Input.Dockerfile]: 'Dockerfile', [Input.ComposeFile]: 'compose.yml' }, root),
      root
    )
    rmSync(join(repo, 'compose.yml'))
    // compose.yml was never committed: whole means the commit's tree, still not the working tree.
    expect(filesOnly(context.tree)).toEqual(['.gitattributes', 'Dockerfile', 'app/nested/deep/data.txt', 'app/run.sh', 'docs/notes.md', 'link', 'tracked.txt'])
    expect(context.contextDir).toBe(join(root, 'tree', 'app'))
  })
})

describe('setTimes', () => {
  const T = 1_234_567_890
  let dir: string
  let outside: string

  beforeAll(() => {
    dir = mkdtempSync(join(scratch, 'times-'))
    outside = mkdtempSync(join(scratch, 'outside-'))
    mkdirSync(join(dir, 'a/b/c'), { recursive: true })
    mkdirSync(join(dir, 'empty'))
    writeFileSync(join(dir, 'top.txt'), 'top')
    writeFileSync(join(dir, 'a/b/c/leaf.txt'), 'leaf')
    writeFileSync(join(outside, 'target.txt'), 'outside')
    utimesSync(join(outside, 'target.txt'), 1000, 1000)
    utimesSync(outside, 1000, 1000)
    symlinkSync(join(outside, 'target.txt'), join(dir, 'to-outside-file'))
    symlinkSync(outside, join(dir, 'a/to-outside-dir'))
    symlinkSync('does-not-exist', join(dir, 'dangling'))
  })

  test('every entry, the root, symlinks and empty directories included, gets the time', async () => {
    await setTimes(dir, T)
    const all = ['', ...entries(dir)]
    expect(all).toEqual(expect.arrayContaining(['', 'a', 'a/b', 'a/b/c', 'empty', 'dangling', 'a/to-outside-dir']))
    for (const path of all) {
      // atime is not checked: listing the tree to check it reads the directories again.
      expect([path, lstatSync(join(dir, path)).mtimeMs]).toEqual([path, T * 1000])
    }
  })

  test('symlinks are not followed: what they point at keeps its time', async () => {
    await setTimes(dir, T)
    expect(lstatSync(join(outside, 'target.txt')).mtimeMs).toBe(1000 * 1000)
    expect(lstatSync(outside).mtimeMs).toBe(1000 * 1000)
  })
})

describe('createContext, hostile commits and hosts', () => {
  test('file modes do not depend on the umask of whoever extracts the commit', async () => {
    const previous = process.umask(0o077)
    try {
      const root = join(scratch, 'umask')
      const { tree } = await createContext(planFor({}, root), root)
      expect(statSync(tree).mode & 0o777).toBe(0o755)
      expect(statSync(join(tree, 'app')).mode & 0o777).toBe(0o755)
      expect(statSync(join(tree, 'app/run.sh')).mode & 0o777).toBe(0o755)
      expect(statSync(join(tree, 'tracked.txt')).mode & 0o777).toBe(0o644)
    } finally {
      process.umask(previous)
    }
  })

  test('a Dockerfile that is a symlink in the commit is refused, naming the input', async () => {
    const root = join(scratch, 'linked-dockerfile')
    await expect(createContext(planFor({ [Input.Dockerfile]: 'link' }, root), root)).rejects.toThrow(
      "dockerfile: 'link' is a symlink in the commit; commit the Dockerfile itself"
    )
  })

  test('a file name that is not UTF-8 gets its time like any other, with per-file times too', async () => {
    const other = join(scratch, 'bytes-repo')
    mkdirSync(other)
    git(other, ['init', '-q'])
    write(other, 'Dockerfile', 'FROM scratch\n')
    writeFileSync(Buffer.concat([Buffer.from(join(other, 'name-')), Buffer.from([0xff, 0xfe])]), 'bytes\n')
    const bytesCommit = commitAll(other, 'bytes', COMMIT_TIME)
    for (const mtime of ['commit', 'per-file']) {
      const root = join(scratch, `bytes-${mtime}`)
      const p = { ...planFor({ [Input.Mtime]: mtime }, root), commit: bytesCommit }
      const { tree } = await createContext({ ...p, workspace: { ...p.workspace, repoDir: other } }, root)
      const names = readdirSync(tree, { encoding: 'buffer' })
      const odd = names.find(n => n.includes(0xff))
      expect(odd).toBeDefined()
      expect(lstatSync(Buffer.concat([Buffer.from(`${tree}/`), odd!])).mtimeMs / 1000).toBe(COMMIT_TIME)
    }
  })
})
