// 3. hashdock's per-file context against `git archive` plus Debian's `git restore-mtime` over the same history.
import { mkdirSync, rmSync } from 'node:fs'
import { git, gitInto, progress, ratio, run, stat, type Bench } from './kit.js'
import type { BenchTable } from './results.js'

const title = 'Per-file build context of a large repository'

/** The table, or none measured (no large repository given): then the table says so and is not saved. */
export function contextBench(bench: Bench): { table: BenchTable; measured: boolean } {
  const source = bench.options.largeRepo
  if (!source) return { table: { title, head: ['method', 'median s'], rows: [['skipped: no `--large-repo` given (a URL or a local clone with full history)', '']] }, measured: false }
  const { runs } = bench
  progress('context: cloning the large repository (full history)')
  const clone = bench.dir('large')
  run('git', ['clone', '-q', source, clone])
  // hashdock's plan insists on a Dockerfile; a repository without one names any tracked file instead.
  const dockerfile = git(clone, 'ls-files', 'Dockerfile') ? [] : ['--dockerfile', git(clone, 'ls-files').split('\n').find(f => !f.startsWith('.')) ?? 'Dockerfile']
  // Written data is flushed before each timing, so no method pays for the previous one's disk writes.
  const timed = (fn: () => { seconds: number }): number => (run('sync', []), fn().seconds)
  const ours: number[] = [], archive: number[] = [], restore: number[] = []
  // Run 0 is a warm-up, not counted: a fresh clone's first reads are slow for whichever method goes first.
  for (let i = 0; i <= runs; i++) {
    progress(i ? `context: run ${i} of ${runs}` : 'context: warm-up')
    const [out, dest] = [bench.dir(`ctx-ours-${i}`), bench.dir(`ctx-theirs-${i}`)]
    const a = timed(() => run('node', [bench.cli, 'context', '--repo', clone, '--mtime', 'per-file', ...dockerfile, '--out', out]))
    mkdirSync(dest)
    const b = timed(() => gitInto(dest, ['-C', clone, 'archive', 'HEAD']))
    // restore-mtime only works on a work tree, so it sets the clone's own files: the same pass over history.
    const c = timed(() => run('git', ['-C', clone, 'restore-mtime', '--quiet', '--commit-time', '--merge', '--first-parent']))
    if (i) ours.push(a), archive.push(b), restore.push(c)
    rmSync(out, { recursive: true, force: true }), rmSync(dest, { recursive: true, force: true })
  }
  const theirs = archive.map((a, i) => a + restore[i])
  const commits = git(clone, 'rev-list', '--count', 'HEAD')
  const firstParent = git(clone, 'rev-list', '--count', '--first-parent', 'HEAD')
  const files = git(clone, 'ls-files').split('\n').length
  const name = /^[\w+.-]+:\/\/|^[\w.-]+@/.test(source) ? source : 'a local repository'
  return {
    measured: true,
    table: {
      title: `${title}: ${name} at ${git(clone, 'rev-parse', '--short=12', 'HEAD')}, ${commits} commits (${firstParent} first-parent), ${files} files`,
      head: ['method', 'median s (min–max)', 'vs.'],
      rows: [
        [`hashdock \`context --mtime per-file${dockerfile.length ? ` --dockerfile ${dockerfile[1]}` : ''}\` (whole CLI run)`, stat(ours), ratio(ours, theirs, 0.2)],
        [`\`git archive HEAD \\| tar -x\` (${stat(archive)}) + \`git restore-mtime --commit-time --merge --first-parent\` (${stat(restore)})`, stat(theirs), '']
      ]
    }
  }
}
