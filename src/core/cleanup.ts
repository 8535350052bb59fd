// Removes whatever a run left behind: its containers, networks, volumes and scratch files.
import { rm } from 'node:fs/promises'
import { RUN_LABEL } from './constants.js'
import { output, run } from './exec.js'

/** Returns what could not be removed, as messages; cleanup problems never fail a run. */
export async function cleanupRun(runId: string, workDir: string): Promise<string[]> {
  const problems: string[] = []
  const filter = ['--filter', `label=${RUN_LABEL}=${runId}`]
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn()
    } catch (error) {
      problems.push(`could not remove ${what}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  await attempt('containers', async () => {
    const ids = (await output('docker', ['ps', '--all', '--quiet', ...filter])).split('\n').filter(Boolean)
    if (ids.length) await run('docker', ['rm', '--force', '--volumes', ...ids])
  })
  await attempt('networks', async () => {
    const ids = (await output('docker', ['network', 'ls', '--quiet', ...filter])).split('\n').filter(Boolean)
    if (ids.length) await run('docker', ['network', 'rm', ...ids])
  })
  await attempt('volumes', async () => {
    const ids = (await output('docker', ['volume', 'ls', '--quiet', ...filter])).split('\n').filter(Boolean)
    if (ids.length) await run('docker', ['volume', 'rm', '--force', ...ids])
  })
  if (workDir) await attempt(workDir, () => rm(workDir, { recursive: true, force: true }))
  return problems
}
