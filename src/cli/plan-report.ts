// The terminal report of `hashdock plan`: what a build would do, and the command lines it would run.
import { type DryRun, rfc3339 } from '../core/index.js'
import { painter } from './style.js'

/** A command line as a shell would take it back: words with anything special in single quotes. */
function shellLine(words: string[]): string {
  return words.map(w => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ')
}

export function renderPlanReport(r: DryRun, options: { colour: boolean }): string {
  const paint = painter(options.colour)
  const section = (title: string, lines: string[]): string[] => (lines.length ? ['', paint('bold', title), ...lines.map(l => `  ${l}`)] : [])
  return [
    `${paint('bold', r.images.join(', '))}: the plan (nothing built, pushed or left behind)`,
    '',
    `  Commit  ${r.commit} (${rfc3339(r.commitTime)})`,
    ...section('Tags', r.references),
    ...section('Notices', [...r.notices, ...r.warnings]),
    ...section('Labels', Object.entries(r.labels).map(([k, v]) => `${k}=${v}`)),
    ...section('How', r.strategy),
    ...section('Commands', r.commands.map(shellLine)),
    ''
  ].join('\n')
}
