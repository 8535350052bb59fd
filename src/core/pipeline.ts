// The whole line, in order: inputs → plan → context → build → test → publish → report.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { build, type Built } from './build.js'
import { arrangeCache } from './cache.js'
import { prepareServices, showLogs, startServices, stopServices, type ComposeProject } from './compose.js'
import { Input } from './constants.js'
import { createContext, type BuildContext } from './context.js'
import { requireEngine } from './docker.js'
import { Git } from './git.js'
import type { Inputs } from './inputs.js'
import type { Log } from './log.js'
import { plan, type Plan } from './plan.js'
import { login, logout, publish } from './publish.js'
import { report, reusedReport, type Report } from './report.js'
import { annotateFailures, readResults } from './results.js'
import { findReusable, retag } from './reuse.js'
import { testInImage, type TestRun } from './test.js'
import type { Workspace } from './workspace.js'

export async function runPipeline(inputs: Inputs, workspace: Workspace, log: Log): Promise<Report> {
  const { p, engine } = await log.group('Plan', async () => {
    const planned = await plan(inputs, workspace)
    log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath}, mtime ${inputs[Input.Mtime]})`)
    const found = await requireEngine()
    log.info(`Docker engine ${found.version}`)
    return { p: planned, engine: found }
  })
  const workDir = workspace.workDir
  await mkdir(workDir, { recursive: true })
  const session = await login(p, workDir, log)
  try {
    const reusable = await findReusable(p, session, log)
    if (reusable) {
      const published = await log.group('Reuse', () => retag(p, reusable, session, log))
      return reusedReport(p, published)
    }

    const context = await log.group('Context', () => createContext(p, join(workDir, 'context')))
    // A compose file the policy refuses fails the run before anything is built.
    if (inputs[Input.ComposeFile] && inputs[Input.IntegrationCommand]) await prepareServices(p, `${p.image}:${p.commit}`, context.tree, workDir)
    const store = inputs[Input.Cache] === 'gha' ? workspace.cacheStore : undefined
    if (store) await log.group('Restore the layer cache', () => store.restore(p.commit))
    const cache = arrangeCache(p, store?.dir, log)
    const built = await log.group(`Build ${p.image}:${p.commit}`, () =>
      // Build output is the commit's: fenced, so a RUN step cannot issue workflow commands.
      log.untrusted(() => build(p, context, engine, { cacheArgs: cache.args, dockerConfig: session.configDir }, workDir, log))
    )
    await cache.settle()
    if (store) await log.group('Save the layer cache', () => store.save(p.commit))
    const tests = await runTests(p, built, context, log)

    const suites = await readResults(tests, log)
    if (suites.some(s => s.failed > 0)) {
      annotateFailures(suites, built.workingDir, p.contextPath, await new Git(workspace.repoDir).files(p.commit), log)
    }
    const passed = tests.every(t => t.passed)
    const notes: string[] = []
    if (!inputs[Input.Push]) notes.push('push is false: the image was built and tested only.')
    const published =
      passed && inputs[Input.Push] ? await log.group('Push', () => publish(p, built.imageId, session, log)) : undefined
    if (published && built.reproducible && published.digest !== built.imageId) {
      log.warning(`The registry reports ${published.digest} for the image tested as ${built.imageId}: it changed the manifest on push`)
    }
    return report(p, built, tests, suites, published, notes)
  } finally {
    await logout(session)
  }
}

/** Unit tests alone first (they fail fastest), then integration tests beside the compose services. */
async function runTests(p: Plan, built: Built, context: BuildContext, log: Log): Promise<TestRun[]> {
  const { inputs, workspace } = p
  const tests: TestRun[] = []
  const unit = inputs[Input.TestCommand]
  if (unit) tests.push(await log.group('Unit tests', () => testInImage(p, built.imageId, 'unit', unit, workspace.workDir, log)))
  const integration = inputs[Input.IntegrationCommand]
  if (!integration || tests.some(t => !t.passed)) return tests

  if (!inputs[Input.ComposeFile]) {
    tests.push(await log.group('Integration tests', () => testInImage(p, built.imageId, 'integration', integration, workspace.workDir, log)))
    return tests
  }
  let project: ComposeProject | undefined
  try {
    project = await log.group('Services', () => startServices(p, built.localRef, context.tree, workspace.workDir, log))
    const services = project
    const run = await log.group('Integration tests', () =>
      testInImage(p, built.imageId, 'integration', integration, workspace.workDir, log, { network: services.network, env: services.env })
    )
    tests.push(run)
    if (!run.passed) await showLogs(services, log)
  } finally {
    if (project) await stopServices(project)
  }
  return tests
}
