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

/**
 * Where streamed output and command lines go. The action keeps docker's output on stdout and command
 * lines at debug level; the CLI sends both to stderr, since its stdout carries only the report or JSON.
 */
export interface ExecOutput {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  command(line: string): void
}

let sink: ExecOutput = { stdout: process.stdout, stderr: process.stderr, command: () => {} }

export function setExecOutput(output: ExecOutput): void {
  sink = output
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  sink.command([command, ...args].join(' '))
  const result = await exec.getExecOutput(command, args, {
    ignoreReturnCode: true,
    // Silent, so @actions/exec prints no `[command]` line of its own; streamed output is forwarded instead.
    silent: true,
    listeners: options.stream ? { stdout: data => sink.stdout.write(data), stderr: data => sink.stderr.write(data) } : undefined,
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
