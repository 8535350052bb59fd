// Resolving what githash names, against a real repository: no short hash read as a tag, no widening.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitAll, git, write } from '../../../__fixtures__/git-repo.js'
import { Git } from '../../../src/core/programs/git.js'

let repo: string
let c1: string
let c2: string

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'hashdock-git-'))
  git(repo, ['init', '-q'])
  write(repo, 'a', '1')
  c1 = commitAll(repo, 'one', 1_700_000_000)
  write(repo, 'a', '2')
  c2 = commitAll(repo, 'two', 1_700_000_100)
  // A tag named like the first commit's short hash, on the second commit.
  git(repo, ['tag', c1.slice(0, 8), c2])
  // A local branch that only looks like a remote-tracking one.
  git(repo, ['branch', 'origin/feature', c1])
  git(repo, ['update-ref', 'refs/remotes/origin/release', c2])
}, 30_000)
afterAll(() => rmSync(repo, { recursive: true, force: true }))

test('a short hash that is also a tag name is refused as ambiguous', async () => {
  await expect(new Git(repo).resolve(c1.slice(0, 8))).rejects.toThrow(/^githash: '[0-9a-f]{8}' is ambiguous: it could be [0-9a-f]{12} or [0-9a-f]{12}; give the full 40-character hash$/)
}, 30_000)

test('a short hash alone names its commit', async () => {
  expect(await new Git(repo).resolve(c2.slice(0, 9))).toBe(c2)
}, 30_000)

test('a full hash names its commit', async () => {
  expect(await new Git(repo).resolve(c1)).toBe(c1)
}, 30_000)

test('a branch found only as a remote-tracking ref', async () => {
  expect(await new Git(repo).resolve('release')).toBe(c2)
}, 30_000)

test('the fallback is refs/remotes/origin/<name>, never a local branch named origin/<name>', async () => {
  expect(await new Git(repo).resolve('feature')).toBeUndefined()
}, 30_000)

test('a revision that could read as an option names nothing', async () => {
  expect(await new Git(repo).resolve('--all')).toBeUndefined()
}, 30_000)

test('changed paths: first-parent commits newest first, a merge against its first parent, a rename as both paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-git-'))
  try {
    git(dir, ['init', '-q'])
    write(dir, 'a.txt', '1')
    write(dir, 'b.txt', '1')
    commitAll(dir, 'one', 1_700_000_000)
    git(dir, ['checkout', '-q', '-b', 'side'])
    write(dir, 'side/x.txt', 'x')
    commitAll(dir, 'side one', 1_700_000_100)
    write(dir, 'side/y.txt', 'y')
    commitAll(dir, 'side two', 1_700_000_200)
    git(dir, ['checkout', '-q', 'main'])
    git(dir, ['mv', 'b.txt', 'c.txt'])
    commitAll(dir, 'rename', 1_700_000_300)
    git(dir, ['merge', '-q', '--no-ff', '-m', 'merge side', 'side'], { committer: 1_700_000_400 })
    const head = git(dir, ['rev-parse', 'HEAD'])
    expect(await new Git(dir).changedPaths(head, 10)).toEqual([['side/x.txt', 'side/y.txt'], ['b.txt', 'c.txt'], ['a.txt', 'b.txt']])
    expect(await new Git(dir).changedPaths(head, 2)).toHaveLength(2)
    expect(await new Git(dir).fileAt(head, 'c.txt')).toBe('1')
    expect(await new Git(dir).fileAt(head, 'b.txt')).toBeUndefined()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 30_000)
