// The terminal text of Dockerfile advice: `hashdock advise`'s report, and the section a build report ends with.
import { type AdviceReport, describeAdvice } from '../core/index.js'
import { oneLine, painter, type Paint } from './style.js'

/** `hashdock advise`: what was measured, then each piece of advice, or that there is none. */
export function renderAdviceReport(r: AdviceReport, options: { colour: boolean }): string {
  const paint = painter(options.colour)
  const measured = `the last ${r.commits} first-parent commits up to ${r.commit.slice(0, 12)}${r.dockerignore ? `, ${oneLine(r.dockerignore)} applied` : ''}`
  const head = r.advice.length
    ? `${paint('yellow', '⚠')} ${paint('bold', oneLine(r.dockerfile))}: ${r.advice.length} piece${r.advice.length === 1 ? '' : 's'} of advice, measured on ${measured}`
    : `${paint('green', '✔')} ${paint('bold', oneLine(r.dockerfile))}: no advice, measured on ${measured}`
  return [head, ...adviceLines(r, paint)].join('\n') + '\n'
}

/** Each piece on its own lines: where, then the sentence; text from the commit is flattened and cleaned. */
export function adviceLines(r: AdviceReport, paint: Paint): string[] {
  return r.advice.flatMap(a => ['', `  ${paint('yellow', `${oneLine(a.dockerfile)}:${a.line}`)}  ${describeAdvice(a, text => paint('bold', oneLine(text)))}`])
}
