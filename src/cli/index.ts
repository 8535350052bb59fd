#!/usr/bin/env node
// hashdock on a developer's machine: the same pipeline as the action, inputs from flags.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { cleanupRun } from '../core/cleanup.js'
import { runPipeline } from '../core/pipeline.js'
import { outputs, renderSummary } from '../core/report.js'
import { parseCli, USAGE } from './args.js'
import { terminalLog } from './log.js'

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), () => readFileSync(0, 'utf8'))
  if (cli.command !== 'build') {
    console.log(USAGE)
    return cli.command === 'help' ? 0 : 2
  }
  const log = terminalLog(Boolean(process.env.HASHDOCK_DEBUG))
  const runId = randomBytes(6).toString('hex')
  const workDir = join(tmpdir(), `hashdock-${runId}`)
  try {
    const report = await runPipeline(cli.inputs, { repoDir: resolve(cli.repo), workDir, runId, defaultRef: 'HEAD' }, log)
    if (cli.json) console.log(JSON.stringify(outputs(report), null, 2))
    else console.log(`\n${renderSummary(report)}\n${Object.entries(outputs(report)).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`).join('\n')}`)
    if (report.failure) console.error(`hashdock: ${report.failure}`)
    return report.failure ? 1 : 0
  } finally {
    for (const problem of await cleanupRun(runId, workDir)) log.warning(problem)
  }
}

main().then(
  code => process.exit(code),
  error => {
    console.error(`hashdock: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
