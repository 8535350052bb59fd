// The whole line, in order: inputs → plan → context → build → test → publish → report.
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from './build.js'
import { Input } from './constants.js'
import { createContext } from './context.js'
import { requireEngine } from './docker.js'
import type { Inputs } from './inputs.js'
import type { Log } from './log.js'
import { plan } from './plan.js'
import { login, logout, publish } from './publish.js'
import { report, type Report } from './report.js'
import { testInImage, type TestRun } from './test.js'
import type { Workspace } from './workspace.js'

export async function runPipeline(inputs: Inputs, workspace: Workspace, log: Log): Promise<Report> {
  const p = await log.group('Plan', async () => {
    const planned = await plan(inputs, workspace)
    log.info(`Commit ${planned.commit} (${planned.dockerfilePath} in ${planned.contextPath})`)
    log.info(`Docker engine ${await requireEngine()}`)
    return planned
  })
  const workDir = workspace.workDir
  await mkdir(workDir, { recursive: true })
  const session = await login(p, workDir, log)
  try {
    const context = await log.group('Context', () => createContext(p, join(workDir, 'context')))
    const built = await log.group(`Build ${p.image}:${p.commit}`, () => build(p, context, workDir, log))
    await rm(join(workDir, 'context'), { recursive: true, force: true })

    const tests: TestRun[] = []
    const testCommand = inputs[Input.TestCommand]
    if (testCommand) {
      tests.push(await log.group('Unit tests', () => testInImage(p, built.imageId, 'unit', testCommand, workDir, log)))
    }
    const passed = tests.every(t => t.passed)
    const notes: string[] = []
    if (!inputs[Input.Push]) notes.push('push is false: the image was built and tested only.')
    const published =
      passed && inputs[Input.Push] ? await log.group('Push', () => publish(p, built.imageId, session, log)) : undefined
    return report(p, built, tests, published, notes)
  } finally {
    await logout(session)
  }
}
