// The provenance record: an SLSA v1 statement of how the pushed digest was built, no clock in it.
import { describe, expect, test } from '@jest/globals'
import { provenanceStatement, type ProvenanceFacts } from '../../../src/core/attestation/provenance.js'
import { canonicalJson, statementSubjects } from '../../../src/core/attestation/statement.js'

const commit = 'a'.repeat(40)
const digest = `sha256:${'b'.repeat(64)}`
const arm64 = `sha256:${'c'.repeat(64)}`

const facts: ProvenanceFacts = {
  images: ['ghcr.io/acme/app', 'docker.io/acme/app'],
  digest,
  platformDigests: [arm64],
  commit,
  sourceUrl: 'https://github.com/acme/app',
  runUrl: 'https://github.com/acme/app/actions/runs/7',
  builderId: 'https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main',
  builderDriver: 'docker-container',
  parameters: { context: '.', dockerfile: 'Dockerfile', platforms: ['linux/arm64'], buildArgs: ['TOKEN'], secrets: ['npmrc'], mtime: 'content', compression: 'zstd' }
}

describe('provenanceStatement', () => {
  test('an in-toto v1 statement of SLSA provenance v1 with the same subjects as the test-result record', () => {
    const s = provenanceStatement(facts)
    expect(s._type).toBe('https://in-toto.io/Statement/v1')
    expect(s.predicateType).toBe('https://slsa.dev/provenance/v1')
    expect(s.subject).toEqual(statementSubjects(facts))
    expect(s.subject.map(x => `${x.name}@sha256:${x.digest.sha256}`)).toEqual([
      `ghcr.io/acme/app@${digest}`,
      `ghcr.io/acme/app@${arm64}`,
      `docker.io/acme/app@${digest}`,
      `docker.io/acme/app@${arm64}`
    ])
  })

  test('names the commit it was built from, the workflow that built it and the run', () => {
    const { buildDefinition, runDetails } = provenanceStatement(facts).predicate
    expect(buildDefinition.externalParameters).toMatchObject({ source: `git+https://github.com/acme/app@${commit}`, context: '.', dockerfile: 'Dockerfile', platforms: ['linux/arm64'] })
    expect(buildDefinition.resolvedDependencies).toEqual([{ uri: `git+https://github.com/acme/app@${commit}`, digest: { gitCommit: commit } }])
    expect(runDetails).toEqual({ builder: { id: facts.builderId }, metadata: { invocationId: facts.runUrl } })
    expect(buildDefinition.internalParameters).toEqual({ builderDriver: 'docker-container' })
  })

  test('without a repository address the commit alone; without a run, no metadata', () => {
    const { sourceUrl: _, runUrl: __, ...local } = facts
    const s = provenanceStatement({ ...local, builderId: 'pkg:npm/hashdock@1.0.0' })
    expect(s.predicate.buildDefinition.externalParameters.source).toBe(commit)
    expect(s.predicate.buildDefinition.resolvedDependencies).toEqual([{ digest: { gitCommit: commit } }])
    expect(s.predicate.runDetails).toEqual({ builder: { id: 'pkg:npm/hashdock@1.0.0' } })
  })

  test('the same facts give the same bytes: no clock in the record', () => {
    const first = canonicalJson(provenanceStatement(facts))
    expect(canonicalJson(provenanceStatement({ ...facts, parameters: { ...facts.parameters } }))).toBe(first)
    expect(first).not.toMatch(/startedOn|finishedOn|20\d\d-\d\d-\d\dT/)
  })
})
