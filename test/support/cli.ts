// Runs the bundled CLI as a user does: through a pipe, or on a terminal (a pseudo-terminal from script(1)).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const cliEntry = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url))

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
}

/** Standard output and standard error apart, as a shell pipe (`| jq`) sees them. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliEntry, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const exitCode = await new Promise<number>(resolve => child.on('close', code => resolve(code ?? -1)))
  return { exitCode, stdout, stderr }
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** On a terminal: what the user sees, both streams as one, with the terminal's \r\n turned back into \n. */
export async function runCliOnTerminal(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const command = [process.execPath, cliEntry, ...args].map(quote).join(' ')
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', d => (out += d))
  child.stderr.on('data', d => (out += d))
  const exitCode = await new Promise<number>(resolve => child.on('close', code => resolve(code ?? -1)))
  return { exitCode, stdout: out.replace(/\r\n/g, '\n'), stderr: '' }
}
