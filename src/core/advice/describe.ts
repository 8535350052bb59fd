// One sentence per piece of advice, in plain words; every piece of the Dockerfile or the repository in it
// goes through `code`, so an adapter can quote (and escape) it as its medium needs.
import type { Advice } from './advice.js'

export type Quote = (text: string) => string

const SHOWN_INPUTS = 3

export function describeAdvice(a: Advice, code: Quote = text => text): string {
  if (a.kind === 'root') {
    // A stage without `AS name` is known by its index, which says nothing to a reader.
    const stage = /^\d+$/.test(a.stage) ? 'the final stage' : `the final stage ${code(a.stage)}`
    const why = a.instruction.startsWith('USER') ? `${code(a.instruction)} makes ${stage} run as root` : `${stage[0].toUpperCase()}${stage.slice(1)} runs as root (the Dockerfile sets no USER)`
    return `${why}, and nothing in the Dockerfile needs it (no port below 1024 is exposed): add an unprivileged user and switch to it after the last step that needs root, e.g. ${code('RUN useradd --uid 10001 app')} then ${code('USER 10001')}.`
  }
  if (a.kind === 'clock') {
    const stage = /^\d+$/.test(a.stage) ? 'its stage' : `stage ${code(a.stage)}`
    const declare = /^declare ARG SOURCE_DATE_EPOCH in the stage/
    const fix = declare.test(a.suggestion) ? `${a.suggestion.replace(declare, `declare ${code('ARG SOURCE_DATE_EPOCH')} in ${stage}`)} (hashdock passes the image clock as its value)` : a.suggestion
    return `${code(a.instruction)} runs ${a.tool}, which writes the build's own clock into what it makes, so two builds of one commit give two digests: ${fix}.`
  }
  const names = a.step.inputs.slice(0, SHOWN_INPUTS).map(code).join(', ') + (a.step.inputs.length > SHOWN_INPUTS ? ` and ${a.step.inputs.length - SHOWN_INPUTS} more` : '')
  const reads = a.step.inputs.length ? `${names} changed in ${a.step.changed}` : 'it reads no file of the repository'
  const fix = a.step.inputs.length ? `copy ${names} first` : `move it before ${code(a.instruction)}`
  return (
    `${code(a.instruction)} (changed in ${a.changed} of the last ${a.commits} commits) precedes ${code(a.step.instruction)} (${reads}): ` +
    `${fix} and the step becomes a cache hit in about ${a.hitRate.after}% of builds instead of ${a.hitRate.now}%.`
  )
}
