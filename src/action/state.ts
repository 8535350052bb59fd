// What the main step leaves for the post step: never a secret, only where to clean up.
import * as core from '@actions/core'
import { State } from '../core/constants.js'

export interface SavedRun {
  runId: string
  workDir: string
}

export function isPost(): boolean {
  return core.getState(State.IsPost) === 'true'
}

export function saveRun(run: SavedRun): void {
  core.saveState(State.IsPost, 'true')
  core.saveState(State.RunId, run.runId)
  core.saveState(State.WorkDir, run.workDir)
}

export function savedRun(): SavedRun | undefined {
  const runId = core.getState(State.RunId)
  return runId ? { runId, workDir: core.getState(State.WorkDir) } : undefined
}
