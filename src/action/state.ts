// What the main step leaves for the post step: never a secret, only where to clean up.
import * as core from '@actions/core'

/** The names of what is saved. */
enum State {
  IsPost = 'hashdock-is-post',
  RunId = 'hashdock-run-id',
  WorkDir = 'hashdock-work-dir'
}

export interface SavedRun {
  runId: string
  workDir: string
}

export function isPost(): boolean {
  return core.getState(State.IsPost) === 'true'
}

/** Marks that the main step ran, first thing: even after an input error the post step must not run it again. */
export function markMainStarted(): void {
  core.saveState(State.IsPost, 'true')
}

export function saveRun(run: SavedRun): void {
  core.saveState(State.RunId, run.runId)
  core.saveState(State.WorkDir, run.workDir)
}

/**
 * The run to clean up, when the state is one the main step could have written: a run ID of twelve hex
 * digits and exactly the work directory that ID names under `tempRoot`. Anything else is not acted on.
 */
export function savedRun(workDirFor: (runId: string) => string): SavedRun | { problem: string } | undefined {
  const runId = core.getState(State.RunId)
  const workDir = core.getState(State.WorkDir)
  if (!runId && !workDir) return undefined
  if (!/^[0-9a-f]{12}$/.test(runId)) return { problem: `the saved run ID is not one hashdock writes; nothing was cleaned up` }
  if (workDir !== workDirFor(runId)) return { problem: `the saved work directory is not this run's; nothing was cleaned up` }
  return { runId, workDir }
}
