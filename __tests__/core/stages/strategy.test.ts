// The build strategy for each engine and builder users run, decided once from their facts.
import { describe, expect, test } from '@jest/globals'
import { Input } from '../../../src/core/constants.js'
import type { Engine } from '../../../src/core/programs/docker.js'
import { parseInputs } from '../../../src/core/inputs.js'
import { strategyInputs } from '../../../src/core/stages/plan.js'
import { decideStrategy, type StrategyInputs } from '../../../src/core/stages/strategy.js'

/** What plan decides the strategy from, for these inputs, on a run of a pull request's commit or not. */
const inputs = (raw: Partial<Record<Input, string>> = {}, fromPullRequest = false): StrategyInputs => {
  const all: Partial<Record<Input, string>> = { [Input.Image]: 'ghcr.io/acme/app', ...raw }
  return strategyInputs(parseInputs(name => all[name] ?? ''), fromPullRequest ? { event: { fromPullRequest } } : {})
}
const engine = (containerdStore: boolean, buildx = true): Engine => ({ version: '26.1.5', buildx, containerdStore })

describe('decideStrategy: the builder', () => {
  const cases: [string, Engine, { name: string; driver: string }, { name: string; driver: string; create: boolean }][] = [
    ['containerd store, the engine\'s own builder: used as is', engine(true), { name: 'default', driver: 'docker' }, { name: 'default', driver: 'docker', create: false }],
    ['no containerd store, the engine\'s own builder: a docker-container builder for the run', engine(false), { name: 'default', driver: 'docker' }, { name: 'hashdock-run1', driver: 'docker-container', create: true }],
    ['no containerd store, setup-buildx-action\'s builder: used as is', engine(false), { name: 'builder-1', driver: 'docker-container' }, { name: 'builder-1', driver: 'docker-container', create: false }],
    ['a remote builder: used as is', engine(false), { name: 'farm', driver: 'remote' }, { name: 'farm', driver: 'remote', create: false }],
    ['a kubernetes builder: used as is', engine(true), { name: 'k8s', driver: 'kubernetes' }, { name: 'k8s', driver: 'kubernetes', create: false }]
  ]
  test.each(cases)('%s', (_, facts, builder, expected) => {
    const s = decideStrategy(inputs(), facts, builder, 'run1')
    expect(s.builder).toEqual(expected)
    expect(s.reproducible).toBe(true)
    expect(s.notices.length).toBe(expected.create ? 1 : 0)
    if (expected.create) expect(s.notices[0]).toMatch(/^builder: 'default' .* without the containerd image store/)
  })

  test.each([
    ['the engine\'s own builder', engine(true), { name: 'default', driver: 'docker' }],
    ['setup-buildx-action\'s builder', engine(false), { name: 'builder-1', driver: 'docker-container' }],
    ['a remote builder', engine(false), { name: 'farm', driver: 'remote' }]
  ])('an untrusted commit never builds on %s: a builder of the run\'s own, said once', (_, facts, builder) => {
    const s = decideStrategy(inputs({}, true), facts, builder, 'run1')
    expect(s.builder).toEqual({ name: 'hashdock-run1', driver: 'docker-container', create: true })
    expect(s.notices).toEqual([expect.stringMatching(new RegExp(`^builder: this run builds on a docker-container builder of its own \\(hashdock-run1\\).*the commit is a pull request's.*isolate-builder: false builds on '${builder.name}'`))])
  })

  test('isolate-builder: true says so', () => {
    const s = decideStrategy(inputs({ [Input.IsolateBuilder]: 'true' }, true), engine(true), { name: 'default', driver: 'docker' }, 'run1')
    expect(s.notices[0]).toMatch(/since isolate-builder is true/)
  })

  test('no buildx is an error at plan time, in one line saying what to install', () => {
    expect(() => decideStrategy(inputs(), engine(true, false), { name: 'default', driver: 'docker' }, 'run1')).toThrow(/^docker buildx is not installed: .*Install the docker-buildx plugin/)
  })
})

describe('decideStrategy: what the build does', () => {
  const docker = { name: 'default', driver: 'docker' }
  test('attestations inside the image make the digest unreproducible, said once', () => {
    for (const raw of [{ [Input.Provenance]: 'in-image' }, { [Input.Sbom]: 'true' }]) {
      const s = decideStrategy(inputs(raw), engine(true), docker, 'run1')
      expect(s.reproducible).toBe(false)
      expect(s.notices).toEqual([expect.stringMatching(/^Not reproducible: provenance and SBOM attestations inside the image/)])
    }
  })

  test('provenance beside the image leaves the build reproducible', () => {
    const s = decideStrategy(inputs({ [Input.Provenance]: 'true' }), engine(true), docker, 'run1')
    expect(s).toMatchObject({ provenance: false, reproducible: true, notices: [] })
  })

  test('the image is loaded into the engine only when a test runs in it', () => {
    expect(decideStrategy(inputs(), engine(true), docker, 'r').load).toBe(false)
    expect(decideStrategy(inputs({ [Input.TestCommand]: 'make test' }), engine(true), docker, 'r').load).toBe(true)
    expect(decideStrategy(inputs({ [Input.IntegrationCommand]: 'pytest' }), engine(true), docker, 'r').load).toBe(true)
  })

  test.each([
    ['127.0.0.1:5000/acme/app', ['127.0.0.1:5000', 'localhost:5000']],
    ['localhost:5000/acme/app', ['localhost:5000', '127.0.0.1:5000']],
    ['127.evil.example/acme/app', []],
    ['ghcr.io/acme/app', []],
    ['acme/app', []]
  ])('a created builder reaches %s over plain HTTP only on the loopback interface', (image, expected) => {
    expect(decideStrategy(inputs({ [Input.Image]: image }), engine(false), docker, 'r').loopbackRegistries).toEqual(expected)
  })

  test('cache and compression come from the inputs, decided once', () => {
    const s = decideStrategy(inputs({ [Input.Cache]: 'registry', [Input.Compression]: 'gzip' }), engine(true), docker, 'r')
    expect([s.cache, s.compression]).toEqual(['registry', 'gzip'])
    expect(decideStrategy(inputs(), engine(true), docker, 'r').compression).toBe('zstd')
  })
})

describe('decideStrategy: platforms', () => {
  const cases: [string, string, boolean, { name: string; driver: string }, { exporter: string; loading: string; builder: string }][] = [
    ['no platforms: the native one, as a docker archive', '', true, { name: 'default', driver: 'docker' }, { exporter: 'docker', loading: 'archive', builder: 'default' }],
    ['one platform: still one image, as a docker archive', 'linux/arm64', false, { name: 'b', driver: 'docker-container' }, { exporter: 'docker', loading: 'archive', builder: 'b' }],
    ['two platforms, containerd store: an OCI index, loaded whole', 'linux/amd64,linux/arm64', true, { name: 'default', driver: 'docker' }, { exporter: 'oci', loading: 'archive', builder: 'default' }],
    ['two platforms, classic store, remote builder: an OCI index, loaded one platform at a time', 'linux/amd64,linux/arm64', false, { name: 'farm', driver: 'remote' }, { exporter: 'oci', loading: 'per-platform', builder: 'farm' }],
    ['two platforms, classic store, the engine\'s own builder: a builder for the run, one platform at a time', 'linux/amd64,linux/arm64', false, { name: 'default', driver: 'docker' }, { exporter: 'oci', loading: 'per-platform', builder: 'hashdock-run1' }]
  ]
  test.each(cases)('%s', (_, platforms, containerdStore, builder, expected) => {
    const s = decideStrategy(inputs({ [Input.Platforms]: platforms, [Input.TestCommand]: 'true' }), engine(containerdStore), builder, 'run1')
    expect({ exporter: s.exporter, loading: s.loading, builder: s.builder.name }).toEqual(expected)
    expect(s.platforms).toEqual(platforms ? platforms.split(',') : [])
    expect(s.reproducible).toBe(true)
    if (s.exporter === 'oci') expect(s.reasons.join('\n')).toMatch(/linux\/amd64, linux\/arm64: .*pushed only if every platform passed/)
  })
})
