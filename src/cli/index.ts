#!/usr/bin/env node
// hashdock on a developer's machine: the same pipeline as the action, inputs from flags. Standard output
// carries only the result (the report, or the JSON with --json); everything else goes to standard error.
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { advise, cleanupRun, createContext, doctor, dryRun, Git, Input, InputError, type Inputs, NotVerified, planSource, type Remedy, removeScratch, requireDocker, runName, runPipeline, ServiceError, setExecOutput, userConfigDir, verifyRecord, type Workspace } from '../core/index.js'
import { renderVerifyReport } from './verify-report.js'
import { renderAdviceReport } from './advice-report.js'
import { renderDoctorReport } from './doctor-report.js'
import { adviseJson, buildJson, doctorJson, notStartedJson, planJson, stringify, verifyJson } from './json.js'
import { renderPlanReport } from './plan-report.js'
import { helpText, parseCli, UsageError, type CliOptions, type VerifyOptions } from './args.js'
import { artifactsDir } from './artifacts-dir.js'
import { terminalLog } from './log.js'
import { CommandNeutraliser, commandFreeJson, neutralise, neutralisingStream } from '../action/workflow-commands.js'
import { terminalMessage } from './messages.js'
import { renderTerminalReport } from './report.js'
import { oneLine, wantsColour } from './style.js'
import { VERSION } from './version.js'

const EXIT_FAILED = 1
const EXIT_USAGE = 2

async function main(): Promise<number> {
  let cli: CliOptions
  try {
    cli = parseCli(process.argv.slice(2), () => readFileSync(0, 'utf8'))
  } catch (error) {
    process.stderr.write(`hashdock: ${describe(error)}\n`)
    return EXIT_USAGE
  }
  if (cli.command === 'help') {
    process.stdout.write(helpText(cli.topic))
    return 0
  }
  if (cli.command === 'version') {
    process.stdout.write(`hashdock ${VERSION}\n`)
    return 0
  }
  if (cli.command === 'doctor') return await runDoctor(cli)
  if (cli.command === 'verify') return await runVerify(cli)
  const verbose = Boolean(process.env.HASHDOCK_DEBUG)
  // In a workflow's run: step, the runner reads what the CLI prints: what the commit prints is neutralised.
  const runner = inRunner() ? new CommandNeutraliser() : undefined
  const log = terminalLog({ verbose, colour: wantsColour(process.stderr), runner })
  // Docker's own output (BuildKit's progress, the tests') is a log too: it must never mix into the JSON.
  const programs = runner ? neutralisingStream(process.stderr, runner) : process.stderr
  setExecOutput({ stdout: programs, stderr: programs, command: line => log.debug(`$ ${line}`) })
  const runId = randomBytes(6).toString('hex')
  const workDir = join(tmpdir(), runName(runId))
  // Paths are the repository's, from its top, wherever in the working tree the CLI was started.
  const repoDir = (await new Git(resolve(cli.repo)).topLevel()) ?? resolve(cli.repo)
  // BuildKit draws its own view on a terminal (unless BUILDKIT_PROGRESS=plain asks for every line); a
  // runner's output is a log, and every line of it is neutralised.
  const terminal = process.stderr.isTTY === true && !runner && process.env.BUILDKIT_PROGRESS !== 'plain'
  const workspace = { repoDir, workDir, runId, defaultRef: 'HEAD', terminal, builderId: `pkg:npm/hashdock@${VERSION}`, ...(cli.artifactsDir ? { artifactSink: artifactsDir(cli.artifactsDir) } : {}) }
  // `context`, `advise` and `plan` start nothing in the engine: only their scratch files go.
  const cleanup = (): Promise<string[]> => (cli.command === 'context' || cli.command === 'advise' || cli.command === 'plan' ? removeScratch(workDir) : cleanupRun(runId, workDir))
  // Ctrl-C: the services, containers and login of this run go with it, then the CLI exits as interrupted.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nhashdock: ${signal}: removing what this run started`)
      interrupted = { code: signal === 'SIGINT' ? 130 : 143, cleaned: cleanup() }
      void interrupted.cleaned.finally(() => process.exit(interrupted?.code))
    })
  }
  try {
    if (cli.command === 'context') return await writeContext(cli.inputs, workspace, cli.out)
    if (cli.command === 'advise') return await writeAdvice(cli, workspace)
    // Without docker nothing can run: one line saying so, before a stage starts (and the JSON of that, with --json).
    await requireDocker().catch((error: unknown) => {
      if (cli.json) process.stdout.write(json(notStartedJson(cli.inputs[Input.Image], describe(error))))
      throw error
    })
    if (cli.command === 'plan') {
      const planned = await dryRun(cli.inputs, workspace, log)
      process.stdout.write(cli.json ? json(planJson(planned)) : shown(renderPlanReport(planned, { colour: wantsColour(process.stdout) })))
      return 0
    }
    const report = await runPipeline(cli.inputs, workspace, log)
    const failure = report.failure ? oneLine(terminalMessage(report.failure, report.remedy)) : ''
    if (cli.json) {
      process.stdout.write(json(buildJson(report)))
    } else if (!report.failedInput) {
      process.stderr.write('\n')
      process.stdout.write(shown(renderTerminalReport(report, { colour: wantsColour(process.stdout) })))
    }
    // The failure on standard error too, whatever standard output carries: a wrong input is one line and
    // no report (a usage error, wherever the run found it); a failed stage is the report's last word.
    if (report.failure) process.stderr.write(shown(`hashdock: ${report.failedInput ? '' : `failed at ${report.failedStage ?? 'an unknown stage'}: `}${failure}\n`))
    return report.failedInput ? EXIT_USAGE : report.failure ? EXIT_FAILED : 0
  } finally {
    for (const problem of await cleanup()) log.warning(problem)
  }
}

/** `hashdock doctor`: what a build needs here, each check with what to do; exit 1 when no build could run. */
async function runDoctor(cli: CliOptions): Promise<number> {
  const log = terminalLog({ verbose: Boolean(process.env.HASHDOCK_DEBUG), colour: wantsColour(process.stderr) })
  setExecOutput({ stdout: process.stderr, stderr: process.stderr, command: line => log.debug(`$ ${line}`) })
  const report = await doctor(resolve(cli.repo))
  if (cli.json) process.stdout.write(json(doctorJson(report)))
  else process.stdout.write(shown(renderDoctorReport(report, { colour: wantsColour(process.stdout) })))
  return report.ready ? 0 : EXIT_FAILED
}

/** `hashdock verify`: the record beside a digest checked; exit 1 with one line when it does not hold. */
async function runVerify(cli: CliOptions): Promise<number> {
  const v = cli.verify as VerifyOptions
  const trustedRoots = v.trustedRoot ? readTrustedRoots(v.trustedRoot) : []
  try {
    const record = await verifyRecord(
      {
        image: v.image,
        digest: v.digest,
        ...(v.repository ? { expected: { repository: v.repository, ...(v.workflow ? { workflow: v.workflow } : {}) } } : {}),
        trustedRoots,
        allowUnsigned: v.allowUnsigned
      },
      { authfile: join(userConfigDir(), 'config.json') }
    )
    process.stdout.write(cli.json ? json(verifyJson(record)) : shown(renderVerifyReport(record, { colour: wantsColour(process.stdout) })))
    return 0
  } catch (error) {
    if (!(error instanceof NotVerified || error instanceof ServiceError)) throw error
    const line = `${oneLine(error.message)}${error instanceof NotVerified && error.unsigned ? ' (--allow-unsigned accepts it)' : ''}`
    if (cli.json) process.stdout.write(json(verifyJson(undefined, line)))
    process.stderr.write(shown(`hashdock: not verified: ${line}\n`))
    return EXIT_FAILED
  }
}

/** --trusted-root: one trusted root as JSON, or one a line (gh attestation trusted-root writes public-good's and GitHub's). */
function readTrustedRoots(file: string): object[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--trusted-root: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'}); give the file a trusted root was written to`)
  }
  const trimmed = text.trim()
  try {
    return trimmed.startsWith('{') && !trimmed.includes('\n{') ? [JSON.parse(trimmed) as object] : trimmed.split('\n').filter(l => l.trim()).map(l => JSON.parse(l) as object)
  } catch {
    throw new UsageError(`--trusted-root: '${file}' is not a Sigstore trusted root (JSON, or one a line)`)
  }
}

/** `hashdock context`: the build context of one commit, written where the user can look at it. */
async function writeContext(inputs: Inputs, workspace: Workspace, out: string): Promise<number> {
  if (!out) throw new UsageError('--out: give the directory to write the build context to, e.g. --out /tmp/context')
  checkOut(out)
  const p = await planSource(inputs, workspace)
  const context = await createContext(p, join(workspace.workDir, 'context'))
  await mkdir(dirname(resolve(out)), { recursive: true })
  await rename(context.contextDir, out)
  process.stdout.write(`Wrote the build context of ${p.commit} (mtime ${inputs[Input.Mtime]}) to ${out}\n`)
  return 0
}

/** `hashdock advise`: the Dockerfile measured against the history, as a report or, with --json, the facts alone. */
async function writeAdvice(cli: CliOptions, workspace: Workspace): Promise<number> {
  const measured = await advise(await planSource(cli.inputs, workspace), cli.commits)
  if (cli.json) process.stdout.write(json(adviseJson(measured)))
  else process.stdout.write(shown(renderAdviceReport(measured, { colour: wantsColour(process.stdout) })))
  // Advice is not a failure: the exit says whether hashdock could measure, not whether it found something.
  return 0
}

/** --out is a new directory or an empty one, as `tar -x -C DIR` takes: nothing of the user's is replaced. */
function checkOut(out: string): void {
  let entries: string[]
  try {
    entries = readdirSync(out)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code === 'ENOTDIR') throw new UsageError(`--out: '${out}' is a file; give a new or empty directory`)
    throw error
  }
  if (entries.length) throw new UsageError(`--out: '${out}' is not empty; give a new or empty directory`)
}

/** In a workflow's run: step, reports quote the commit's test names and Dockerfile lines: none may be a command. */
const inRunner = (): boolean => process.env.GITHUB_ACTIONS === 'true'
const shown = (text: string): string => (inRunner() ? neutralise(text) : text)
const json = (value: unknown): string => (inRunner() ? `${commandFreeJson(value)}\n` : stringify(value))

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  return terminalMessage(error.message, (error as { remedy?: Remedy }).remedy)
}

/** Set by Ctrl-C: the run's programs die with it, so the pipeline ends too, but the exit waits for the cleanup and says interrupted. */
let interrupted: { code: number; cleaned: Promise<unknown> } | undefined

function exit(code: number): void {
  if (interrupted) void interrupted.cleaned.finally(() => process.exit(interrupted?.code))
  else process.exit(code)
}

main().then(exit, error => {
  if (!interrupted) process.stderr.write(`hashdock: ${describe(error)}\n`)
  exit(error instanceof UsageError || error instanceof InputError ? EXIT_USAGE : EXIT_FAILED)
})
