// Tools that write the wall clock into what they make (a package, an archive, a wheel): file times are
// the image clock's, but what a step writes into a file is the step's own. BuildKit passes the image
// clock to a RUN step as SOURCE_DATE_EPOCH only when its stage declares the argument.
import type { RunStep } from '../dockerfile.js'

export interface ClockTool {
  name: string
  /** Matched against the step's words joined by spaces. */
  command: RegExp
  /**
   * What makes the step give the same output every build: the stage declaring SOURCE_DATE_EPOCH (which
   * the tool reads, or its flag takes), a flag of the tool's own in the step, or both.
   */
  fixedBy: { epoch: boolean; flag?: RegExp }
  /** The one-line fix. */
  fix: string
}

/** A command where a shell runs one: first, after a separator, or run by xargs or find -exec (not `apt-get install -y gzip`). */
const run = (tool: string, rest = ''): RegExp => new RegExp(`(?:^|[;&|(]\\s*|\\b(?:then|do|sudo|xargs|-exec)\\s+(?:-\\S+\\s+)*)${tool}${rest}`)

/** The tools advice knows (documented in docs/reproducibility.md). */
const CLOCK_TOOLS: ClockTool[] = [
  { name: 'dpkg-deb', command: run('dpkg-deb', String.raw`\s+(.*\s)?(-b|--build)\b`), fixedBy: { epoch: true }, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage: dpkg-deb reads it' },
  {
    name: 'a Python wheel build',
    command: /\b(pip3?|python3?(\.\d+)? -m pip) wheel\b|\bpython3?(\.\d+)? -m build\b|\bbdist_wheel\b|\buv build\b|\bpoetry build\b/,
    fixedBy: { epoch: true },
    fix: 'declare ARG SOURCE_DATE_EPOCH in the stage: wheel builds read it'
  },
  {
    name: 'Python byte-compiling',
    command: /\bpython3?(\.\d+)? -m (compileall|py_compile)\b/,
    fixedBy: { epoch: true },
    fix: "declare ARG SOURCE_DATE_EPOCH in the stage: compileall then checks each .pyc by its source's hash, not its time"
  },
  { name: 'tar', command: run('tar', String.raw`\s+(-?[a-zA-Z]*c[a-zA-Z]*\b|.*--create\b)`), fixedBy: { epoch: true, flag: /--mtime[= ]/ }, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and give tar --mtime=@$SOURCE_DATE_EPOCH --sort=name' },
  { name: 'zip', command: run('zip', String.raw`\s`), fixedBy: { epoch: true, flag: /SOURCE_DATE_EPOCH/ }, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and set the files\' times first (find . -exec touch -d @$SOURCE_DATE_EPOCH {} +), then zip -X' },
  { name: 'jar', command: run('jar', String.raw`\s+(-?[a-zA-Z]*c[a-zA-Z]*\b|.*--create\b)`), fixedBy: { epoch: true, flag: /--date[= ]/ }, fix: 'declare ARG SOURCE_DATE_EPOCH in the stage and give jar --date=$(date -u -d @$SOURCE_DATE_EPOCH +%Y-%m-%dT%H:%M:%SZ)' },
  { name: 'gzip', command: run('gzip', String.raw`\b`), fixedBy: { epoch: false, flag: /\bgzip\s+(.*\s)?(-\w*n\w*|--no-name)\b/ }, fix: 'give gzip -n, so it leaves out the file\'s name and time' }
]

/** The tools a step runs that write the wall clock into their output, as the step and its stage are written. */
export function clockToolsOf(step: RunStep, declaresEpoch: boolean): ClockTool[] {
  const command = step.words.join(' ')
  return CLOCK_TOOLS.filter(({ command: runs, fixedBy }) => runs.test(command) && !((!fixedBy.epoch || declaresEpoch) && (!fixedBy.flag || fixedBy.flag.test(command))))
}
