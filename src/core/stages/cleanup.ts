// Removes whatever a run left behind: its containers, networks, volumes, service images and scratch files.
import { rm } from 'node:fs/promises'
import { removeRunBuilder } from '../programs/builder.js'
import { composeProjectName } from '../programs/compose.js'
import { RUN_LABEL } from '../constants.js'
import { output, run } from '../programs/exec.js'

/** Returns what could not be removed, as messages; cleanup problems never fail a run. */
export async function cleanupRun(runId: string, workDir: string): Promise<string[]> {
  const problems: string[] = []
  // Containers hashdock runs carry its label; the compose services carry compose's project label.
  const labels = [`${RUN_LABEL}=${runId}`, `com.docker.compose.project=${composeProjectName(runId)}`]
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn()
    } catch (error) {
      problems.push(`could not remove ${what}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const ids = async (list: string[]): Promise<string[]> => {
    const found = await Promise.all(labels.map(label => output('docker', [...list, '--quiet', '--filter', `label=${label}`])))
    return [...new Set(found.join('\n').split('\n').filter(Boolean))]
  }
  // Containers first: networks and volumes in use cannot be removed.
  const kinds: [string, string[], string[]][] = [
    ['containers', ['ps', '--all'], ['rm', '--force', '--volumes']],
    ['networks', ['network', 'ls'], ['network', 'rm']],
    ['volumes', ['volume', 'ls'], ['volume', 'rm', '--force']]
  ]
  for (const [what, list, remove] of kinds) {
    await attempt(what, async () => {
      const found = await ids(list)
      if (found.length) await run('docker', [...remove, ...found])
    })
  }
  // The tested image, loaded under the run's own name, and the builder a run may have created.
  await attempt('images', async () => {
    // By name, never by ID: another run may have loaded the same image under its own name.
    const names = await output('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=hashdock-run-${runId}`])
    if (names) await run('docker', ['image', 'rm', ...new Set(names.split('\n'))])
  })
  await attempt('the builder', () => removeRunBuilder(runId))
  // Images compose built for the project's services are named after it: <project>-<service>.
  await attempt('images', async () => {
    const names = await output('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${composeProjectName(runId)}-*`])
    const found = [...new Set(names.split('\n').filter(Boolean))]
    if (found.length) await run('docker', ['image', 'rm', ...found])
  })
  if (workDir) await attempt(workDir, () => rm(workDir, { recursive: true, force: true }))
  return problems
}
