// The one place that runs external programs (git, docker, tar): arguments as arrays, never a shell.
import * as exec from '@actions/exec'
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

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  sink.command([command, ...args].join(' '))
  const result = await exec
    .getExecOutput(command, args, {
      ignoreReturnCode: true,
      // Silent, so @actions/exec prints no `[command]` line of its own; streamed output is forwarded instead.
      silent: true,
      listeners: options.stream ? { stdout: data => sink.stdout.write(data), stderr: data => sink.stderr.write(data) } : undefined,
      input: options.input === undefined ? undefined : Buffer.from(options.input),
      cwd: options.cwd,
      env: { ...childEnvironment(options.untrustedFiles), ...options.env }
    })
    .catch((error: unknown) => {
      // @actions/exec's own words ("Unable to locate executable file: docker. Please verify …") run to four sentences.
      throw error instanceof Error && error.message.startsWith('Unable to locate executable file') ? new ProgramMissing(command) : error
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
