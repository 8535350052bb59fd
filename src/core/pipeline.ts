// The whole line, in order: inputs → plan → context → build → test → publish → report.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { registryOf } from './image-ref.js'
import { build, load, type Loaded } from './build.js'
import { removeRunBuilder, selectedBuilder } from './builder.js'
import { arrangeCache } from './cache.js'
import { showLogs, startServices, stopServices, type ComposeProject } from './compose.js'
import { Input } from './constants.js'
import { createContext, type BuildContext } from './context.js'
import { login, logout } from './docker-config.js'
import { requireEngine, requireSkopeo } from './docker.js'
import { Git } from './git.js'
import type { Inputs } from './inputs.js'
import type { Log } from './log.js'
import { plan, type Plan } from './plan.js'
import { publish } from './publish.js'
import { report, reusedReport, type Report } from './report.js'
import { annotateFailures, readResults } from './results.js'
import { findReusable, reuse } from './reuse.js'
import { testInImage, type TestRun } from './test.js'
import type { Workspace } from './workspace.js'

export async function runPipeline(inputs: Inputs, workspace: Workspace, log: Log): Promise<Report> {
  const p = await log.group('Plan', async () => {
    const engine = await requireEngine()
    if (inputs[Input.Push]) await requireSkopeo()
    const planned = await plan(inputs, workspace, { engine, builder: await selectedBuilder(inputs[Input.Builder]) })
    log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath}, mtime ${inputs[Input.Mtime]})`)
    log.info(`Docker engine ${engine.version}${engine.containerdStore ? ' (containerd image store)' : ''}; ${planned.strategy.reasons.join('; ')}`)
    return planned
  })
  for (const notice of p.strategy.notices) log.notice(notice)
  const workDir = workspace.workDir
  await mkdir(workDir, { recursive: true })
  const session = await login(registryOf(p.image), inputs[Input.RegistryUsername], inputs[Input.RegistryPassword], workDir)
  if (session.overlay) log.info(`Logged in to ${session.registry} as ${inputs[Input.RegistryUsername]}`)
  try {
    const reusable = await findReusable(p, session, log)
    if (reusable) {
      const published = await log.group('Reuse', () => reuse(p, reusable, session, log))
      return reusedReport(p, published)
    }

    const context = await log.group('Context', () => createContext(p, join(workDir, 'context')))
    const store = p.strategy.cache === 'gha' ? workspace.cacheStore : undefined
    if (store) await log.group('Restore the layer cache', () => store.restore(p.commit))
    const cache = arrangeCache(p, store?.dir, log)
    const built = await log.group(`Build ${p.image}:${p.commit}`, () => build(p, context, { cacheArgs: cache.args }, workDir, log))
    await cache.settle()
    if (store) await log.group('Save the layer cache', () => store.save(p.commit))
    const loaded = p.strategy.load ? await log.group('Load the image into the engine', () => load(p, built)) : undefined
    const tests = loaded ? await runTests(p, loaded, context, log) : []

    const suites = await readResults(tests, log)
    if (loaded && suites.some(s => s.failed > 0)) {
      annotateFailures(suites, loaded.workingDir, p.contextPath, await new Git(workspace.repoDir).files(p.commit), log)
    }
    const passed = tests.every(t => t.passed)
    const notes: string[] = []
    if (!inputs[Input.Push]) notes.push('push is false: the image was built and tested only.')
    const published = passed && inputs[Input.Push] ? await log.group('Push', () => publish(p, built, session, log)) : undefined
    return report(p, built, loaded, tests, suites, published, notes)
  } finally {
    await logout(session)
    if (p.strategy.builder.create) await removeRunBuilder(workspace.runId).catch(error => log.warning(`could not remove the run's builder: ${error instanceof Error ? error.message : String(error)}`))
  }
}

/** Unit tests alone first (they fail fastest), then integration tests beside the compose services. */
async function runTests(p: Plan, built: Loaded, context: BuildContext, log: Log): Promise<TestRun[]> {
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
