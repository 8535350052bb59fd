// Stage 4: run the project's tests inside fresh containers of the exact image that was built.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Input, RUN_LABEL, runName } from '../constants.js'
import { run } from '../programs/exec.js'
import type { Log } from '../log.js'
import { CopyBudgetError, resultsExtractor } from '../results/results-copy.js'
import type { TestKind, TestRun } from '../results/results.js'
import type { Plan } from './plan.js'


/** One test run: which tests (the plan's command of that kind), in which image, beside what. */
export interface TestTarget {
  kind: TestKind
  imageId: string
  /** A network to join, e.g. the compose project's, so services are reached by name. */
  network?: string
  env?: Record<string, string>
  /** Run this platform's image of a multi-platform index (under emulation when it is not the engine's own). */
  platform?: { name: string; digest: string }
}

/** Runs the plan's command of that kind with /bin/sh -c in a new container of the image: entrypoint overridden, no host mounts, CI=true. */
export async function testInImage(p: Plan, target: TestTarget, log: Log): Promise<TestRun> {
  const { kind, imageId, platform } = target
  const command = p.test[kind]
  const slug = platform ? `-${platform.name.replace(/\//g, '-')}` : ''
  const name = `${runName(p.workspace.runId)}-${kind}${slug}`
  const env = { CI: 'true', ...target.env }
  await run('docker', [
    'create', '--name', name, '--label', `${RUN_LABEL}=${p.workspace.runId}`, '--pull', 'never',
    '--entrypoint', '/bin/sh',
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(target.network ? ['--network', target.network] : []),
    ...(platform ? ['--platform', platform.name] : []),
    imageId, '-c', command
  ])
  try {
    const started = Date.now()
    // The command and its output are the user's: shown as they come, never read as workflow commands.
    if (platform) log.info(`${platform.name}: image ${platform.digest}`)
    const { exitCode } = await log.untrusted(() => {
      log.info(`$ ${command}`)
      return run('docker', ['start', '--attach', name], { stream: true, allowFailure: true })
    })
    const seconds = (Date.now() - started) / 1000
    const resultsDir = await collectResults(p, name, kind, join(p.workspace.workDir, 'results', ...(platform ? [platform.name] : []), kind), log)
    return { kind, command, exitCode, passed: exitCode === 0, seconds, resultsDir, ...(platform ? { platform: platform.name, digest: platform.digest } : {}) }
  } finally {
    await run('docker', ['rm', '--force', '--volumes', name], { allowFailure: true })
  }
}

/** What the container wrote to the test-results directory, copied within a budget: the tests' files are not trusted. */
async function collectResults(p: Plan, container: string, kind: TestKind, hostDir: string, log: Log): Promise<string | undefined> {
  const inside = p.test.results
  if (!inside) return undefined
  await mkdir(hostDir, { recursive: true })
  try {
    // `-` writes a tar to standard output, read here as it comes; the trailing "/." takes the directory's contents.
    const r = await run('docker', ['cp', '--', `${container}:${inside}/.`, '-'], { stdoutTo: resultsExtractor(hostDir), allowFailure: true })
    if (r.exitCode !== 0) {
      log.warning(`${Input.TestResults}: '${inside}' was not found in the ${kind} test container; no results collected`)
      return undefined
    }
  } catch (error) {
    const why = error instanceof CopyBudgetError ? `'${inside}' in the ${kind} test container holds ${error.message}` : `copying '${inside}' from the ${kind} test container failed: ${error instanceof Error ? error.message : String(error)}`
    log.warning(`${Input.TestResults}: ${why}`)
  }
  return hostDir
}
