// Tools that write the wall clock into what they make (a package, an archive, a wheel): file times are
// the image clock's, but what a step writes into a file is the step's own. BuildKit passes the image
// clock to a RUN step as SOURCE_DATE_EPOCH only when its stage declares the argument.
import type { RunStep } from './dockerfile.js'

export interface ClockTool {
  name: string
  /** Matched against the step's words joined by spaces. */
  command: RegExp
  /** The step already gives the tool a fixed time of its own (a flag), so it needs nothing more. */
  fixed?: RegExp
  /** Reads SOURCE_DATE_EPOCH from its environment: declaring the argument is the whole fix. */
  readsEpoch: boolean
  /** The one-line fix, after `ARG SOURCE_DATE_EPOCH` (when the tool reads it) or with it. */
  fix: string
}

/** A command where a shell runs one: first, after a separator, or run by xargs or find -exec (not `apt-get install -y gzip`). */
const run = (tool: string, rest = ''): RegExp => new RegExp(`(?:^|[;&|(]\\s*|\\b(?:then|do|sudo|xargs|-exec)\\s+(?:-\\S+\\s+)*)${tool}${rest}`)

/** The tools advice knows (documented in docs/reproducibility.md). */
export const CLOCK_TOOLS: ClockTool[] = [
  { name: 'dpkg-deb', command: run('dpkg-deb', String.raw`\s+(.*\s)?(-b|--build)\b`), readsEpoch: true, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage: dpkg-deb reads it' },
  {
    name: 'a Python wheel build',
    command: /\b(pip3?|python3?(\.\d+)? -m pip) wheel\b|\bpython3?(\.\d+)? -m build\b|\bbdist_wheel\b|\buv build\b|\bpoetry build\b/,
    readsEpoch: true,
    fix: 'declare ARG SOURCE_DATE_EPOCH in the stage: wheel builds read it'
  },
  {
    name: 'Python byte-compiling',
    command: /\bpython3?(\.\d+)? -m (compileall|py_compile)\b/,
    readsEpoch: true,
    fix: "declare ARG SOURCE_DATE_EPOCH in the stage: compileall then checks each .pyc by its source's hash, not its time"
  },
  { name: 'tar', command: run('tar', String.raw`\s+(-?[a-zA-Z]*c[a-zA-Z]*\b|.*--create\b)`), fixed: /--mtime[= ]/, readsEpoch: false, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and give tar --mtime=@$SOURCE_DATE_EPOCH --sort=name' },
  { name: 'zip', command: run('zip', String.raw`\s`), fixed: /SOURCE_DATE_EPOCH/, readsEpoch: false, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and set the files\' times first (find . -exec touch -d @$SOURCE_DATE_EPOCH {} +), then zip -X' },
  { name: 'jar', command: run('jar', String.raw`\s+(-?[a-zA-Z]*c[a-zA-Z]*\b|.*--create\b)`), fixed: /--date[= ]/, readsEpoch: false, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and give jar --date=$(date -u -d @$SOURCE_DATE_EPOCH +%Y-%m-%dT%H:%M:%SZ)' },
  { name: 'gzip', command: run('gzip', String.raw`\b`), fixed: /\bgzip\s+(.*\s)?(-\w*n\w*|--no-name)\b/, readsEpoch: false, fix: 'give gzip -n, so it leaves out the file\'s name and time' }
]

/**
 * The tools a step runs that write the wall clock into their output, as the step is written: a tool that
 * reads SOURCE_DATE_EPOCH is fine once the stage declares it; the others need their own flag too.
 */
export function clockToolsOf(step: RunStep, declaresEpoch: boolean): ClockTool[] {
  const command = step.words.join(' ')
  return CLOCK_TOOLS.filter(t => {
    if (!t.command.test(command)) return false
    if (t.readsEpoch) return !declaresEpoch
    // gzip needs no argument; the others use the declared one in their flag.
    return !(t.fixed?.test(command) && (declaresEpoch || t.name === 'gzip'))
  })
}
