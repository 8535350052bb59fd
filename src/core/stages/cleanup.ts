// Removes whatever a run left behind: its containers, networks, volumes, service images and scratch files.
import { rm } from 'node:fs/promises'
import { runBuilder } from '../programs/builder.js'
import { composeProjectName } from '../programs/compose.js'
import { RUN_LABEL } from '../constants.js'
import { lastLine, ProgramMissing } from '../errors.js'
import { output, run } from '../programs/exec.js'

/** Returns what could not be removed, as messages; cleanup problems never fail a run. */
export async function cleanupRun(runId: string, workDir: string): Promise<string[]> {
  const problems: string[] = []
  // Containers hashdock runs carry its label; the compose services carry compose's project label.
  const labels = [`${RUN_LABEL}=${runId}`, `com.docker.compose.project=${composeProjectName(runId)}`]
  const ids = async (list: string[]): Promise<string[]> => {
    const found = await Promise.all(labels.map(label => output('docker', [...list, '--quiet', '--filter', `label=${label}`])))
    return [...new Set(found.join('\n').split('\n').filter(Boolean))]
  }
  // Images by name, never by ID: another run may have loaded the same image under its own name.
  const images = async (reference: string): Promise<string[]> => {
    const names = await output('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${reference}`])
    return [...new Set(names.split('\n').filter(Boolean))]
  }
  // What to look for and how to remove it, in the order of removal: containers first, since networks
  // and volumes in use cannot be removed. The tested image is loaded under the run's own name; compose
  // names the images it builds for services <project>-<service>.
  // Images a run built for services carry its label, whatever names they were given: removed by ID.
  const labelled = async (): Promise<string[]> => {
    const found = await output('docker', ['image', 'ls', '--all', '--quiet', '--no-trunc', '--filter', `label=${RUN_LABEL}=${runId}`])
    return [...new Set(found.split('\n').filter(Boolean))]
  }
  const kinds: [string, Promise<string[]>, string[], RegExp?][] = [
    ['containers', ids(['ps', '--all']), ['rm', '--force', '--volumes']],
    ['networks', ids(['network', 'ls']), ['network', 'rm']],
    ['volumes', ids(['volume', 'ls']), ['volume', 'rm', '--force']],
    ['images', images(`hashdock-run-${runId}`), ['image', 'rm']],
    ['images', images(`${composeProjectName(runId)}-*`), ['image', 'rm']],
    // Those are named <project>-<service> too, and may be gone by name already.
    ['images', labelled(), ['image', 'rm', '--force'], /No such image/i],
    ['the builder', runBuilder(runId), ['buildx', 'rm']]
  ]
  // Every question is asked at once (each is a CLI call, and a run that ended well has left nothing).
  const answers = await Promise.all(kinds.map(([, question]) => question.then(names => ({ names }), (error: unknown) => ({ error }))))
  // Without docker no run started anything in an engine: there is nothing to remove but scratch files.
  if (answers.some(a => 'error' in a && a.error instanceof ProgramMissing)) return removeScratch(workDir)
  for (const [i, [what, , remove, gone]] of kinds.entries()) {
    const found = answers[i]
    try {
      if ('error' in found) throw found.error
      if (!found.names.length) continue
      const r = await run('docker', [...remove, ...found.names], { allowFailure: !!gone })
      if (r.exitCode !== 0 && !r.stderr.split('\n').every(line => gone?.test(line))) throw new Error(lastLine(r.stderr))
    } catch (error) {
      problems.push(`could not remove ${what}: ${describe(error)}`)
    }
  }
  return [...problems, ...(await removeScratch(workDir))]
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
