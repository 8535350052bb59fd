// The one place that runs external programs (git, docker, tar): arguments as arrays, never a shell.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CommandError, ProgramMissing } from '../errors.js'

export interface RunOptions {
  /** Written to the program's standard input (how secrets reach docker login). */
  input?: string
  /** Added to the allow-listed environment (see childEnvironment). */
  env?: Record<string, string>
  cwd?: string
  /** Show the output live (builds, tests); otherwise it is only captured. */
  stream?: boolean
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean
  /**
   * The program reads files of the commit that can copy variables into containers (compose's
   * `${NAME}` and `environment: [NAME]`): it gets only what reaches the engine, and `env`.
   */
  untrustedFiles?: boolean
  /**
   * What the result keeps of each output: all of it (what is parsed: JSON, digests, lists of files),
   * or its last OUTPUT_TAIL_BYTES (what a build or a test prints, at any length). Streamed output keeps
   * a tail unless told otherwise; the stream itself shows everything.
   */
  keep?: 'all' | 'tail'
  /**
   * The program draws on this process's terminal itself (BuildKit's TTY view): its standard error is
   * this process's own, shown as it is and not kept in the result.
   */
  terminal?: boolean
  /** Standard output goes into this stream instead of the result; should the stream fail, the program is stopped. */
  stdoutTo?: NodeJS.WritableStream
}

/** The end of a program's output kept when it may print without end: more than any message read from it. */
export const OUTPUT_TAIL_BYTES = 1 << 20

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

/**
 * What git, docker, buildx, compose and skopeo need to find their configuration, the engine, the
 * network and a scratch directory. Nothing else: not the action's inputs (INPUT_*, the registry
 * password among them), not the runner's tokens (ACTIONS_*, GITHUB_TOKEN), not the CLI's password.
 */
const ALLOWED = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'TMP', 'TEMP', 'RUNNER_TEMP', 'TZ', 'LANG', 'LANGUAGE',
  'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME',
  'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_TLS',
  'DOCKER_API_VERSION', 'DOCKER_BUILDKIT', 'DOCKER_DEFAULT_PLATFORM', 'BUILDKIT_PROGRESS', 'SSH_AUTH_SOCK',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REGISTRY_AUTH_FILE', 'CONTAINERS_REGISTRIES_CONF', 'CONTAINERS_POLICY_JSON',
  'GIT_EXEC_PATH', 'GIT_CONFIG_NOSYSTEM'
])
const ALLOWED_PREFIXES = ['LC_', 'BUILDX_']

/** Of those, what compose needs to reach the engine: its interpolation and `environment: [NAME]` see only these. */
const ENGINE_ONLY = new Set(['PATH', 'HOME', 'TMPDIR', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_API_VERSION', 'BUILDX_BUILDER', 'BUILDX_CONFIG'])

/** The environment a child process starts from, built from `source` (this process's, by default). */
export function childEnvironment(untrustedFiles = false, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue
    const allowed = untrustedFiles ? ENGINE_ONLY.has(name) : ALLOWED.has(name) || ALLOWED_PREFIXES.some(p => name.startsWith(p))
    if (allowed) env[name] = value
  }
  return env
}

/**
 * Runs a program and waits for it to end. Node's own spawn, not @actions/exec: that one keeps every
 * unfinished line in memory, growing it by copies, and a test that prints 600 MB without a newline
 * would take the step down with it.
 */
export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  sink.command([command, ...args].join(' '))
  const keep = options.keep ?? (options.stream ? 'tail' : 'all')
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...childEnvironment(options.untrustedFiles), ...options.env },
    stdio: ['pipe', 'pipe', options.terminal ? 'inherit' : 'pipe']
  })
  // Given as pipes above: never null.
  const [stdin, stdoutPipe] = [child.stdin as Writable, child.stdout as Readable]
  const closed = new Promise<number>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      // Not on PATH: one line saying so and what to do (a missing cwd is ENOENT too, and says so as it is).
      reject(error.code === 'ENOENT' && (options.cwd === undefined || existsSync(options.cwd)) ? new ProgramMissing(command) : new Error(`${command}: could not be started: ${error.message}`))
    )
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)))
  })
  const stdout = new Kept(keep)
  const stderr = new Kept(keep)
  child.stderr?.on('data', (data: Buffer) => {
    stderr.add(data)
    if (options.stream) sink.stderr.write(data)
  })
  let piped: Promise<unknown> = Promise.resolve()
  if (options.stdoutTo) {
    piped = pipeline(stdoutPipe, options.stdoutTo).catch((error: unknown) => {
      child.kill()
      throw error
    })
    // Read once the program has ended: a failure before then must not go unhandled.
    piped.catch(() => {})
  } else {
    stdoutPipe.on('data', (data: Buffer) => {
      stdout.add(data)
      if (options.stream) sink.stdout.write(data)
    })
  }
  // A program that exits without reading its input closes the pipe: that is its business, not an error here.
  stdin.on('error', () => {})
  stdin.end(options.input)
  const exitCode = await closed
  await piped
  const result = { stdout: stdout.text(), stderr: stderr.text(), exitCode }
  if (exitCode !== 0 && !options.allowFailure) {
    throw new CommandError(`${command} ${args[0] ?? ''}`.trim(), exitCode, result.stderr || result.stdout || (options.terminal ? 'its error is shown above' : ''))
  }
  return { stdout: result.stdout.trim(), stderr: result.stderr.trim(), exitCode }
}

/** A program's output as the result keeps it: every byte, or the last OUTPUT_TAIL_BYTES. */
class Kept {
  private chunks: Buffer[] = []
  private first = 0
  private bytes = 0
  private readonly limit: number

  constructor(keep: 'all' | 'tail') {
    this.limit = keep === 'tail' ? OUTPUT_TAIL_BYTES : Infinity
  }

  add(data: Buffer): void {
    this.chunks.push(data)
    this.bytes += data.length
    // Chunks the tail no longer reaches are let go at once; their places in the list, now and then.
    while (this.bytes - this.chunks[this.first].length >= this.limit) {
      this.bytes -= this.chunks[this.first].length
      this.chunks[this.first++] = EMPTY
    }
    if (this.first > 1024) {
      this.chunks = this.chunks.slice(this.first)
      this.first = 0
    }
  }

  text(): string {
    let bytes = Buffer.concat(this.chunks.slice(this.first))
    if (bytes.length > this.limit) {
      let start = bytes.length - this.limit
      // Not from the middle of a character.
      while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++
      bytes = bytes.subarray(start)
    }
    return bytes.toString('utf8')
  }
}

const EMPTY = Buffer.alloc(0)

/** Runs a command and returns its trimmed standard output. */
export async function output(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return (await run(command, args, options)).stdout
}
