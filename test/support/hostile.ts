// What the hostile suites share: a docker that records every call, the runner's reading of a log, and
// the checks that a run left nothing and leaked nothing.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from '@jest/globals'
import type { ActionRun } from './action.js'
import { registryTags } from './registry.js'
import { tempDir } from './repo.js'
import { testbed } from './testbed.js'

// Every secret a runner could hold; none may reach a log, the summary, outputs, state or any program.
export const ACTIONS_TOKEN = `actions-runtime-${randomBytes(8).toString('hex')}`
export const GITHUB_TOKEN = `ghs_${randomBytes(12).toString('hex')}`
export const SECRETS = [testbed.password, ACTIONS_TOKEN, GITHUB_TOKEN]
export const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }

/** A docker on PATH that records the arguments and environment of every call, then runs the real one found on `path`. */
export function dockerShim(path = process.env.PATH ?? ''): { dir: string; calls: () => string; real: string } {
  const dir = tempDir('shim')
  const log = join(dir, 'calls.log')
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8', env: { ...process.env, PATH: path } }).trim()
  writeFileSync(log, '')
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\n{ printf 'ARGV'; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; env | sed 's/^/ENV /'; } >> '${log}'\nexec '${real}' "$@"\n`)
  chmodSync(join(dir, 'docker'), 0o755)
  return { dir, real, calls: () => readFileSync(log, 'utf8') }
}

/** The runner's environment around the action: its tokens, and the password a workflow passes by env. */
export const runnerSecrets = (): Record<string, string> => ({ ACTIONS_RUNTIME_TOKEN: ACTIONS_TOKEN, GITHUB_TOKEN, HASHDOCK_REGISTRY_PASSWORD: testbed.password })

const RUNNER_COMMANDS = new Set(['add-mask', 'set-output', 'set-env', 'add-path', 'error', 'warning', 'notice', 'debug', 'group', 'endgroup', 'echo', 'save-state', 'stop-commands', 'add-matcher', 'remove-matcher'])

export interface Command {
  name: string
  data: string
}

function parseLine(line: string): Command | undefined {
  const trimmed = line.trim()
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2)
    if (end > 2) return { name: trimmed.slice(2, end).split(' ')[0].toLowerCase(), data: trimmed.slice(end + 2) }
  }
  const start = line.indexOf('##[')
  const end = start < 0 ? -1 : line.indexOf(']', start)
  if (end > start + 3) return { name: line.slice(start + 3, end).split(' ')[0].toLowerCase(), data: line.slice(end + 1) }
  return undefined
}

/** The commands the runner would obey: it splits lines at CR and LF, and honours stop-commands. */
export function obeyed(stdout: string): { commands: Command[]; stoppedAtEnd: boolean } {
  let stop: string | undefined
  const commands: Command[] = []
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const c = parseLine(line)
    if (!c) continue
    if (stop) {
      if (c.name === stop) stop = undefined
      continue
    }
    if (c.name === 'stop-commands') stop = c.data.toLowerCase()
    // A debug command only shows its data (escaped by the toolkit): hashdock's command lines go there.
    else if (RUNNER_COMMANDS.has(c.name) && c.name !== 'debug') commands.push(c)
  }
  return { commands, stoppedAtEnd: stop !== undefined }
}

/** The log as shown: the runner consumes ::add-mask:: lines (how setSecret reaches it). */
export const shown = (stdout: string): string => stdout.split('\n').filter(l => !l.startsWith('::add-mask::')).join('\n')

/** What a run left on an engine and on disk: resources named or labelled with its ID, files in its work dir. */
export function leftovers(run: ActionRun, docker: (...args: string[]) => string): string[] {
  const found = readdirSync(run.runnerTemp).filter(f => f.startsWith('hashdock-') && f !== 'hashdock-buildcache').map(f => `file ${f}`)
  const runId = run.state['hashdock-run-id']
  if (!runId) return found
  const project = `hashdock-${runId}`
  const list = (...args: string[]): string[] => docker(...args).split('\n').filter(Boolean)
  return [
    ...found,
    ...list('ps', '--all', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`),
    ...list('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`),
    ...list('network', 'ls', '--quiet', '--filter', `name=${project}`),
    ...list('network', 'ls', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`),
    ...list('volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`),
    ...list('volume', 'ls', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`),
    ...list('image', 'ls', '--quiet', '--filter', `reference=${project}-*`),
    ...list('image', 'ls', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`)
  ].map(id => `${id}`)
}

/** No secret in the log as shown, the summary, outputs, state, or any docker call's arguments or environment. */
export function expectNoSecret(run: ActionRun, calls: string): void {
  for (const secret of SECRETS) {
    expect(shown(run.stdout)).not.toContain(secret)
    expect(run.summary).not.toContain(secret)
    expect(JSON.stringify(run.outputs)).not.toContain(secret)
    expect(JSON.stringify(run.state)).not.toContain(secret)
    expect(calls).not.toContain(secret)
  }
  expect(calls).not.toMatch(/^ENV (INPUT_|ACTIONS_|GITHUB_TOKEN=|HASHDOCK_REGISTRY_PASSWORD=)/m)
}

/** One error line matching `message`, no stack trace, nothing pushed, no secret anywhere, nothing left. */
export async function expectRefused(run: ActionRun, image: string, message: RegExp, calls: string, docker: (...args: string[]) => string): Promise<void> {
  expect(run.errors).toHaveLength(1)
  expect(run.errors[0]).toMatch(message)
  expect(run.exitCode).toBe(1)
  expect(run.stdout).not.toMatch(/^\s+at .*(\.js|\.ts):\d+/m)
  expect(await registryTags(image)).toEqual([])
  expectNoSecret(run, calls)
  expect(leftovers(run, docker)).toEqual([])
}
