// A Dockerfile read with dockerfile-ast into stages and the steps advice needs: what each COPY takes from
// the context and where it puts it, what each RUN runs and where, and who the image runs as.
import { posix } from 'node:path'
import { DockerfileParser, type Instruction } from 'dockerfile-ast'

interface StepBase {
  /** 1-based, as annotations and editors count. */
  line: number
  /** The instruction on one line, as written. */
  text: string
}

export interface CopyStep extends StepBase {
  kind: 'copy'
  /** Context-relative sources (ARG and ENV defaults substituted); empty for a copy from a stage, an image or a URL. */
  sources: string[]
  /** Absolute destination in the image. */
  dest: string
  /** The destination is a directory (ends in `/`, is the working directory, or several sources go there). */
  destIsDir: boolean
}

export interface RunStep extends StepBase {
  kind: 'run'
  /** The command's words, variables substituted where the Dockerfile gives them a value. */
  words: string[]
  /** Absolute working directory of the step. */
  workdir: string
}

export type Step = CopyStep | RunStep

export interface Stage {
  /** `AS name`, or the stage's index. */
  name: string
  fromLine: number
  fromText: string
  /** Index of the stage this one starts FROM, when it is a stage of this Dockerfile. */
  parent?: number
  steps: Step[]
  /** The last USER of this stage. */
  user?: { value: string; line: number }
  exposed: number[]
  /** Names of the build arguments the stage declares (ARG), which its RUN steps then see. */
  args: string[]
}

/** The names stages are given (FROM … AS name), lowercased as BuildKit compares them; a stage name starts with a letter, so the index an unnamed stage goes by is never one. */
export function stageNames(stages: Stage[]): string[] {
  return stages.map(s => s.name.toLowerCase()).filter(name => !/^\d+$/.test(name))
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  let stage: Stage | undefined
  let workdir = '/'
  const workdirs: string[] = []
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    const keyword = i.getKeyword()
    const line = i.getRange().start.line + 1
    const words = argumentsOf(i)
    if (keyword === 'FROM') {
      const base = words[0] ?? ''
      const parent = stages.findIndex(s => s.name.toLowerCase() === base.toLowerCase())
      const name = words[1]?.toLowerCase() === 'as' && words[2] ? words[2] : String(stages.length)
      workdir = parent >= 0 ? workdirs[parent] : '/'
      stage = { name, fromLine: line, fromText: flatten(i), ...(parent >= 0 ? { parent } : {}), steps: [], exposed: [], args: [] }
      stages.push(stage)
      workdirs.push(workdir)
      continue
    }
    if (!stage) continue
    const oneLine = flatten(i)
    if (keyword === 'WORKDIR' && words[0]) workdirs[stages.length - 1] = workdir = posix.resolve(workdir, words[0])
    else if (keyword === 'USER' && words[0]) stage.user = { value: words[0], line }
    else if (keyword === 'EXPOSE') stage.exposed.push(...words.map(w => Number.parseInt(w, 10)).filter(n => Number.isInteger(n)))
    else if (keyword === 'ARG') stage.args.push(...i.getArguments().map(a => a.getValue().split('=')[0]))
    else if (keyword === 'RUN') stage.steps.push({ kind: 'run', line, text: oneLine, words, workdir })
    else if (keyword === 'COPY' || keyword === 'ADD') {
      const flags = 'getFlags' in i ? (i as unknown as { getFlags(): { getName(): string }[] }).getFlags() : []
      const fromElsewhere = flags.some(f => f.getName() === 'from')
      const sources = words.slice(0, -1)
      const dest = words.at(-1) ?? '.'
      // A here-document is written by the Dockerfile itself: nothing of the context.
      if (sources.some(s => s.startsWith('<<'))) continue
      const local = fromElsewhere ? [] : sources.filter(s => !/^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(s))
      stage.steps.push({
        kind: 'copy',
        line,
        text: oneLine,
        // A source whose variable the Dockerfile leaves unset cannot be mapped to paths: it counts for nothing.
        sources: local.filter(s => !s.includes('$')).map(s => posix.normalize(s.replace(/^\/+/, '')).replace(/(.)\/+$/, '$1') || '.'),
        dest: posix.resolve(workdir, dest),
        destIsDir: dest.endsWith('/') || dest === '.' || sources.length > 1
      })
    }
  }
  return stages
}

/** A stage's steps after those of the stages it starts from: its layer cache depends on all of them. */
export function chainOf(stages: Stage[], index: number): { steps: Step[]; user?: Stage['user']; exposed: number[] } {
  const stage = stages[index]
  const above = stage.parent === undefined ? { steps: [], exposed: [] } : chainOf(stages, stage.parent)
  return { steps: [...above.steps, ...stage.steps], user: stage.user ?? above.user, exposed: [...above.exposed, ...stage.exposed] }
}

/** The instruction as written, flags included, continuation lines joined. */
const flatten = (i: Instruction): string => i.toString().replace(/\s+/g, ' ').trim()

/** The words of an instruction, JSON form or shell form, flags left out, ARG and ENV defaults substituted. */
function argumentsOf(i: Instruction): string[] {
  const json = 'getJSONStrings' in i ? (i as unknown as { getJSONStrings(): { getJSONValue(): string }[] }).getJSONStrings() : []
  if (json.length) return json.map(s => s.getJSONValue())
  return i.getExpandedArguments().map(a => a.getValue())
}
