// Stage 6: what happened, as outputs and as a summary a person reads.
import { Output } from './constants.js'
import type { Built, Loaded } from './build.js'
import type { Published } from './publish.js'
import { references, rfc3339, type Plan } from './plan.js'
import type { TestSuite } from './junit.js'
import type { TestRun } from './test.js'
import { renderResultsMarkdown } from './test-report.js'

export interface Report {
  commit: string
  commitTime: number
  image: string
  /** Full references: pushed, or those that would have been with push off. */
  references: string[]
  /** Digest of the image that was built and tested; the registry holds it when pushed. */
  digest: string
  /** The engine's ID of the tested image; empty when no test ran (the image was not loaded). */
  imageId: string
  /** How the image was built and why (builder, reproducibility), as sentences. */
  strategy: string[]
  size: number
  reproducible: boolean
  /** The build and tests were skipped: the registry already held this commit's image from the same inputs. */
  reused: boolean
  buildSeconds: number
  tests: TestRun[]
  /** What the JUnit files of the test runs said. */
  suites: TestSuite[]
  pushed: boolean
  /** Set when the run must fail although every stage ran: a test failed. */
  failure?: string
  notes: string[]
}

export function report(
  p: Plan,
  built: Built,
  loaded: Loaded | undefined,
  tests: TestRun[],
  suites: TestSuite[],
  published: Published | undefined,
  notes: string[]
): Report {
  const failed = tests.filter(t => !t.passed)
  return {
    commit: p.commit,
    commitTime: p.commitTime,
    image: p.image,
    references: published?.references ?? references(p),
    digest: published?.digest ?? built.digest,
    imageId: loaded?.imageId ?? '',
    strategy: p.strategy.reasons,
    size: built.size,
    reproducible: built.reproducible,
    reused: false,
    buildSeconds: built.seconds,
    tests,
    suites,
    pushed: Boolean(published),
    failure: failed.length
      ? failed.map(t => `${t.kind} tests failed (exit ${t.exitCode}): nothing was pushed`).join('; ')
      : undefined,
    notes
  }
}

/** A re-run that found this commit's image, from the same inputs, already in the registry. */
export function reusedReport(p: Plan, published: Published): Report {
  return {
    commit: p.commit,
    commitTime: p.commitTime,
    image: p.image,
    references: published.references,
    digest: published.digest,
    imageId: '',
    strategy: [],
    size: 0,
    reproducible: true,
    reused: true,
    buildSeconds: 0,
    tests: [],
    suites: [],
    pushed: true,
    notes: [
      `The registry already held ${p.image}:${p.commit}, built and tested from the same inputs: build and tests were skipped and the tags point at that digest. Set rebuild: true to build again.`
    ]
  }
}

export function outputs(r: Report): Record<Output, string> {
  return {
    [Output.Githash]: r.commit,
    [Output.CommitTime]: String(r.commitTime),
    [Output.Image]: r.image,
    [Output.Tags]: r.references.join('\n'),
    [Output.Digest]: r.digest,
    [Output.ImageId]: r.imageId,
    [Output.Reproducible]: String(r.reproducible)
  }
}

/** The job summary, in GitHub-flavoured markdown; every value here is ours or git's, not test output. */
export function renderSummary(r: Report): string {
  const verdict = r.failure ? '❌ failed' : r.reused ? '♻️ already tested, tags re-applied' : r.pushed ? '✅ tested and pushed' : '✅ tested, not pushed'
  const rows: [string, string][] = [
    ['Commit', `\`${r.commit}\` (${rfc3339(r.commitTime)})`],
    ...(r.reused
      ? []
      : ([
          ['Image ID', r.imageId ? `\`${r.imageId}\`` : 'not loaded (no test ran)'],
          ['Size', megabytes(r.size)],
          ['Build', seconds(r.buildSeconds)],
          ['Reproducible', r.reproducible ? 'yes' : 'no']
        ] as [string, string][])),
    ...r.tests.map((t): [string, string] => [
      `${capitalize(t.kind)} tests`,
      `${t.passed ? 'passed' : `failed (exit ${t.exitCode})`} in ${seconds(t.seconds)}`
    ]),
    ['Digest', `\`${r.digest}\`${r.pushed ? '' : ' (not pushed)'}`],
    ...(r.strategy.length ? [['Build strategy', r.strategy.join('<br>')] as [string, string]] : []),
    ['Tags', r.references.map(ref => `\`${ref}\``).join('<br>')]
  ]
  const lines = [
    `## hashdock: ${r.image} — ${verdict}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`)
  ]
  if (r.tests.length === 0 && !r.reused) lines.push('', 'No test command was given: the image was not tested.')
  if (r.failure) lines.push('', `**${r.failure}**`)
  for (const note of r.notes) lines.push('', `> ${note}`)
  // Test output is untrusted: the results renderer escapes every piece of it.
  if (r.suites.length) lines.push('', renderResultsMarkdown(r.suites, { title: 'Test results' }))
  return lines.join('\n') + '\n'
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`
const seconds = (s: number): string => `${s.toFixed(1)} s`
const capitalize = (s: string): string => s[0].toUpperCase() + s.slice(1)
