// Advice on the Dockerfile, measured on the repository's own history: steps whose layer cache is lost to
// copies of files they never read, and a final image that runs as root for no reason. Facts only.
import { posix } from 'node:path'
import { chainOf, type CopyStep, type RunStep, type Stage } from '../dockerfile.js'
import { clockToolsOf } from '../advice/clocks.js'
import { inputTest, installersOf } from '../advice/installers.js'
import { compilePattern, dockerignore, hasWildcard, matchesOrParent, type PathPattern } from '../advice/patterns.js'
import { Git } from '../programs/git.js'
import type { SourcePlan } from './plan.js'
import type { Advice, AdviceReport, ClockAdvice, LayerOrderAdvice, RootAdvice } from '../advice/advice.js'

/** First-parent commits examined by default. */
export const ADVICE_COMMITS = 200
/** Below this many commits a count says too little to advise on. */
export const MIN_COMMITS = 10

export async function advise(p: SourcePlan, commits = ADVICE_COMMITS): Promise<AdviceReport> {
  const git = new Git(p.workspace.repoDir)
  // BuildKit prefers a Dockerfile's own ignore file (Dockerfile.dockerignore) to the context's.
  const ignoreFiles = [`${p.dockerfilePath}.dockerignore`, posix.join(p.contextPath, '.dockerignore')]
  let ignoreFile: string | undefined
  let ignoreText = ''
  for (const f of ignoreFiles) {
    const found = await git.fileAt(p.commit, f)
    if (found !== undefined) {
      ;[ignoreFile, ignoreText] = [f, found]
      break
    }
  }
  const ignored = dockerignore(ignoreText)
  const history = await git.changedPaths(p.commit, commits)
  // Each commit's changes as the context sees them: inside it, and not ignored.
  const changes = history.map(paths => contextPaths(paths, p.contextPath).filter(path => !ignored(path)))
  const files = contextPaths([...(await git.files(p.commit))], p.contextPath).filter(path => !ignored(path))
  const { stages } = p.dockerfile
  const where = { dockerfile: p.dockerfilePath, contextPath: p.contextPath }
  const advice: Advice[] = []
  if (stages.length) {
    const target = p.target
    // Stage names are case-insensitive, as BuildKit reads them.
    const final = Math.max(target ? stages.findIndex(s => s.name.toLowerCase() === target.toLowerCase()) : stages.length - 1, 0)
    if (changes.length >= MIN_COMMITS) advice.push(...layerOrder(stages, final, changes, files, where))
    const root = runsAsRoot(stages, final, where.dockerfile)
    if (root) advice.push(root)
    advice.push(...clockSteps(stages, where.dockerfile))
  }
  return { commit: p.commit, dockerfile: p.dockerfilePath, ...(ignoreFile ? { dockerignore: ignoreFile } : {}), commits: changes.length, advice }
}

/** Repository paths inside the context, relative to it. */
function contextPaths(paths: string[], contextPath: string): string[] {
  if (contextPath === '.') return paths
  return paths.filter(path => path.startsWith(`${contextPath}/`)).map(path => path.slice(contextPath.length + 1))
}

/** Where a COPY puts a context file it takes, or undefined when it does not take it. */
export function imagePath(copy: CopyStep, file: string): string | undefined {
  for (const source of copy.sources) {
    if (source === '.') return posix.join(copy.dest, file)
    const pattern = hasWildcard(source) ? compilePattern(source) : undefined
    if (pattern ? pattern.test(file) : file === source) return copy.destIsDir || pattern ? posix.join(copy.dest, posix.basename(file)) : copy.dest
    if (pattern ? matchesOrParent(pattern, file) : file.startsWith(`${source}/`)) {
      // A directory's contents go into the destination, not the directory itself.
      const top = pattern ? ancestorMatching(pattern, file) : source
      return posix.join(copy.dest, posix.relative(top, file))
    }
  }
  return undefined
}

function ancestorMatching(pattern: PathPattern, file: string): string {
  let dir = posix.dirname(file)
  while (!pattern.test(dir) && dir !== '.') dir = posix.dirname(dir)
  return dir
}

type Where = { dockerfile: string; contextPath: string }

export function layerOrder(stages: Stage[], final: number, changes: string[][], files: string[], where: Where): LayerOrderAdvice[] {
  const n = changes.length
  const advice: LayerOrderAdvice[] = []
  // Every stage the final one needs, its own steps last: a stage it copies from is built too.
  const seen = new Set<number>()
  for (const index of [...stages.keys()].filter(i => i <= final)) {
    const { steps } = chainOf(stages, index)
    steps.forEach((step, at) => {
      if (step.kind !== 'run' || seen.has(step.line)) return
      seen.add(step.line)
      const installers = installersOf(step)
      if (!installers.length) return
      const copies = steps.slice(0, at).filter((s): s is CopyStep => s.kind === 'copy' && s.sources.length > 0)
      if (!copies.length) return
      const found = judge(step, copies, installers, changes, files)
      // Only when the numbers say so: the step would be reused in a tenth more of the builds, three at least.
      if (!found || found.rebuilt - found.inputsChanged < Math.max(3, Math.ceil(n / 10))) return
      const percent = (changed: number): number => Math.floor((100 * (n - changed)) / n)
      const inputs = found.inputs.map(f => posix.join(where.contextPath, f))
      const shown = found.inputs.join(' ')
      advice.push({
        kind: 'layer-order',
        dockerfile: where.dockerfile,
        line: found.copy.line,
        instruction: found.copy.text,
        commits: n,
        changed: found.copyChanged,
        step: { line: step.line, instruction: step.text, inputs, changed: found.inputsChanged },
        rebuilt: found.rebuilt,
        hitRate: { now: percent(found.rebuilt), after: percent(found.inputsChanged) },
        suggestion: found.inputs.length
          ? `copy ${shown} first (COPY ${shown} ${destination(found.copy, step)}), then ${step.text}, then ${found.copy.text}`
          : `move ${step.text} before ${found.copy.text}`
      })
    })
  }
  return advice
}

/** Where the suggested narrow COPY puts the inputs: where the broad one did, as the step sees it. */
function destination(copy: CopyStep, step: RunStep): string {
  const relative = posix.relative(step.workdir, copy.destIsDir ? copy.dest : posix.dirname(copy.dest))
  return relative ? `${relative}/` : './'
}

interface Judgement {
  copy: CopyStep
  copyChanged: number
  inputs: string[]
  inputsChanged: number
  rebuilt: number
}

/** Counts, over the history, the builds that re-ran `step` and those that had to. */
function judge(step: RunStep, copies: CopyStep[], installers: ReturnType<typeof installersOf>, changes: string[][], files: string[]): Judgement | undefined {
  const isInput = inputTest(step, installers)
  const taken = (file: string): { copy: CopyStep; input: boolean }[] =>
    copies.flatMap(copy => {
      const at = imagePath(copy, file)
      return at === undefined ? [] : [{ copy, input: isInput(at) }]
    })
  let rebuilt = 0
  let inputsChanged = 0
  const ownChanges = new Map<CopyStep, number>()
  const otherChanges = new Map<CopyStep, number>()
  for (const paths of changes) {
    const hits = paths.flatMap(taken)
    if (hits.length) rebuilt++
    if (hits.some(h => h.input)) inputsChanged++
    for (const copy of new Set(hits.map(h => h.copy))) ownChanges.set(copy, (ownChanges.get(copy) ?? 0) + 1)
    for (const copy of new Set(hits.filter(h => !h.input).map(h => h.copy))) otherChanges.set(copy, (otherChanges.get(copy) ?? 0) + 1)
  }
  // The copy to move past the step: the one whose files, other than the step's inputs, change most often.
  const [copy] = [...otherChanges.entries()].sort((a, b) => b[1] - a[1] || a[0].line - b[0].line)[0] ?? []
  if (!copy) return undefined
  const inputs = files.filter(f => taken(f).some(h => h.input)).sort()
  return { copy, copyChanged: ownChanges.get(copy) ?? 0, inputs, inputsChanged, rebuilt }
}

const ROOT = /^(root|0)(:(root|0))?$/

/** The final stage runs as root (no USER, or USER root) and exposes no port below 1024, the one evident need. */
export function runsAsRoot(stages: Stage[], final: number, dockerfile: string): RootAdvice | undefined {
  const { user, exposed } = chainOf(stages, final)
  if (user && !ROOT.test(user.value)) return undefined
  if (exposed.some(port => port < 1024)) return undefined
  const stage = stages[final]
  return {
    kind: 'root',
    dockerfile,
    line: user?.line ?? stage.fromLine,
    instruction: user ? `USER ${user.value}` : stage.fromText,
    stage: stage.name,
    suggestion: 'add an unprivileged user and switch to it after the last step that needs root, e.g. RUN useradd --uid 10001 app, then USER 10001'
  }
}

/**
 * Steps that write the wall clock into their output, in any stage: a stage's output reaches the image
 * through COPY --from, or the runner through artifacts. A stage declares ARG SOURCE_DATE_EPOCH itself;
 * a declaration in a stage it starts from counts too, so the advice never asks for what is there.
 */
export function clockSteps(stages: Stage[], dockerfile: string): ClockAdvice[] {
  const declares = (index: number): boolean => stages[index].args.includes('SOURCE_DATE_EPOCH') || (stages[index].parent !== undefined && declares(stages[index].parent as number))
  return stages.flatMap((stage, index) =>
    stage.steps.flatMap(step =>
      step.kind !== 'run'
        ? []
        : clockToolsOf(step, declares(index)).map(tool => ({ kind: 'clock' as const, dockerfile, line: step.line, instruction: step.text, stage: stage.name, tool: tool.name, suggestion: tool.fix }))
    )
  )
}
