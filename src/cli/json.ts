// The CLI's --json: the facts of a run as typed JSON (numbers, booleans, arrays, objects), one camelCase
// key style for every command, a schemaVersion to check, and how the run ended.
import { type AdviceReport, type DoctorReport, type DryRun, outcome, type Report, type VerifiedRecord } from '../core/index.js'
import { terminalMessage } from './messages.js'

/** `hashdock verify --json`: the record's facts when it holds, else the one line why not. */
export interface VerifyJson {
  schemaVersion: number
  command: 'verify'
  status: 'passed' | 'failed'
  error: string | null
  record: VerifiedRecord | null
}

export function verifyJson(record: VerifiedRecord | undefined, error?: string): VerifyJson {
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'verify', status: record ? 'passed' : 'failed', error: error ?? null, record: record ?? null }
}

/** Bumped when a key is renamed or removed, or its type changes; new keys keep the version. */
const JSON_SCHEMA_VERSION = 1

/** passed: exit 0; failed: a stage or a test failed, or hashdock could not run (exit 1); input-error: an input is wrong (exit 2). */
export type Status = 'passed' | 'failed' | 'input-error'

export interface BuildJson {
  schemaVersion: number
  command: 'build'
  status: Status
  /** How the run ended, as the report's headline says it: tested, pushed, reused, … */
  outcome: ReturnType<typeof outcome>
  /** The stage that failed, and why, in the CLI's words; null when nothing failed. */
  failedStage: string | null
  error: string | null
  /** The input an input-error is about, as its flag. */
  failedInput?: string
  githash: string | null
  /** Committer time, seconds since the epoch. */
  commitTime: number | null
  images: string[]
  tags: string[]
  digest: string | null
  imageId: string | null
  /** Where the tested image stays in the engine (--keep-image). */
  keptImages: string[]
  reproducible: boolean | null
  pushed: boolean
  reused: boolean
  buildSeconds: number | null
  sizeBytes: number | null
  platforms: { platform: string; digest: string }[]
  tests: { kind: string; platform: string | null; passed: boolean; exitCode: number; seconds: number }[]
  exported: string | null
  artifacts: { name: string; size: number; sha256: string }[]
  attestation: string | null
  /** The SLSA provenance record beside the pushed digest (--provenance), when one was stored. */
  provenance: string | null
  metadata: Record<string, unknown> | null
}

export function buildJson(r: Report): BuildJson {
  const status: Status = r.failedInput ? 'input-error' : r.failure ? 'failed' : 'passed'
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'build',
    status,
    outcome: outcome(r),
    failedStage: r.failure ? (r.failedStage ?? null) : null,
    error: r.failure ? terminalMessage(r.failure, r.remedy) : null,
    // The checkout is the action's workspace; in a terminal it is --repo, whichever input the core named.
    ...(r.failedInput ? { failedInput: r.remedy === 'checkout' ? '--repo' : `--${r.failedInput}` } : {}),
    githash: r.commit ?? null,
    commitTime: r.commitTime ?? null,
    images: r.images,
    tags: r.references,
    digest: r.digest || null,
    imageId: r.imageId || null,
    keptImages: r.kept ?? [],
    reproducible: r.reproducible ?? null,
    pushed: r.pushed,
    reused: r.reused,
    buildSeconds: r.buildSeconds ?? null,
    sizeBytes: r.size ?? null,
    platforms: (r.platforms ?? []).map(({ platform, digest }) => ({ platform, digest })),
    tests: r.tests.map(t => ({ kind: t.kind, platform: t.platform ?? null, passed: t.passed, exitCode: t.exitCode, seconds: t.seconds })),
    exported: r.exported ?? null,
    // Only what was delivered: a run whose tests failed hands out no file.
    artifacts: r.artifacts?.delivered ? r.artifacts.files.map(({ name, size, sha256 }) => ({ name, size, sha256 })) : [],
    attestation: r.attestation?.digest ?? null,
    provenance: r.provenance?.digest ?? null,
    metadata: r.metadata ?? null
  }
}

/** A build that could not start (no docker, say): the same shape, with what is known. */
export function notStartedJson(images: string[], error: string): BuildJson {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command: 'build',
    status: 'failed',
    outcome: 'failed',
    failedStage: null,
    error,
    githash: null,
    commitTime: null,
    images,
    tags: [],
    digest: null,
    imageId: null,
    keptImages: [],
    reproducible: null,
    pushed: false,
    reused: false,
    buildSeconds: null,
    sizeBytes: null,
    platforms: [],
    tests: [],
    exported: null,
    artifacts: [],
    attestation: null,
    provenance: null,
    metadata: null
  }
}

export type AdviseJson = { schemaVersion: number; command: 'advise'; status: Status } & AdviceReport

export function adviseJson(r: AdviceReport): AdviseJson {
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'advise', status: 'passed', ...r }
}

export type DoctorJson = { schemaVersion: number; command: 'doctor'; status: Status } & DoctorReport

export function doctorJson(r: DoctorReport): DoctorJson {
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'doctor', status: r.ready ? 'passed' : 'failed', ...r }
}

export type PlanJson = { schemaVersion: number; command: 'plan'; status: Status } & DryRun

export function planJson(r: DryRun): PlanJson {
  return { schemaVersion: JSON_SCHEMA_VERSION, command: 'plan', status: 'passed', ...r }
}

export const stringify = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`
