// The action's entry: the main step runs the pipeline, the post step cleans up after it.
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { cleanupRun, Git, Input, type Remedy, runName, runPipeline, setExecOutput, type Workspace } from '../core/index.js'
import { artifactUpload } from './artifact-upload.js'
import { ghaCacheStore, resolveCacheMode } from './cache-store.js'
import { readInputs, readSigningInputs } from './inputs.js'
import { actionExecOutput, actionLog } from './log.js'
import { githubSigner, signatureTrust } from './signer.js'
import { isPost, markMainStarted, savedRun, saveRun } from './state.js'
import { failureMessage, publishReport } from './summary.js'

export async function run(): Promise<void> {
  if (isPost()) return post()
  // Program output shows as it comes, neutralised line by line on its way to the log.
  setExecOutput(actionExecOutput)
  markMainStarted()
  try {
    const inputs = resolveCacheMode(readInputs())
    const signing = readSigningInputs()
    const store = signing.githubAttestations && signing.githubToken && process.env.GITHUB_REPOSITORY
      ? { api: process.env.GITHUB_API_URL || 'https://api.github.com', repository: process.env.GITHUB_REPOSITORY, token: signing.githubToken }
      : undefined
    const signer = githubSigner(process.env, { ...(signing.instance ? { instance: signing.instance } : {}), ...(store ? { store } : {}), warn: message => core.warning(message) })
    // The jobs of a fan-out each build one platform, at the same time: each keeps a cache line of its own.
    const cacheLine = inputs[Input.ExportDir] ? `${inputs[Input.Image][0]}-${inputs[Input.Platforms][0]}` : inputs[Input.Image][0]
    const workspace = {
      ...(await runnerWorkspace(inputs[Input.CheckoutPath])),
      cacheStore: ghaCacheStore(cacheLine),
      ...(inputs[Input.Artifacts].length ? { artifactSink: artifactUpload() } : {}),
      ...(signer ? { signer } : {}),
      ...withTrust(signatureTrust(process.env, signing, signer))
    }
    saveRun({ runId: workspace.runId, workDir: workspace.workDir })
    try {
      const report = await runPipeline(inputs, workspace, actionLog)
      if (report.attestation && !report.attestation.signature) core.notice('test-result attestation not signed: the workflow has no id-token: write')
      await publishReport(report)
      if (report.failure) core.setFailed(failureMessage(report))
    } finally {
      await cleanupRun(workspace.runId, workspace.workDir)
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? failureMessage({ failure: error.message, remedy: (error as { remedy?: Remedy }).remedy }) : String(error))
  }
}

const withTrust = (trust: ReturnType<typeof signatureTrust>) => (trust ? { trust } : {})

/** Runs even when the job was cancelled or failed: tears down what the main step could not. */
async function post(): Promise<void> {
  const saved = savedRun(workDirFor)
  if (!saved) return
  if ('problem' in saved) return core.warning(`post step: ${saved.problem}`)
  for (const problem of await cleanupRun(saved.runId, saved.workDir)) core.warning(problem)
}

async function runnerWorkspace(checkoutPath: string): Promise<Workspace> {
  const env = process.env
  const runId = randomBytes(6).toString('hex')
  // A checkout made with actions/checkout's path: lives below the workspace; git names its top.
  const checkout = join(env.GITHUB_WORKSPACE || process.cwd(), checkoutPath)
  return {
    repoDir: (await new Git(checkout).topLevel()) ?? checkout,
    workDir: workDirFor(runId),
    runId,
    defaultRef: env.GITHUB_SHA || 'HEAD',
    event: eventOf(env),
    sourceUrl: env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined,
    ...(env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? { runUrl: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` } : {}),
    // The workflow that runs, as GitHub names it (owner/repo/.github/workflows/file.yml@ref): the provenance record's builder.
    ...(env.GITHUB_SERVER_URL && env.GITHUB_WORKFLOW_REF ? { builderId: `${env.GITHUB_SERVER_URL}/${env.GITHUB_WORKFLOW_REF}` } : {})
  }
}

/** A run's scratch directory: under the runner's temporary directory, named by the run. */
function workDirFor(runId: string): string {
  return join(process.env.RUNNER_TEMP || tmpdir(), runName(runId))
}

/** The branch and pull request the triggering commit was built for: GitHub's names, not the merge ref's. */
export function eventOf(env: NodeJS.ProcessEnv): Workspace['event'] {
  // A pull request's commit, whatever the ref: pull_request_target runs with the base branch's ref.
  const flag = env.GITHUB_EVENT_NAME?.startsWith('pull_request') ? { fromPullRequest: true } : {}
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1]
  if (flag.fromPullRequest && pr) return { branch: env.GITHUB_HEAD_REF || undefined, pr: Number(pr), ...flag }
  const branch = /^refs\/heads\/(.+)$/.exec(env.GITHUB_REF ?? '')?.[1]
  return { ...(branch ? { branch } : {}), ...flag }
}
