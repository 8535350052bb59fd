// `hashdock doctor` on a terminal: a line per check, marked, and what to do under each that is not ok.
import type { CheckState, DoctorReport } from '../core/index.js'
import { oneLine, painter, type Colour } from './style.js'

const MARKS: Record<CheckState, [string, Colour]> = { ok: ['✔', 'green'], warn: ['⚠', 'yellow'], fail: ['✘', 'red'] }

const NAMES: Record<DoctorReport['checks'][number]['id'], string> = {
  docker: 'docker',
  engine: 'Engine',
  'image-store': 'Image store',
  buildx: 'buildx',
  builder: 'Builder',
  compose: 'Compose',
  skopeo: 'skopeo',
  emulation: 'Emulation',
  checkout: 'Checkout',
  logins: 'Registry logins'
}

export function renderDoctorReport(r: DoctorReport, options: { colour: boolean }): string {
  const paint = painter(options.colour)
  const width = Math.max(...r.checks.map(c => NAMES[c.id].length))
  const lines = r.checks.flatMap(c => {
    const [mark, colour] = MARKS[c.state]
    const line = `${paint(colour, mark)} ${NAMES[c.id].padEnd(width)}  ${oneLine(c.found)}`
    return c.fix && c.state !== 'ok' ? [line, `  ${' '.repeat(width)}  ${paint('dim', `→ ${oneLine(c.fix)}`)}`] : [line]
  })
  const verdict = r.ready
    ? r.checks.some(c => c.state === 'warn')
      ? paint('yellow', 'A build can run here; the warnings above say what it cannot do yet.')
      : paint('green', 'Everything a build needs is here.')
    : paint('red', 'No build can run here until the failures above are fixed.')
  return [...lines, '', verdict, ''].join('\n')
}
