// Outputs and the job summary of a finished run.
import * as core from '@actions/core'
import { outputs, renderSummary, type Report } from '../core/report.js'
import { withoutInvisible } from '../core/text.js'
import { printUntrusted } from './log.js'

export async function publishReport(report: Report): Promise<void> {
  for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
  const summary = withoutInvisible(renderSummary(report))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write()
  else printUntrusted(summary)
}
