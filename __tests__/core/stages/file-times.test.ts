// Per-file commit times, read from real repositories built here with fixed commit dates.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { applyFileTimes, directoryTimes, fileCommitTimes, requireFullHistory } from '../../../src/core/stages/file-times.js'

// These tests run git: on a loaded machine one can take longer than jest's default 5 s.
jest.setTimeout(30_000)

const T = {
  first: 1_000_000_000,
  second: 1_000_100_000,
  side1: 1_000_200_000,
  side2: 1_000_250_000,
  main3: 1_000_280_000,
  merge: 1_000_300_000,
  rename: 1_000_400_000,
  empty: 1_000_500_000
}

const NEWLINE = 'new\nline.txt'
const UNICODE = 'ünïcode-日本.txt'

function git(cwd: string, args: string[], time?: number): string {
  const dates = time === undefined ? {} : { GIT_AUTHOR_DATE: `@${time} +0000`, GIT_COMMITTER_DATE: `@${time} +0000` }
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgSign=false', ...args], {
    cwd,
    env: { ...process.env, ...dates },
    encoding: 'utf8'
  })
}

function write(repo: string, path: string, content: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true })
  writeFileSync(join(repo, path), content)
}

function commit(repo: string, message: string, time: number): void {
  git(repo, ['add', '-A'])
  git(repo, ['commit', '-q', '--allow-empty', '-m', message], time)
}

/** Files and symlinks under `dir`, as repository-relative posix paths. */
function listFiles(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = rel ? `${rel}/${e.name}` : e.name
    return e.isDirectory() ? listFiles(join(dir, e.name), path) : [path]
  })
}

let scratch: string
let repo: string
let head: string
let second: string

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'file-times-'))
  repo = join(scratch, 'repo')
  mkdirSync(repo)
  git(repo, ['init', '-q', '-b', 'main'])

  for (const path of ['old.txt', 'src/a.ts', 'src/b.ts', 'docs/readme.md', 'with space.txt', NEWLINE, UNICODE, 'rename-me.txt', 'undone.txt']) {
    write(repo, path, `${path} v1\n`)
  }
  commit(repo, 'first', T.first)

  write(repo, 'src/a.ts', 'a v2\n')
  write(repo, 'with space.txt', 'v2\n')
  symlinkSync('old.txt', join(repo, 'link'))
  commit(repo, 'second', T.second)
  second = git(repo, ['rev-parse', 'HEAD']).trim()

  git(repo, ['checkout', '-q', '-b', 'side'])
  write(repo, 'docs/readme.md', 'side\n')
  write(repo, 'docs/side.md', 'side\n')
  write(repo, 'undone.txt', 'changed on the side\n')
  commit(repo, 'side 1', T.side1)
  write(repo, 'src/b.ts', 'side\n')
  write(repo, 'undone.txt', 'undone.txt v1\n')
  commit(repo, 'side 2', T.side2)

  git(repo, ['checkout', '-q', 'main'])
  write(repo, 'notes.txt', 'main\n')
  commit(repo, 'main 3', T.main3)
  git(repo, ['merge', '-q', '--no-ff', '-m', 'merge side', 'side'], T.merge)

  mkdirSync(join(repo, 'moved'))
  git(repo, ['mv', 'rename-me.txt', 'moved/renamed.txt'])
  write(repo, UNICODE, 'v2\n')
  write(repo, NEWLINE, 'v2\n')
  commit(repo, 'rename', T.rename)

  commit(repo, 'empty', T.empty)
  head = git(repo, ['rev-parse', 'HEAD']).trim()
})

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const atHead: [string, number][] = [
  ['old.txt', T.first],
  // Changed and changed back on the side branch: the merge brought no change to it.
  ['undone.txt', T.first],
  ['link', T.second],
  ['src/a.ts', T.second],
  ['with space.txt', T.second],
  ['docs/readme.md', T.merge],
  ['docs/side.md', T.merge],
  ['src/b.ts', T.merge],
  ['notes.txt', T.main3],
  ['moved/renamed.txt', T.rename],
  [UNICODE, T.rename],
  [NEWLINE, T.rename]
]

describe('fileCommitTimes', () => {
  test('the fixture holds exactly the files the table covers', () => {
    const tracked = git(repo, ['ls-tree', '-r', '-z', '--name-only', head]).split('\0').filter(Boolean)
    expect(tracked.sort()).toEqual(atHead.map(([path]) => path).sort())
  })

  test.each(atHead)('%j at HEAD changed last at %i', async (path, time) => {
    const times = await fileCommitTimes(repo, head, atHead.map(([p]) => p))
    expect(times.get(path)).toBe(time)
  })

  test('a side branch counts as changed by the merge, at the merge time, not at its own commits', async () => {
    const times = await fileCommitTimes(repo, head, ['docs/side.md', 'src/b.ts', 'notes.txt', 'undone.txt'])
    expect(Object.fromEntries(times)).toEqual({ 'docs/side.md': T.merge, 'src/b.ts': T.merge, 'notes.txt': T.main3, 'undone.txt': T.first })
  })

  test('only history reachable from the commit counts', async () => {
    const times = await fileCommitTimes(repo, second, ['old.txt', 'src/a.ts', 'docs/readme.md', 'rename-me.txt', 'link'])
    expect(Object.fromEntries(times)).toEqual({
      'old.txt': T.first,
      'src/a.ts': T.second,
      'docs/readme.md': T.first,
      'rename-me.txt': T.first,
      link: T.second
    })
  })

  test('a path history never mentions gets the commit time', async () => {
    const times = await fileCommitTimes(repo, head, ['old.txt', 'never/seen.txt'])
    expect(Object.fromEntries(times)).toEqual({ 'old.txt': T.first, 'never/seen.txt': T.empty })
  })

  test('no paths, no times', async () => {
    expect((await fileCommitTimes(repo, head, [])).size).toBe(0)
  })

  test('an unknown commit fails with git’s own words', async () => {
    await expect(fileCommitTimes(repo, 'no-such-branch', ['old.txt'])).rejects.toThrow(/exit 128.*no-such-branch/)
  })

  test.each([
    ['log.diffMerges', 'combined'],
    ['diff.renames', 'copies'],
    ['log.showRoot', 'false'],
    ['core.quotePath', 'true']
  ])('a repository configured with %s=%s gives the same times', async (key, value) => {
    git(repo, ['config', key, value])
    try {
      const times = await fileCommitTimes(repo, head, atHead.map(([p]) => p))
      expect(Object.fromEntries(times)).toEqual(Object.fromEntries(atHead))
    } finally {
      git(repo, ['config', '--unset', key])
    }
  })
})

describe('directoryTimes', () => {
  test.each([
    // files, directories
    [{ 'a.txt': 5 }, { '.': 5 }],
    [
      { 'a/b/c.txt': 5, 'a/d.txt': 3, 'e.txt': 1 },
      { 'a/b': 5, a: 5, '.': 5 }
    ],
    [
      { 'x/old.txt': 1, 'x/new.txt': 9, 'y/z/w.txt': 4, 'top.txt': 2 },
      { x: 9, 'y/z': 4, y: 4, '.': 9 }
    ]
  ])('%j → %j', (files, dirs) => {
    expect(Object.fromEntries(directoryTimes(new Map(Object.entries(files))))).toEqual(dirs)
  })

  test('directories of the fixture take their newest file', async () => {
    const dirs = directoryTimes(await fileCommitTimes(repo, head, atHead.map(([p]) => p)))
    expect(Object.fromEntries(dirs)).toEqual({ '.': T.rename, src: T.merge, docs: T.merge, moved: T.rename })
  })
})

describe('requireFullHistory', () => {
  test('a shallow clone is refused, naming mtime, with the full history as the remedy', async () => {
    const shallow = join(scratch, 'shallow')
    git(scratch, ['clone', '-q', '--depth', '1', `file://${repo}`, shallow])
    await expect(requireFullHistory(shallow)).rejects.toMatchObject({
      message: 'mtime: per-file needs the full history, but this clone is shallow',
      remedy: 'full-history'
    })
  })

  test('a full clone passes', async () => {
    await expect(requireFullHistory(repo)).resolves.toBeUndefined()
  })
})

describe('applyFileTimes', () => {
  const FALLBACK = 123
  let tree: string
  let times: Map<string, number>

  beforeAll(async () => {
    tree = join(scratch, 'tree')
    mkdirSync(tree)
    const tar = join(scratch, 'context.tar')
    git(repo, ['archive', '--format=tar', `--output=${tar}`, head])
    execFileSync('tar', ['-x', '-f', tar, '-C', tree])
    times = await fileCommitTimes(repo, head, listFiles(tree))
    // Not from the archive: nothing in the maps names them.
    writeFileSync(join(tree, 'stray.txt'), 'stray\n')
    mkdirSync(join(tree, 'empty'))
    await applyFileTimes(tree, times, FALLBACK)
  })

  const mtime = (path: string): number => lstatSync(join(tree, path)).mtimeMs / 1000
  const atime = (path: string): number => lstatSync(join(tree, path)).atimeMs / 1000

  test.each(atHead)('%j gets %i, mtime and atime', (path, time) => {
    expect([mtime(path), atime(path)]).toEqual([time, time])
  })

  test('the symlink itself gets its own time, not its target’s', () => {
    expect(lstatSync(join(tree, 'link')).isSymbolicLink()).toBe(true)
    expect(mtime('link')).toBe(T.second)
    expect(statSync(join(tree, 'link')).mtimeMs / 1000).toBe(T.first)
  })

  test('each directory, the root included, gets the directoryTimes answer', () => {
    const dirs = directoryTimes(times)
    expect(dirs.size).toBe(4)
    for (const [dir, time] of dirs) expect([dir, mtime(dir)]).toEqual([dir, time])
  })

  test('whatever the maps do not cover gets the fallback', () => {
    expect([mtime('stray.txt'), mtime('empty')]).toEqual([FALLBACK, FALLBACK])
  })

  test('a directory takes its newest entry, whichever order the directory lists them in', async () => {
    const root = join(scratch, 'rotations')
    // The newest time sits on a different name in each directory, so no listing order can hide a wrong pick.
    const files: Record<string, number> = {
      'p/a': 3, 'p/b': 9, 'p/c': 1,
      'q/a': 9, 'q/b': 1, 'q/c': 3,
      'r/a': 1, 'r/b': 3, 'r/c': 9
    }
    for (const path of Object.keys(files)) write(root, path, path)
    await applyFileTimes(root, new Map(Object.entries(files)), FALLBACK)
    const at = (path: string): number => lstatSync(join(root, path)).mtimeMs / 1000
    expect([at('p'), at('q'), at('r'), at('.')]).toEqual([9, 9, 9, 9])
    for (const [path, time] of Object.entries(files)) expect([path, at(path)]).toEqual([path, time])
  })
})
