#!/usr/bin/env node
// hashdock on a developer's machine: the same pipeline as the action, inputs from flags.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { cleanupRun } from '../core/cleanup.js'
import { Input } from '../core/constants.js'
import { createContext } from '../core/context.js'
import { streamOutputTo } from '../core/exec.js'
import { Git } from '../core/git.js'
import type { Inputs } from '../core/inputs.js'
import { plan } from '../core/plan.js'
import type { Workspace } from '../core/workspace.js'
import { runPipeline } from '../core/pipeline.js'
import { outputs, renderSummary } from '../core/report.js'
import { parseCli, USAGE } from './args.js'
import { terminalLog } from './log.js'

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), () => readFileSync(0, 'utf8'))
  if (cli.command !== 'build' && cli.command !== 'context') {
    console.log(USAGE)
    return cli.command === 'help' ? 0 : 2
  }
  const log = terminalLog(Boolean(process.env.HASHDOCK_DEBUG))
  // In a workflow's run: step the runner reads both pipes at once: one stream keeps lines inside their fences.
  if (process.env.GITHUB_ACTIONS === 'true') streamOutputTo(process.stdout)
  const runId = randomBytes(6).toString('hex')
  const workDir = join(tmpdir(), `hashdock-${runId}`)
  // Paths are the repository's, from its top, wherever in the working tree the CLI was started.
  const repoDir = (await new Git(resolve(cli.repo)).topLevel()) ?? resolve(cli.repo)
  const workspace = { repoDir, workDir, runId, defaultRef: 'HEAD' }
  // Ctrl-C: the services, containers and login of this run go with it, then the CLI exits as interrupted.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nhashdock: ${signal}: removing what this run started`)
      void cleanupRun(runId, workDir).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
    })
  }
  try {
    if (cli.command === 'context') return await writeContext(cli.inputs, workspace, cli.out)
    const report = await runPipeline(cli.inputs, workspace, log)
    if (cli.json) console.log(JSON.stringify(outputs(report), null, 2))
    else console.log(`\n${renderSummary(report)}\n${Object.entries(outputs(report)).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`).join('\n')}`)
    if (report.failure) console.error(`hashdock: ${report.failure}`)
    return report.failure ? 1 : 0
  } finally {
    for (const problem of await cleanupRun(runId, workDir)) log.warning(problem)
  }
}

/** `hashdock context`: the build context of one commit, written where the user can look at it. */
async function writeContext(inputs: Inputs, workspace: Workspace, out: string): Promise<number> {
  if (!out) throw new Error('out: give the directory to write the build context to, e.g. --out /tmp/context')
  if (existsSync(out)) throw new Error(`out: '${out}' already exists; give a new directory`)
  const p = await plan(inputs, workspace)
  const context = await createContext(p, join(workspace.workDir, 'context'))
  await mkdir(dirname(resolve(out)), { recursive: true })
  await rename(context.contextDir, out)
  console.log(`Wrote the build context of ${p.commit} (mtime ${inputs[Input.Mtime]}) to ${out}`)
  return 0
}

main().then(
  code => process.exit(code),
  error => {
    console.error(`hashdock: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
