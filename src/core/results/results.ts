// JUnit results the test containers wrote: read, reported as failure annotations on repository files.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Input } from '../constants.js'
import { parseJUnit, type TestSuite } from './junit.js'
import type { Log } from '../log.js'
import { containerPathMapper, failureAnnotations } from './test-report.js'

/** What one test command did, in the image it ran in. */
export type TestKind = 'unit' | 'integration'

export interface TestRun {
  kind: TestKind
  command: string
  exitCode: number
  passed: boolean
  seconds: number
  /** Host directory holding what the container wrote to the test-results directory, if anything. */
  resultsDir?: string
  /** Failed tests the run's own results report although its command exited 0 (then passed is false). */
  reportedFailures?: number
  /** The platform the tests ran on, and its manifest digest, when several platforms were built. */
  platform?: string
  digest?: string
}

/** What the tests may hand over: parsing takes about fifteen times a file's size in memory. */
export const RESULT_LIMITS = { fileBytes: 16 << 20, totalBytes: 48 << 20, files: 500 }

/** Every suite in the XML files of every test run; unreadable files are warnings, not failures. */
export async function readResults(runs: TestRun[], log: Log): Promise<TestSuite[]> {
  const suites: TestSuite[] = []
  let bytes = 0
  let files = 0
  for (const run of runs) {
    const dir = run.resultsDir
    if (!dir) continue
    for (const file of await xmlFiles(dir)) {
      const size = (await stat(file)).size
      const name = relative(dir, file)
      if (++files > RESULT_LIMITS.files || size > RESULT_LIMITS.fileBytes || bytes + size > RESULT_LIMITS.totalBytes) {
        log.warning(`${Input.TestResults}: ${name} not read: results are read up to ${RESULT_LIMITS.files} files, ${RESULT_LIMITS.fileBytes >> 20} MB each and ${RESULT_LIMITS.totalBytes >> 20} MB in all`)
        continue
      }
      bytes += size
      try {
        // Runners name suites generically ("pytest"): say which test container each came from.
        const parsed = parseJUnit(await readFile(file, 'utf8'), relative(dir, file))
        const platform = run.platform
        suites.push(
          ...parsed.map(s => ({
            ...s,
            kind: run.kind,
            ...(platform ? { platform } : {}),
            name: `${run.kind}${platform ? ` on ${platform}` : ''}: ${s.name}`,
            cases: platform ? s.cases.map(c => ({ ...c, platform })) : s.cases
          }))
        )
      } catch (error) {
        log.warning(`${Input.TestResults}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  return suites
}

/**
 * A run whose command exited 0 while the results it wrote report failures did not pass: the results
 * are what the tests found, and only what passed is pushed.
 */
export function judgeByResults(runs: TestRun[], suites: TestSuite[]): TestRun[] {
  return runs.map(run => {
    const reported = suites.filter(s => s.kind === run.kind && s.platform === run.platform).reduce((n, s) => n + s.failed, 0)
    return run.passed && reported > 0 ? { ...run, passed: false, reportedFailures: reported } : run
  })
}

async function xmlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.xml')).map(e => join(e.parentPath ?? e.path, e.name)).sort()
}

/**
 * One error annotation per failed case, as many as the log shows, placed on the repository file when
 * the path the test reported inside the container maps to one.
 */
export function annotateFailures(suites: TestSuite[], workingDir: string, contextPath: string, repoFiles: Set<string>, log: Log): void {
  const mapPath = containerPathMapper(workingDir || '/', contextPath, repoFiles)
  for (const a of failureAnnotations(suites, mapPath, log.annotationLimit)) {
    log.error(a.message, { title: a.title, file: a.file, startLine: a.startLine })
  }
}
