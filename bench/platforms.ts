// 4. The same unit tests in the linux/amd64 image (native here) and the linux/arm64 image (under QEMU
// emulation) of one two-platform build of the example app, and the whole run against a one-platform
// run. The builder is the test bed's multi-platform one, emptied before each run.
import { mkdirSync } from 'node:fs'
import { testbed } from '../test/support/testbed.js'
import { git, gitInto, median, progress, root, run, stat, type Bench } from './kit.js'
import type { BenchTable } from './results.js'

export function platformsBench(bench: Bench): BenchTable {
  const { runs } = bench
  const repo = bench.dir('platforms-fixture')
  mkdirSync(repo)
  gitInto(repo, ['-C', root, 'archive', 'HEAD:examples/flask-app'])
  git(repo, 'init', '-q', '-b', 'main')
  git(repo, 'add', '-A')
  run('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'the example'], { GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' })
  const test = 'python -m pytest -q tests/unit'
  const native: number[] = [], emulated: number[] = [], one: number[] = [], two: number[] = []
  const testSeconds = (log: string, platform: string): number => {
    const m = new RegExp(`Unit tests on ${platform.replace('/', '\\/')}\\s+passed in ([\\d.]+) s`).exec(log)
    if (!m) throw new Error(`platforms: no passing unit tests on ${platform} in the report`)
    return Number(m[1])
  }
  for (let i = 0; i < runs; i++) {
    progress(`platforms: run ${i + 1} of ${runs}`)
    for (const [platforms, times] of [['linux/amd64', one], ['linux/amd64,linux/arm64', two]] as const) {
      run('docker', ['buildx', 'prune', '-af', '--builder', testbed.multiBuilder])
      const image = bench.repository(`platforms-${i}`)
      const r = run('node', [bench.cli, 'build', '--repo', repo, '--image', image, '--builder', testbed.multiBuilder, '--build-args', `BASE=${testbed.multiBaseRef}`,
        '--platforms', platforms, '--test-command', test, '--registry-username', testbed.username], { HASHDOCK_REGISTRY_PASSWORD: testbed.password })
      times.push(r.seconds)
      if (platforms.includes(',')) native.push(testSeconds(r.log, 'linux/amd64')), emulated.push(testSeconds(r.log, 'linux/arm64'))
    }
  }
  return {
    title: 'Unit tests of one two-platform build: linux/amd64 (native here) beside linux/arm64 (QEMU emulation), cold builder',
    head: ['what', 'median s (min–max)'],
    rows: [
      ['unit tests in the linux/amd64 image, native', stat(native)],
      ['unit tests in the linux/arm64 image, emulated', stat(emulated)],
      ['**ratio emulated / native tests**', `**${(median(emulated) / median(native)).toFixed(2)}×**`],
      ['whole run, `--platforms linux/amd64`', stat(one)],
      ['whole run, `--platforms linux/amd64,linux/arm64`', stat(two)]
    ]
  }
}
