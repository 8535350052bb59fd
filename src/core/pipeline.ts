// The whole line, in order: inputs → plan → context → build → test → publish → report.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { build, load, type Loaded } from './build.js'
import { removeRunBuilder, selectedBuilder } from './builder.js'
import { arrangeCache } from './cache.js'
import { showLogs, startServices, stopServices, type ComposeProject } from './compose.js'
import { Input } from './constants.js'
import { createContext, type BuildContext } from './context.js'
import { login, logout } from './docker-config.js'
import { requireEngine, requireSkopeo } from './docker.js'
import { Git } from './git.js'
import { registryOf } from './image-ref.js'
import type { Inputs } from './inputs.js'
import type { Log } from './log.js'
import { plan, type Plan } from './plan.js'
import { publish } from './publish.js'
import { failedReport, report, reusedReport, startProgress, type Progress, type Report } from './report.js'
import { annotateFailures, readResults } from './results.js'
import { findReusable, reuse } from './reuse.js'
import { testInImage, type TestRun } from './test.js'
import type { Workspace } from './workspace.js'

/** Never throws for a failed stage: the report names the stage and keeps what was learned before it. */
export async function runPipeline(inputs: Inputs, workspace: Workspace, log: Log): Promise<Report> {
  const progress = startProgress(inputs)
  try {
    return await stages(inputs, workspace, log, progress)
  } catch (error) {
    return failedReport(progress, error)
  }
}

async function stages(inputs: Inputs, workspace: Workspace, log: Log, progress: Progress): Promise<Report> {
  const p = await log.group('Plan', async () => {
    // Three independent questions, asked at once (each is a CLI call of a few hundred milliseconds);
    // a failure is reported in this order, so an unreachable engine is named before what it causes.
    const answers = await Promise.allSettled([requireEngine(), inputs[Input.Push] ? requireSkopeo() : Promise.resolve(), selectedBuilder(inputs[Input.Builder])])
    const engine = settled(answers[0])
    settled(answers[1])
    const planned = await plan(inputs, workspace, { engine, builder: settled(answers[2]) })
    log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath}, mtime ${inputs[Input.Mtime]})`)
    log.info(`Docker engine ${engine.version}${engine.containerdStore ? ' (containerd image store)' : ''}; ${planned.strategy.reasons.join('; ')}`)
    return planned
  })
  progress.plan = p
  for (const notice of p.strategy.notices) log.notice(notice)
  const workDir = workspace.workDir
  await mkdir(workDir, { recursive: true })
  progress.stage = 'registry login'
  const session = await login(registryOf(p.image), inputs[Input.RegistryUsername], inputs[Input.RegistryPassword], workDir)
  if (session.overlay) log.info(`Logged in to ${session.registry} as ${inputs[Input.RegistryUsername]}`)
  try {
    progress.stage = 'reuse check'
    const reusable = await findReusable(p, session, log)
    if (reusable) {
      const published = await log.group('Reuse', () => reuse(p, reusable, session, log))
      return reusedReport(p, published)
    }

    progress.stage = 'build context'
    const context = await log.group('Context', () => {
      log.info(`Extracting the files of ${p.commit} (git archive), every timestamp set from git`)
      return createContext(p, join(workDir, 'context'))
    })
    progress.stage = 'layer cache'
    const store = p.strategy.cache === 'gha' ? workspace.cacheStore : undefined
    if (store) await log.group('Restore the layer cache', () => store.restore(p.commit))
    const cache = arrangeCache(p, store?.dir, log)
    progress.stage = 'build'
    const built = await log.group(`Build ${p.image}:${p.commit}`, () => build(p, context, { cacheArgs: cache.args }, workDir, log))
    progress.built = built
    progress.stage = 'layer cache'
    await cache.settle()
    if (store) await log.group('Save the layer cache', () => store.save(p.commit))
    progress.stage = 'build'
    const loaded = p.strategy.load ? await log.group('Load the image into the engine', () => load(p, built)) : undefined
    progress.loaded = loaded
    const tests = loaded ? await runTests(p, loaded, context, log, progress) : []

    const suites = await readResults(tests, log)
    progress.suites = suites
    if (loaded && suites.some(s => s.failed > 0)) {
      annotateFailures(suites, loaded.workingDir, p.contextPath, await new Git(workspace.repoDir).files(p.commit), log)
    }
    const passed = tests.every(t => t.passed)
    const notes: string[] = []
    if (passed && inputs[Input.Push] && tests.length === 0) {
      log.warning('Pushing an image that no test has run against: give test-command or integration-command to test it first.')
    }
    progress.stage = 'push'
    const published = passed && inputs[Input.Push] ? await log.group('Push', () => publish(p, built, session, log)) : undefined
    return report(p, built, loaded, tests, suites, published, notes)
  } finally {
    await logout(session)
    if (p.strategy.builder.create) {
      await removeRunBuilder(workspace.runId).catch(error => log.warning(`could not remove the run's builder: ${error instanceof Error ? error.message : String(error)}`))
    }
  }
}

/** Unit tests alone first (they fail fastest), then integration tests beside the compose services. */
async function runTests(p: Plan, built: Loaded, context: BuildContext, log: Log, progress: Progress): Promise<TestRun[]> {
  const { inputs, workspace } = p
  // The progress's own list, so runs that finished before a failing stage are still reported.
  const tests: TestRun[] = progress.tests
  const unit = inputs[Input.TestCommand]
  progress.stage = 'unit tests'
  if (unit) tests.push(await log.group('Unit tests', () => testInImage(p, built.imageId, 'unit', unit, workspace.workDir, log)))
  const integration = inputs[Input.IntegrationCommand]
  if (!integration || tests.some(t => !t.passed)) return tests

  progress.stage = 'integration tests'
  if (!inputs[Input.ComposeFile]) {
    tests.push(await log.group('Integration tests', () => testInImage(p, built.imageId, 'integration', integration, workspace.workDir, log)))
    return tests
  }
  let project: ComposeProject | undefined
  try {
    progress.stage = 'services'
    project = await log.group('Services', () => startServices(p, built.localRef, context.tree, workspace.workDir, log))
    const services = project
    progress.stage = 'integration tests'
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

/** The value of an answer, or its error thrown. */
function settled<T>(answer: PromiseSettledResult<T>): T {
  if (answer.status === 'rejected') throw answer.reason
  return answer.value
}
