// Stage 6: what happened, as facts and outputs; each adapter renders them (a job summary, a terminal report).
import { Output } from '../constants.js'
import type { AdviceReport } from '../advice/advice.js'
import type { Artifacts } from '../workspace.js'
import type { StoredAttestation, StoredProvenance } from './attest.js'
import type { Built, Loaded, StepCount } from './build.js'
import { InputError, type Remedy } from '../errors.js'
import { megabytes } from '../log.js'
import type { PlatformImage } from '../programs/oci-archive.js'
import type { Published } from './publish.js'
import { references, rfc3339, type Plan } from './plan.js'
import type { TestSuite } from '../results/junit.js'
import type { TestRun } from '../results/results.js'

/** The stages of a run, in order, as a failure names them. */
export type Stage =
  | 'plan'
  | 'registry login'
  | 'reuse check'
  | 'build context'
  | 'layer cache'
  | 'build'
  | 'verify reproducible'
  | 'artifacts'
  | 'unit tests'
  | 'services'
  | 'integration tests'
  | 'hand on'
  | 'assemble'
  | 'push'

export interface Report {
  /** The first repository. */
  image: string
  /** Every repository the image goes to. */
  images: string[]
  /** The resolved commit and its committer time; unknown when the run failed before resolving it. */
  commit?: string
  commitTime?: number
  /** Full references: pushed, or those that would have been; empty before the commit is known. */
  references: string[]
  /** Digest of the image that was built and tested; the registry holds it when pushed. Empty before the build. */
  digest: string
  /** BuildKit's metadata of the build (--metadata-file), as it wrote it; absent before the build. */
  metadata?: Record<string, unknown>
  /** The engine's ID of the tested image; empty when no test ran (the image was not loaded). */
  imageId?: string
  /** How the image was built and why (builder, reproducibility), as sentences. */
  strategy: string[]
  size?: number
  /** Each platform's manifest digest in the index, when several platforms were built. */
  platforms?: PlatformImage[]
  reproducible?: boolean
  /** verify-reproducible built it again without any cache, to the same digest. */
  verified?: boolean
  buildSeconds?: number
  /** The Dockerfile's steps, and how many came from the layer cache, when BuildKit's log said. */
  steps?: StepCount
  /** The build and tests were skipped: the registry already held this commit's image from the same inputs. */
  reused: boolean
  tests: TestRun[]
  /** What the JUnit files of the test runs said. */
  suites: TestSuite[]
  /** Whether pushing was asked for. */
  push: boolean
  pushed: boolean
  /** The repositories that hold the digest under its full-hash tag: every one once pushed, those reached before a failed push stopped. */
  held: string[]
  /** Where the tested image stays in the engine after the run (keep-image), when it was kept. */
  kept?: string[]
  /** The archive the tested image was handed on as (export-dir), when it was. */
  exported?: string
  /** Files the artifacts input took out of build stages; `delivered` says where they went, once the tests passed. */
  artifacts?: Artifacts
  /** Why the run failed: a stage threw, or a test failed. */
  failure?: string
  failedStage?: Stage
  /** What the user can do about the failure, for the adapter to word. */
  remedy?: Remedy
  /** The input the failure is a problem with (the run stopped on an InputError): a wrong input, not a failed build. */
  failedInput?: string
  notes: string[]
  /** The test-result attestation stored beside the pushed digest; absent when nothing tested was pushed. */
  attestation?: StoredAttestation
  /** The provenance record stored beside the pushed digest (provenance: true); absent when nothing was pushed. */
  provenance?: StoredProvenance
  /** Advice on the Dockerfile, measured on the history; absent when switched off or not measured. */
  advice?: AdviceReport
}

/** How a run ended, for a headline. */
export type Outcome = 'failed' | 'reused' | 'pushed' | 'pushed-untested' | 'tested' | 'built'

export function outcome(r: Report): Outcome {
  if (r.failure) return 'failed'
  if (r.reused) return 'reused'
  const tested = r.tests.length > 0
  if (r.pushed) return tested ? 'pushed' : 'pushed-untested'
  return tested ? 'tested' : 'built'
}

/** What a run has learned so far: the pipeline fills it in as it goes, so a failed stage can still be reported. */
export interface Progress {
  stage: Stage
  image: string
  images: string[]
  push: boolean
  plan?: Plan
  built?: Built
  loaded?: Loaded
  artifacts?: Artifacts
  tests: TestRun[]
  suites: TestSuite[]
  notes: string[]
  advice?: AdviceReport
  /** Filled in by the push as each repository gets its full-hash tag. */
  held: string[]
}

export function startProgress(intent: { images: string[]; push: boolean }): Progress {
  return { stage: 'plan', image: intent.images[0], images: intent.images, push: intent.push, tests: [], suites: [], notes: [], held: [] }
}

/** What the stages of a run found, for its report. */
export interface RunFacts {
  built: Built
  /** Undefined when no test ran: nothing was loaded. */
  loaded?: Loaded
  tests: TestRun[]
  suites: TestSuite[]
  /** Undefined when nothing was pushed. */
  published?: Published
  notes: string[]
  artifacts?: Artifacts
}

export function report(p: Plan, { built, loaded, tests, suites, published, notes, artifacts }: RunFacts): Report {
  const failed = tests.filter(t => !t.passed)
  return {
    ...planFacts(p),
    references: published?.references ?? references(p),
    ...builtFacts(built, loaded),
    reused: false,
    tests,
    suites,
    push: p.publish.push,
    pushed: Boolean(published),
    held: published?.held ?? [],
    ...(artifacts ? { artifacts } : {}),
    ...(failed.length
      ? {
          failure: failed.map(t => `${t.kind} tests ${t.reportedFailures ? `reported ${t.reportedFailures} failed` : 'failed'}${t.platform ? ` on ${t.platform}` : ''} (exit ${t.exitCode}): nothing was pushed`).join('; '),
          failedStage: failed[0].kind === 'unit' ? 'unit tests' : 'integration tests'
        }
      : {}),
    notes
  }
}

/** A run that stopped in `progress.stage`: every fact gathered before it, and why it stopped. */
export function failedReport(progress: Progress, error: unknown): Report {
  const p = progress.plan
  const remedy = (error as { remedy?: Remedy } | undefined)?.remedy
  return {
    image: progress.image,
    images: progress.images,
    ...(p ? planFacts(p) : {}),
    references: p ? references(p) : [],
    digest: '',
    strategy: p?.strategy.reasons ?? [],
    ...(progress.built ? builtFacts(progress.built, progress.loaded) : {}),
    ...(progress.artifacts ? { artifacts: progress.artifacts } : {}),
    reused: false,
    tests: progress.tests,
    suites: progress.suites,
    push: progress.push,
    pushed: false,
    held: progress.held,
    failure: error instanceof Error ? error.message : String(error),
    failedStage: progress.stage,
    ...(remedy ? { remedy } : {}),
    ...(error instanceof InputError ? { failedInput: error.input } : {}),
    notes: progress.notes
  }
}

/** A re-run that found this commit's image, from the same inputs, already in the registry. */
export function reusedReport(p: Plan, published: Published, notes: string[] = []): Report {
  return {
    ...planFacts(p),
    references: published.references,
    digest: published.digest,
    strategy: [],
    reproducible: true,
    reused: true,
    tests: [],
    suites: [],
    push: true,
    pushed: true,
    held: published.held,
    notes
  }
}

const planFacts = (p: Plan): Pick<Report, 'image' | 'images' | 'commit' | 'commitTime' | 'strategy'> => ({
  image: p.image,
  images: p.images,
  commit: p.commit,
  commitTime: p.commitTime,
  strategy: p.strategy.reasons
})

/** The one place that reads the build's result. */
const builtFacts = (b: Built, loaded: Loaded | undefined): Pick<Report, 'digest' | 'metadata' | 'imageId' | 'size' | 'reproducible' | 'verified' | 'buildSeconds' | 'platforms' | 'steps'> => ({
  digest: b.digest,
  ...(b.steps ? { steps: b.steps } : {}),
  metadata: b.metadata,
  ...(b.platforms.length ? { platforms: b.platforms } : {}),
  imageId: loaded?.imageId ?? '',
  size: b.size,
  reproducible: b.reproducible,
  ...(b.verified ? { verified: true } : {}),
  buildSeconds: b.seconds
})

/** A piece of a report's line: words, a value to show as code (a digest, a reference), or a test's state. */
export type Segment = string | { code: string } | { passed: boolean; text: string }

/** One row of a report: what it is, and its lines. Both adapters draw the same rows, each in its own medium. */
export interface Row {
  label: string
  lines: Segment[][]
}

/** The rows of a report, in order; none that is not known (a run that failed at plan has none). */
export function reportRows(r: Report): Row[] {
  const rows: Row[] = []
  const row = (label: string, ...lines: Segment[][]): void => void rows.push({ label, lines })
  if (r.commit !== undefined) row('Commit', [{ code: r.commit }, ` (${rfc3339(r.commitTime ?? 0)})`])
  if (!r.reused && r.imageId !== undefined) {
    row('Image ID', [r.imageId ? { code: r.imageId } : 'not loaded: no test ran'])
    row('Size', [megabytes(r.size ?? 0)])
    row('Build', [`${(r.buildSeconds ?? 0).toFixed(1)} s`])
    if (r.steps) row('Layer cache', [`${r.steps.cached} of ${r.steps.steps} steps from the cache`])
    row('Reproducible', [r.verified ? 'yes, verified: a second build without any cache gave the same digest' : r.reproducible ? 'yes' : 'no'])
  }
  for (const image of r.platforms ?? []) row(`Image ${image.platform}`, [{ code: image.digest }])
  for (const t of r.tests) {
    const state = t.passed ? 'passed' : t.reportedFailures ? `failed: its results report ${t.reportedFailures} failed (exit ${t.exitCode})` : `failed (exit ${t.exitCode})`
    row(`${t.kind[0].toUpperCase()}${t.kind.slice(1)} tests${t.platform ? ` on ${t.platform}` : ''}`, [{ passed: t.passed, text: state }, ` in ${t.seconds.toFixed(1)} s`])
  }
  if (r.digest) row('Digest', [{ code: r.digest }, ...(r.pushed ? [] : [' (not pushed)'])])
  if (r.pushed && r.digest) row('Pull', [{ code: `docker pull ${r.image}@${r.digest}` }])
  if (r.kept?.length) row('Kept as', ...r.kept.map(ref => [{ code: ref }]))
  if (r.exported) row('Handed on', [{ code: r.exported }])
  if (r.strategy.length) row('How', ...r.strategy.map(reason => [reason]))
  if (r.references.length) {
    // Pushed tags are tags; the others are what a push would have written, said as such.
    // A push that failed part way wrote only full-hash tags, in the repositories it reached.
    const held = r.pushed ? r.references : r.references.filter(ref => ref.endsWith(`:${r.commit}`) && r.held.includes(ref.slice(0, -(r.commit ?? '').length - 1)))
    if (held.length) row('Tags', ...held.map(ref => [{ code: ref }]))
    const unpushed = r.references.filter(ref => !held.includes(ref))
    if (unpushed.length) row(r.push ? 'Tags, not pushed' : 'Tags (push is false)', ...unpushed.map(ref => [{ code: ref }]))
  }
  return rows
}

/** The action's outputs, each one only once it is known: a failed run still reports what it had found. */
export function outputs(r: Report): Partial<Record<Output, string>> {
  return {
    ...(r.commit === undefined ? {} : { [Output.Githash]: r.commit, [Output.CommitTime]: String(r.commitTime) }),
    [Output.Image]: r.images.join('\n'),
    ...(r.references.length ? { [Output.Tags]: r.references.join('\n') } : {}),
    [Output.Digest]: r.digest,
    ...(r.imageId === undefined ? {} : { [Output.ImageId]: r.imageId }),
    ...(r.kept ? { [Output.KeptImage]: r.kept.join('\n') } : {}),
    ...(r.reproducible === undefined ? {} : { [Output.Reproducible]: String(r.reproducible) }),
    ...(r.metadata === undefined ? {} : { [Output.Metadata]: JSON.stringify(r.metadata) }),
    ...(r.exported ? { [Output.Exported]: r.exported } : {}),
    // Only what was delivered: a run whose tests failed hands out no file.
    ...(r.artifacts?.delivered ? { [Output.Artifacts]: JSON.stringify(r.artifacts.files.map(({ name, size, sha256 }) => ({ name, size, sha256 }))) } : {}),
    ...(r.attestation ? { [Output.Attestation]: r.attestation.digest } : {}),
    ...(r.provenance ? { [Output.ProvenanceAttestation]: r.provenance.digest } : {}),
    ...(r.pushed || r.failedStage === 'push' ? { [Output.PushedTo]: r.held.join('\n') } : {})
  }
}
