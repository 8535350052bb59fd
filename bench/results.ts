// The bench's results as JSON, one file per table in bench/results/, and the performance page's tables
// generated from them (`npm run perf-tables`), so the page shows what the bench measured, as the README's
// inputs table shows action.yml. Nothing here runs a program.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One table the bench prints: its title (without the bench's number), column heads and rows of cells. */
export interface BenchTable {
  title: string
  head: string[]
  rows: string[][]
}

/** A table as the bench saves it: with the line that says how it was measured, when it was recorded. */
export interface BenchResult extends BenchTable {
  /** The bench's first line: versions, CPUs, the load at the start, the number of runs. */
  environment?: string
}

export const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
export const performancePage = fileURLToPath(new URL('../docs/performance.md', import.meta.url))

/**
 * The name a table is saved under: its section's, and with `--engines TEXT` (a choice of columns) that
 * text too, so a run of some engines keeps its own file beside the run of all of them.
 */
export function resultName(section: string, engines = ''): string {
  const chosen = engines.toLowerCase().replace(/['’]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  return chosen ? `${section}-${chosen}` : section
}

export function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- |').join('')}`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
}

export function saveResult(name: string, result: BenchResult, dir = resultsDir): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(v => typeof v === 'string')

/** A saved result, checked to have the shape the bench writes. */
export function parseResult(text: string, name: string): BenchResult {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null) throw new Error(`bench result ${name}: not an object`)
  const { title, head, rows, environment } = value as Record<string, unknown>
  if (typeof title !== 'string') throw new Error(`bench result ${name}: no title`)
  if (!isStrings(head)) throw new Error(`bench result ${name}: head is not a list of texts`)
  if (!Array.isArray(rows) || !rows.every(isStrings)) throw new Error(`bench result ${name}: rows are not lists of texts`)
  const short = rows.findIndex(r => r.length !== head.length)
  if (short >= 0) throw new Error(`bench result ${name}: row ${short + 1} has ${rows[short].length} cells, the head ${head.length}`)
  if (environment !== undefined && typeof environment !== 'string') throw new Error(`bench result ${name}: environment is not a text`)
  return { ...(environment === undefined ? {} : { environment }), title, head, rows }
}

export function readResult(name: string, dir = resultsDir): BenchResult {
  return parseResult(readFileSync(join(dir, `${name}.json`), 'utf8'), name)
}

/**
 * What the page holds between `<!-- bench:NAME -->` and `<!-- bench:end -->`: the table of NAME's
 * result. With a number (`<!-- bench:NAME:3 -->`) the table comes under a heading of its own, "### 3."
 * and the title, below the line saying how it was measured when the result has one; without, the page's
 * own heading and words above the marker introduce it.
 */
export function section(result: BenchResult, heading?: number): string {
  const table = markdownTable(result.head, result.rows)
  if (heading === undefined) return table
  return [...(result.environment ? [result.environment, ''] : []), `### ${heading}. ${result.title}`, '', table].join('\n')
}

const marked = /(<!-- bench:([\w-]+)(?::(\d+))? -->\n)(?:[\s\S]*?\n)?(<!-- bench:end -->)/g

/** The page with every marked table written from its result. */
export function withTables(page: string, read: (name: string) => BenchResult = name => readResult(name)): string {
  return page.replace(marked, (_, start: string, name: string, heading: string | undefined, end: string) => `${start}${section(read(name), heading === undefined ? undefined : Number(heading))}\n${end}`)
}

/** The results a page names, in its order. */
export function markedResults(page: string): string[] {
  return [...page.matchAll(marked)].map(m => m[2])
}
