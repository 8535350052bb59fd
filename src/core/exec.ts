// The one place that runs external programs (git, docker, tar): arguments as arrays, never a shell.
import * as exec from '@actions/exec'
import { CommandError } from './errors.js'

export interface RunOptions {
  /** Written to the program's standard input (how secrets reach docker login). */
  input?: string
  env?: Record<string, string>
  cwd?: string
  /** Show the output live (builds, tests); otherwise it is only captured. */
  stream?: boolean
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await exec.getExecOutput(command, args, {
    ignoreReturnCode: true,
    silent: !options.stream,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    cwd: options.cwd,
    env: options.env ? { ...(process.env as Record<string, string>), ...options.env } : undefined
  })
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new CommandError(`${command} ${args[0] ?? ''}`.trim(), result.exitCode, result.stderr || result.stdout)
  }
  return { stdout: result.stdout.trim(), stderr: result.stderr.trim(), exitCode: result.exitCode }
}

/** Runs a command and returns its trimmed standard output. */
export async function output(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return (await run(command, args, options)).stdout
}
