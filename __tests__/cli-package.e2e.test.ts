// The CLI as people install it: the tarball `npm pack` makes, installed globally into a fresh prefix,
// gives a `hashdock` command that runs with nothing else installed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { beforeAll, expect, jest, test } from '@jest/globals'

jest.setTimeout(120_000)

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string }
const root = mkdtempSync(join(tmpdir(), 'hashdock-package-'))
const prefix = join(root, 'prefix')
// Only node itself and the installed prefix: no checkout, no node_modules, no docker needed to say what it is.
const PATH = [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter)
let files: string[] = []

const npm = (...args: string[]) => spawnSync('npm', args, { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } })
const hashdock = (...args: string[]) => spawnSync('hashdock', args, { cwd: root, encoding: 'utf8', env: { PATH, HOME: root } })

beforeAll(() => {
  const pack = npm('pack', '--json', '--pack-destination', root, process.cwd())
  expect(pack.status).toBe(0)
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[]
  files = packed.files.map(f => f.path)
  // --offline: the package has no dependencies to fetch, the bundle carries them.
  const install = npm('install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(root, packed.filename))
  expect(install.stderr).not.toMatch(/ERR!/)
  expect(install.status).toBe(0)
})

test('the tarball carries the CLI bundle, its notices, the license and the docs, and nothing of the action or the sources', () => {
  expect(files).toEqual(expect.arrayContaining(['dist/cli/index.js', 'dist/cli/licenses.txt', 'dist/cli/package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']))
  expect(files.filter(f => f.startsWith('src/') || f.startsWith('__tests__/') || f === 'dist/index.js' || f === 'action.yml')).toEqual([])
})

test('hashdock --version: the package version, exit 0', () => {
  const run = hashdock('--version')
  expect(run.stderr).toBe('')
  expect(run.status).toBe(0)
  expect(run.stdout).toBe(`hashdock ${pkg.version}\n`)
})

test('hashdock --help: the usage, exit 0', () => {
  const run = hashdock('--help')
  expect(run.status).toBe(0)
  expect(run.stdout).toMatch(/^Usage: hashdock /)
  expect(run.stdout).toContain('build')
})

test('hashdock doctor: the installed command finds the engine and says what a build here needs', () => {
  const docker = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim()
  const env = { PATH: [dirname(docker), PATH].join(delimiter), HOME: root, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) }
  const run = spawnSync('hashdock', ['doctor', '--json'], { cwd: root, encoding: 'utf8', env })
  expect(run.status).toBe(0)
  const report = JSON.parse(run.stdout) as { ready: boolean; checks: { id: string; state: string; found: string }[] }
  expect(report.ready).toBe(true)
  expect(report.checks.find(c => c.id === 'docker')).toMatchObject({ state: 'ok', found: expect.stringMatching(/\d+\.\d+/) })
  expect(report.checks.find(c => c.id === 'buildx')).toMatchObject({ state: 'ok' })
})

test('a wrong command line: exit 2 and one line', () => {
  const run = hashdock('deploy')
  expect(run.status).toBe(2)
  expect(run.stdout).toBe('')
  expect(run.stderr).toMatch(/^hashdock: unknown command 'deploy'/)
})
