// Typed stage results for the report stage: one plan of a commit, its build, and test runs.
import { Input } from '../src/core/constants.js'
import type { Artifacts, Workspace } from '../src/core/workspace.js'
import type { Built, Loaded } from '../src/core/stages/build.js'
import { parseInputs } from '../src/core/inputs.js'
import { specs, type Plan } from '../src/core/stages/plan.js'
import { parseDockerfile } from '../src/core/dockerfile.js'
import type { Published } from '../src/core/stages/publish.js'
import type { TestRun } from '../src/core/results/results.js'

export const COMMIT = '3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e5b7d9f0a'
/** 2024-05-06T07:08:09Z */
export const COMMIT_TIME = Date.UTC(2024, 4, 6, 7, 8, 9) / 1000
export const IMAGE = 'ghcr.io/acme/app'

/** The inputs the plan was made from: the image alone, every other input at its default. */
export const inputs = parseInputs(name => (name === Input.Image ? IMAGE : ''))

export const plan: Plan = {
  mode: 'build',
  ...specs(inputs, {}),
  test: { unit: '', integration: '', results: inputs[Input.TestResults] },
  advice: false,
  dockerfile: { text: 'FROM scratch\n', stages: parseDockerfile('FROM scratch\n') },
  mtime: 'content',
  namedContexts: [],
  wholeTree: true,
  target: '',
  workspace: { repoDir: '/checkout', workDir: '/scratch', runId: 'run1', defaultRef: 'HEAD' },
  commit: COMMIT,
  commitTime: COMMIT_TIME,
  image: IMAGE,
  images: [IMAGE],
  notices: [],
  warnings: [],
  localRef: `hashdock-run-run1:${COMMIT}`,
  ref: 'HEAD',
  tags: [COMMIT, 'latest', '3f2a9c1'],
  contextPath: '.',
  dockerfilePath: 'Dockerfile',
  labels: {},
  exportDir: '',
  assembleFrom: '',
  keepAs: '',
  strategy: {
    builder: { name: 'default', driver: 'docker', create: false },
    loopbackRegistries: [],
    cache: 'none',
    compression: 'zstd',
    platforms: [],
    exporter: 'docker',
    loading: 'archive',
    load: true,
    provenance: false,
    sbom: false,
    reproducible: true,
    reasons: ["built by 'default' (docker driver)"],
    notices: []
  }
}

export const built: Built = {
  digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
  configDigest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
  archive: '/scratch/image.tar',
  size: 12_345_678,
  reproducible: true,
  seconds: 42.25,
  metadata: {},
  platforms: []
}

export const loaded: Loaded = {
  imageId: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
  localRef: `hashdock-run-run1:${COMMIT}`,
  workingDir: '/app',
  platforms: []
}

export const published: Published = {
  references: [`${IMAGE}:${COMMIT}`, `${IMAGE}:latest`, `${IMAGE}:3f2a9c1`],
  digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
  heldBack: [],
  held: [IMAGE]
}

export const unitPassed: TestRun = { kind: 'unit', command: 'npm test', exitCode: 0, passed: true, seconds: 3.5 }
export const unitFailed: TestRun = { kind: 'unit', command: 'npm test', exitCode: 3, passed: false, seconds: 2 }
export const integrationPassed: TestRun = { kind: 'integration', command: 'pytest it', exitCode: 0, passed: true, seconds: 7 }
export const integrationFailed: TestRun = { kind: 'integration', command: 'pytest it', exitCode: 1, passed: false, seconds: 9 }

/** A .deb and a file of an exported directory, delivered as a workflow artifact. */
export const artifacts: Artifacts = {
  dir: '/tmp/hashdock-run/artifacts',
  name: 'hashdock-3f2a9c1',
  files: [
    { name: 'builder:out/app_1.0_all.deb', relativePath: 'builder/out/app_1.0_all.deb', size: 1168, sha256: 'a418d3791b2a4a75bf97a9bb843975a78ce084a2d3b5848ee1c17404cc5b9f54' },
    { name: 'docs:site/a|b`c.html', relativePath: 'docs/site/a|b`c.html', size: 1234567, sha256: '0'.repeat(64) }
  ],
  delivered: 'workflow artifact hashdock-3f2a9c1 (id 7, 2048 bytes zipped)'
}

/** The fixture's plan with the decisions plan makes from these inputs (the image's besides), for a run of this event. */
export function planFrom(raw: Partial<Record<Input, string>>, event?: Workspace['event']): Plan {
  const all: Partial<Record<Input, string>> = { [Input.Image]: IMAGE, ...raw }
  const parsed = parseInputs(name => all[name] ?? '')
  const workspace = event ? { ...plan.workspace, event } : plan.workspace
  return { ...plan, workspace, ...specs(parsed, workspace), target: parsed[Input.Target], mtime: parsed[Input.Mtime], namedContexts: parsed[Input.BuildContexts] }
}
