// Runs the bundled dist/index.js exactly as a GitHub runner does: a child process, inputs as INPUT_*
// variables, and the runner's files for outputs, state and the job summary.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './repo.js'
import { testbed } from './testbed.js'

export const actionEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

/** Node 24 from the test bed, as `runs.using: node24` asks; never silently another. */
export function actionNode(): string {
  if (!testbed.node24 || !existsSync(testbed.node24)) throw new Error(`Node 24 is not in the test bed (${testbed.node24}): run scripts/provision.sh`)
  return testbed.node24
}

export interface ActionRun {
  exitCode: number
  stdout: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** The ::error:: lines the step printed. */
  errors: string[]
  runnerTemp: string
}

export interface ActionOptions {
  workspace: string
  sha: string
  inputs: Record<string, string>
  env?: Record<string, string>
  /** Run as the post step, with the state the main step saved. */
  post?: Record<string, string>
  runnerTemp?: string
}

export async function runAction(options: ActionOptions): Promise<ActionRun> {
  const runnerTemp = options.runnerTemp ?? tempDir('runner')
  const files = { output: join(runnerTemp, 'output'), state: join(runnerTemp, 'state'), summary: join(runnerTemp, 'summary'), event: join(runnerTemp, 'event.json') }
  for (const f of Object.values(files)) writeFileSync(f, '')
  writeFileSync(files.event, JSON.stringify({ after: options.sha }))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_SHA: options.sha,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/app',
    RUNNER_TEMP: runnerTemp,
    ...Object.fromEntries(Object.entries(options.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...Object.fromEntries(Object.entries(options.post ?? {}).map(([k, v]) => [`STATE_${k}`, v])),
    ...options.env
  }
  // As GitHub runs it: runs.using node24. (The Node running the tests runs the CLI.)
  const child = spawn(actionNode(), [actionEntry], { env, cwd: options.workspace })
  let stdout = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stdout += d))
  const exitCode = await new Promise<number>(resolve => child.on('close', code => resolve(code ?? -1)))
  return {
    exitCode,
    stdout,
    outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
    state: parseFileCommands(readFileSync(files.state, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    errors: stdout.split('\n').filter(l => l.startsWith('::error')),
    runnerTemp
  }
}

/** Reads GITHUB_OUTPUT / GITHUB_STATE: `name<<delimiter`, value lines, `delimiter`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const end = lines.indexOf(m[2], i + 1)
    values[m[1]] = lines.slice(i + 1, end).join('\n')
    i = end
  }
  return values
}
