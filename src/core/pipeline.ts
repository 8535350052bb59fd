// The whole line, in order: inputs → plan → advise → context → build → test → publish → attest → report.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { assemble } from './stages/assemble.js'
import { build, keepImage, load, verifyReproducible, type Loaded } from './stages/build.js'
import { buildxArgs } from './stages/buildx-args.js'
import { pushArgs, skopeoLine } from './programs/registry.js'
import { removeRunBuilder } from './programs/builder.js'
import { advise, MIN_COMMITS } from './stages/advise.js'
import type { AdviceReport } from './advice/advice.js'
import { attest } from './stages/attest.js'
import { exportArtifacts } from './stages/artifacts.js'
import { arrangeCache } from './stages/cache.js'
import { prepareServices, showLogs, startServices, stopServices, type ComposeProject } from './programs/compose.js'
import { contextPaths, createContext, type BuildContext } from './stages/context.js'
import { login, logout, type RegistrySession } from './programs/docker-config.js'
import { Git } from './programs/git.js'
import { handOn } from './stages/hand-on.js'
import { registryOf } from './image-ref.js'
import { DEFAULT_RETRY, type RetryPolicy } from './programs/retry.js'
import type { Inputs } from './inputs.js'
import type { Log } from './log.js'
import { intent, planRun, references, type Plan } from './stages/plan.js'
import { publish, type Published } from './stages/publish.js'
import { failedReport, report, reusedReport, startProgress, type Progress, type Report } from './stages/report.js'
import { annotateFailures, judgeByResults, readResults } from './results/results.js'
import { findReusable, reuse } from './stages/reuse.js'
import { testInImage, type TestTarget } from './stages/test.js'
import type { TestRun } from './results/results.js'
import type { Artifacts, Workspace } from './workspace.js'

/** Never throws for a failed stage: the report names the stage and keeps what was learned before it. */
export async function runPipeline(inputs: Inputs, workspace: Workspace, log: Log): Promise<Report> {
  const progress = startProgress(intent(inputs))
  let result: Report
  try {
    result = await stages(inputs, workspace, log, progress)
  } catch (error) {
    result = failedReport(progress, error)
  }
  return progress.advice ? { ...result, advice: progress.advice } : result
}

/** What a run would do, decided and written out, with nothing built, pushed or left behind. */
export interface DryRun {
  commit: string
  commitTime: number
  images: string[]
  /** Every reference a push would write, the full-hash tags first. */
  references: string[]
  /** Tag lines that give no tag for this commit, and why; the plan's other notices and warnings. */
  notices: string[]
  warnings: string[]
  labels: Record<string, string>
  /** How it builds and why, as sentences. */
  strategy: string[]
  /** The command lines the run would give buildx and skopeo, in order (paths in the run's scratch directory). */
  commands: string[][]
}

/** plan, and the command lines that follow from it: `hashdock plan`, `build --dry-run`. */
export async function dryRun(inputs: Inputs, workspace: Workspace, log: Log): Promise<DryRun> {
  const p = await planRun(inputs, workspace, log)
  const commands: string[][] = []
  const archive = join(workspace.workDir, p.assembleFrom ? 'index' : 'image.tar')
  if (!p.assembleFrom) {
    const cache = arrangeCache(p, workspace.cacheStore?.dir, log)
    const output = { kind: 'image' as const, archive, metadataFile: join(workspace.workDir, 'build-metadata.json'), cacheArgs: cache.args }
    commands.push(['docker', ...buildxArgs(p, contextPaths(p, join(workspace.workDir, 'context', 'tree')), output).args])
  }
  if (p.publish.push) {
    // The digest is the build's: known once it has run.
    const session = { authfile: undefined, retry: retryPolicy(p, log) }
    const source = `${p.assembleFrom ? 'oci' : 'oci-archive'}:${archive}`
    for (const image of p.images) commands.push(skopeoLine(session, pushArgs(source, image, '<digest>', session, join(workspace.workDir, 'pushed.digest'))))
  }
  return { commit: p.commit, commitTime: p.commitTime, images: p.images, references: references(p), notices: p.notices, warnings: p.warnings, labels: p.labels, strategy: p.strategy.reasons, commands }
}

/** Advice is advice: whatever goes wrong measuring it is a debug line, never the run's failure. */
async function adviceOn(p: Plan, log: Log): Promise<AdviceReport | undefined> {
  try {
    const measured = await advise(p)
    const n = measured.advice.length
    log.info(`Dockerfile advice: ${n === 0 ? 'none' : n === 1 ? 'one piece' : `${n} pieces`}, measured on the last ${measured.commits} first-parent commits`)
    if (measured.commits < MIN_COMMITS) log.info(`Dockerfile advice: only ${measured.commits} commits of history here, too few to judge the layer order; check out with fetch-depth: 0`)
    return measured
  } catch (error) {
    log.debug(`Dockerfile advice skipped: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}

async function stages(inputs: Inputs, workspace: Workspace, log: Log, progress: Progress): Promise<Report> {
  const p = await planRun(inputs, workspace, log)
  progress.plan = p
  // Said in the report of any run, also of one that fails later.
  progress.notes = [...p.notices, ...p.warnings]
  // An assembly builds nothing from the Dockerfile: the platform jobs that built it gave its advice.
  if (p.advice) progress.advice = await adviceOn(p, log)
  for (const notice of [...p.strategy.notices, ...p.notices]) log.notice(notice)
  for (const warning of p.warnings) log.warning(warning)
  const workDir = workspace.workDir
  await mkdir(workDir, { recursive: true })
  progress.stage = 'registry login'
  const { logins, push } = p.publish
  if (p.publish.loginsUnused) log.info('Not logging in: this run does not push (build-login: true logs in for private base images)')
  const session: RegistrySession = { ...(await login(logins, workDir, p.images.map(registryOf))), retry: retryPolicy(p, log) }
  for (const { registry, username } of logins) log.info(`Logged in to ${registry} as ${username}`)
  const unlogged = [...new Set(p.images.map(registryOf))].filter(r => !session.registries.includes(r))
  if (push && logins.length && unlogged.length) log.info(`Using the runner's own login for ${unlogged.join(', ')}`)
  try {
    if (p.mode === 'assemble') return await assembleAndPublish(p, session, log, progress)
    progress.stage = 'reuse check'
    const reusable = await findReusable(p, session, log)
    if (reusable) {
      const published = await log.group('Reuse', () => reuse(p, reusable, session, log, progress.held))
      return reusedReport(p, published, heldBackNotes(published))
    }

    progress.stage = 'build context'
    const context = await log.group('Context', () => {
      log.info(`Extracting the files of ${p.commit} (git archive), every timestamp set from git`)
      return createContext(p, join(workDir, 'context'))
    })
    // A compose file the policy refuses fails the run before anything is built.
    if (p.test.compose) await prepareServices(p.test.compose, p.localRef, context.tree, workDir)
    progress.stage = 'layer cache'
    const store = p.strategy.cache === 'gha' ? workspace.cacheStore : undefined
    if (store) await log.group('Restore the layer cache', () => store.restore(p.commit))
    const cache = arrangeCache(p, store?.dir, log)
    progress.stage = 'build'
    const first = await log.group(`Build ${p.image}:${p.commit}`, () =>
      // Build output is the commit's: fenced, so a RUN step cannot issue workflow commands.
      log.untrusted(() => build(p, context, { cacheArgs: cache.args }, workDir, log))
    )
    progress.built = first
    progress.stage = 'layer cache'
    if (store && (await cache.settle())) await log.group('Save the layer cache', () => store.save(p.commit))
    let built = first
    if (p.build.verifyReproducible) {
      progress.stage = 'verify reproducible'
      // A second build of the commit's Dockerfile: its output is fenced like the first's.
      built = await log.group('Build again without any cache, and compare', () => log.untrusted(() => verifyReproducible(p, context, first, workDir, log)))
      progress.built = built
    }
    if (p.build.artifacts.length) {
      progress.stage = 'artifacts'
      // The same build's output as the image's: fenced like it.
      progress.artifacts = await log.group('Export the artifacts', () => log.untrusted(() => exportArtifacts(p, context, workDir, log)))
    }
    progress.stage = 'build'
    const loaded = p.strategy.load ? await log.group('Load the image into the engine', () => load(p, built, log)) : undefined
    progress.loaded = loaded
    const ran = loaded ? await runTests(p, loaded, context, log, progress) : []

    const suites = await readResults(ran, log)
    progress.suites = suites
    const tests = judgeByResults(ran, suites)
    progress.tests = tests
    if (loaded && suites.some(s => s.failed > 0)) {
      annotateFailures(suites, loaded.workingDir, p.contextPath, await new Git(workspace.repoDir).files(p.commit), log)
    }
    const passed = tests.every(t => t.passed)
    // The tested bytes stay for a later step (a scan, a smoke test) before anything leaves the run.
    const kept = passed && loaded && p.keepAs ? await keepImage(p, loaded) : []
    for (const ref of kept) log.info(`Kept the tested image in the engine as ${ref}`)
    const notes: string[] = [...p.notices, ...p.warnings]
    if (passed && push && tests.length === 0) {
      log.warning('Pushing an image that no test has run against: give test-command or integration-command to test it first.')
    }
    // Delivered before the image is handed on or pushed: an image that leaves this run always has its artifacts.
    const artifacts = progress.artifacts
    if (passed && artifacts) {
      progress.stage = 'artifacts'
      await log.group('Deliver the artifacts', () => deliver(workspace, artifacts, log))
    }
    progress.stage = 'hand on'
    const exported = passed && p.exportDir ? await log.group('Hand on the tested image', () => handOn(p, built, tests, suites, p.exportDir)) : undefined
    if (exported) log.info(`Handed on ${exported}`)
    progress.stage = 'push'
    const published = passed && push ? await log.group('Push', () => publish(p, built, tests, session, log, progress.held)) : undefined
    const records = published && (tests.length || p.publish.provenance) ? await log.group('Attest', () => attest(p, published.digest, tests, suites, session, log)) : {}
    return {
      ...report(p, { built, loaded, tests, suites, published, notes: [...notes, ...heldBackNotes(published)], artifacts }),
      ...(exported ? { exported } : {}),
      ...(kept.length ? { kept } : {}),
      ...records
    }
  } finally {
    await logout(session)
    if (p.strategy.builder.create) {
      await removeRunBuilder(workspace.runId).catch(error => log.warning(`could not remove the run's builder: ${error instanceof Error ? error.message : String(error)}`))
    }
  }
}

/** The images other jobs built and tested, as one index, pushed like a build of this run's own. */
async function assembleAndPublish(p: Plan, session: RegistrySession, log: Log, progress: Progress): Promise<Report> {
  progress.stage = 'assemble'
  const { built, tests, suites } = await log.group('Assemble', () => assemble(p, p.assembleFrom, p.workspace.workDir, log))
  progress.built = built
  progress.tests.push(...tests)
  progress.suites = suites
  log.info(`Index ${built.digest}: ${built.platforms.map(i => i.platform).join(', ')}`)
  progress.stage = 'push'
  const published = p.publish.push ? await log.group('Push', () => publish(p, built, tests, session, log, progress.held)) : undefined
  // The platform jobs' test runs and results, as they recorded them, vouch for the index they make up.
  const records = published ? await log.group('Attest', () => attest(p, published.digest, tests, suites, session, log)) : {}
  const { imageId: _, ...facts } = report(p, { built, tests, suites, published, notes: [...p.notices, ...p.warnings, ...heldBackNotes(published)] })
  // Nothing was loaded here: the images were tested, and loaded, by the jobs that built them.
  return { ...facts, ...records }
}

/** Hands the tested build's files to the adapter, and records where they went. */
async function deliver(workspace: Workspace, artifacts: Artifacts, log: Log): Promise<void> {
  // plan refused artifacts with nowhere to deliver them: a sink is there.
  artifacts.delivered = await workspace.artifactSink!.deliver(artifacts)
  log.info(`Delivered ${artifacts.files.length} file(s): ${artifacts.delivered}`)
}

function heldBackNotes(published: Published | undefined): string[] {
  return published?.heldBack.length ? [`Not moved, since they name a newer commit (force-tags: true moves them): ${published.heldBack.join(', ')}`] : []
}

/** What a test runs: the one image, or one platform's image of the index. */
type Target = Pick<TestTarget, 'imageId' | 'platform'> & { localRef: string }

/**
 * Unit tests alone first (they fail fastest), on every platform, then integration tests beside the
 * compose services, platform by platform; a failure on any platform stops before the next stage.
 */
async function runTests(p: Plan, built: Loaded, context: BuildContext, log: Log, progress: Progress): Promise<TestRun[]> {
  const { workspace } = p
  // The progress's own list, so runs that finished before a failing stage are still reported.
  const tests: TestRun[] = progress.tests
  // One platform named (not the index of several): its one image, still run as that platform.
  const [only] = p.strategy.platforms.length === 1 ? p.strategy.platforms : []
  const targets: Target[] = built.platforms.length
    ? built.platforms.map(l => ({ imageId: l.imageId, localRef: l.localRef, platform: { name: l.platform, digest: l.digest } }))
    : [{ imageId: built.imageId, localRef: built.localRef, ...(only ? { platform: { name: only, digest: progress.built?.digest ?? '' } } : {}) }]
  const on = (t: Target): string => (t.platform ? ` on ${t.platform.name}` : '')
  const { unit, integration } = p.test
  progress.stage = 'unit tests'
  if (unit) {
    for (const t of targets) {
      tests.push(await log.group(`Unit tests${on(t)}`, () => testInImage(p, { kind: 'unit', ...t }, log)))
    }
  }
  if (!integration || tests.some(t => !t.passed)) return tests

  progress.stage = 'integration tests'
  for (const t of targets) {
    const spec = p.test.compose
    if (!spec) {
      tests.push(await log.group(`Integration tests${on(t)}`, () => testInImage(p, { kind: 'integration', ...t }, log)))
    } else {
      let project: ComposeProject | undefined
      try {
        progress.stage = 'services'
        project = await log.group(`Services${on(t)}`, () => startServices(spec, t.localRef, context.tree, workspace.workDir, log, t.platform?.name))
        const services = project
        progress.stage = 'integration tests'
        const run = await log.group(`Integration tests${on(t)}`, () =>
          testInImage(p, { kind: 'integration', ...t, network: services.network, env: services.env }, log)
        )
        tests.push(run)
        if (!run.passed) await showLogs(services, log)
      } finally {
        if (project) await stopServices(project)
      }
    }
    if (tests.some(r => !r.passed)) break
  }
  return tests
}

/** How every registry operation of the run is retried and bounded: registry-retries and registry-timeout. */
function retryPolicy(p: Plan, log: Log): RetryPolicy {
  return { ...DEFAULT_RETRY, retries: p.publish.retries, timeoutMs: p.publish.timeoutMs, log }
}
