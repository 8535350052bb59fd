// Removes whatever a run left behind: its containers, networks, volumes, service images and scratch files.
import { rm } from 'node:fs/promises'
import { runBuilder } from '../programs/builder.js'
import { RUN_LABEL, runImageRepository, runName } from '../constants.js'
import { ProgramMissing } from '../errors.js'
import { output, run } from '../programs/exec.js'

/** Returns what could not be removed, as messages; cleanup problems never fail a run. */
export async function cleanupRun(runId: string, workDir: string): Promise<string[]> {
  const problems: string[] = []
  // Containers hashdock runs carry its label; the compose services carry compose's project label.
  const labels = [`${RUN_LABEL}=${runId}`, `com.docker.compose.project=${runName(runId)}`]
  const ids = async (list: string[]): Promise<string[]> => {
    const found = await Promise.all(labels.map(label => output('docker', [...list, '--quiet', '--filter', `label=${label}`])))
    return [...new Set(found.join('\n').split('\n').filter(Boolean))]
  }
  // Images by name, never by ID: another run may have loaded the same image under its own name. An image
  // of the run's own (its label says so) that has no name left goes by its ID.
  const images = async (...filters: string[]): Promise<string[]> => {
    const format = '{{if eq .Tag "<none>"}}{{.ID}}{{else}}{{.Repository}}:{{.Tag}}{{end}}'
    const found = await Promise.all(filters.map(filter => output('docker', ['image', 'ls', '--format', format, '--filter', filter])))
    return [...new Set(found.join('\n').split('\n').filter(Boolean))]
  }
  // What to look for and how to remove it, in the order of removal: containers first, since networks
  // and volumes in use cannot be removed. The tested image is loaded under the run's own name; the
  // images of services are named <project>-<service> (by hashdock, or by compose for a trusted commit),
  // and those hashdock builds carry the run's label whatever other names they were given.
  const kinds: [string, Promise<string[]>, string[]][] = [
    ['containers', ids(['ps', '--all']), ['rm', '--force', '--volumes']],
    ['networks', ids(['network', 'ls']), ['network', 'rm']],
    ['volumes', ids(['volume', 'ls']), ['volume', 'rm', '--force']],
    ['images', images(`reference=${runImageRepository(runId)}`), ['image', 'rm']],
    ['images', images(`reference=${runName(runId)}-*`, `label=${RUN_LABEL}=${runId}`), ['image', 'rm']],
    ['the builder', runBuilder(runId), ['buildx', 'rm']]
  ]
  // Every question is asked at once (each is a CLI call, and a run that ended well has left nothing).
  const answers = await Promise.all(kinds.map(([, question]) => question.then(names => ({ names }), (error: unknown) => ({ error }))))
  // Without docker no run started anything in an engine: there is nothing to remove but scratch files.
  if (answers.some(a => 'error' in a && a.error instanceof ProgramMissing)) return removeScratch(workDir)
  for (const [i, [what, , remove]] of kinds.entries()) {
    const found = answers[i]
    try {
      if ('error' in found) throw found.error
      if (found.names.length) await removeSettled(remove, found.names)
    } catch (error) {
      problems.push(`could not remove ${what}: ${describe(error)}`)
    }
  }
  return [...problems, ...(await removeScratch(workDir))]
}

/**
 * Removes what was found, asking again while the engine still finishes what the run ended: a test
 * container run with --rm is removed by the engine after it exits, and until then its image is in use.
 */
async function removeSettled(remove: string[], names: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run('docker', [...remove, ...names])
      return
    } catch (error) {
      if (attempt >= 5 || !/in use|being used|conflict/i.test(describe(error))) throw error
      await new Promise(resolve => setTimeout(resolve, 1000 * attempt))
    }
  }
}

/** Removes a run's scratch files: all a run that starts nothing in the engine leaves. */
export async function removeScratch(workDir: string): Promise<string[]> {
  if (!workDir) return []
  return rm(workDir, { recursive: true, force: true }).then(
    () => [],
    (error: unknown) => [`could not remove ${workDir}: ${describe(error)}`]
  )
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))
