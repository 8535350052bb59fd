// The one writer of `docker buildx build` command lines, table-tested as build-push-action tests its getArgs.
import { describe, expect, test } from '@jest/globals'
import { Input } from '../../../src/core/constants.js'
import { buildxArgs, type BuildOutput, type BuildPlan } from '../../../src/core/stages/buildx-args.js'
import { plan, planFrom } from '../../../__fixtures__/report.js'

const context = { dockerfile: '/run/tree/Dockerfile', contextDir: '/run/tree', named: {} }
const image: BuildOutput = { kind: 'image', archive: '/run/image.tar', metadataFile: '/run/meta.json', cacheArgs: [] }
const artifacts: BuildOutput = { kind: 'artifacts', dockerfile: '/run/artifacts.Dockerfile', stage: 'hashdock-artifacts', dest: '/run/artifacts' }

function planWith(raw: Partial<Record<Input, string>>, extra: Partial<BuildPlan> = {}): BuildPlan {
  return { ...planFrom(raw), labels: { 'org.opencontainers.image.revision': 'abc' }, ...extra }
}

const OUTPUT = `type=docker,dest=/run/image.tar,oci-mediatypes=true,rewrite-timestamp=true,compression=zstd,force-compression=true,name=${plan.localRef}`

describe('buildxArgs', () => {
  test.each<[string, BuildPlan, BuildOutput, string[]]>([
    [
      'the image: plain progress, the image clock, labels, no attestation, the archive with rewritten times',
      planWith({}),
      image,
      ['buildx', 'build', '--builder', 'default', '--progress', 'plain', '--file', '/run/tree/Dockerfile', '--build-arg', 'SOURCE_DATE_EPOCH=0', '--label', 'org.opencontainers.image.revision=abc', '--provenance=false', '--sbom=false', '--metadata-file', '/run/meta.json', '--output', OUTPUT, '/run/tree']
    ],
    [
      'the same build as its artifact export: the export stage, a local output, no label, no attestation',
      planWith({}),
      artifacts,
      ['buildx', 'build', '--builder', 'default', '--progress', 'plain', '--file', '/run/artifacts.Dockerfile', '--build-arg', 'SOURCE_DATE_EPOCH=0', '--provenance=false', '--sbom=false', '--target', 'hashdock-artifacts', '--output', 'type=local,dest=/run/artifacts', '/run/tree']
    ],
    [
      'no-cache reaches the image build, never the export that reuses it',
      planWith({ [Input.NoCache]: 'true', [Input.Pull]: 'true' }),
      artifacts,
      ['buildx', 'build', '--builder', 'default', '--progress', 'plain', '--file', '/run/artifacts.Dockerfile', '--build-arg', 'SOURCE_DATE_EPOCH=0', '--pull', '--provenance=false', '--sbom=false', '--target', 'hashdock-artifacts', '--output', 'type=local,dest=/run/artifacts', '/run/tree']
    ]
  ])('%s', (_, p, output, expected) => {
    expect(buildxArgs(p, context, output).args).toEqual(expected)
  })

  test.each<[string, Partial<Record<Input, string>>, string[]]>([
    ['build arguments in order, after the image clock', { [Input.BuildArgs]: 'A=1\nB=two' }, ['--build-arg', 'SOURCE_DATE_EPOCH=0', '--build-arg', 'A=1', '--build-arg', 'B=two']],
    ['annotations and the target', { [Input.Annotations]: 'index:a=1', [Input.Target]: 'runtime' }, ['--annotation', 'index:a=1', '--target', 'runtime']],
    ['network host asks for its entitlement', { [Input.Network]: 'host' }, ['--network', 'host', '--allow', 'network.host']],
    ['hosts as buildx spells them', { [Input.AddHosts]: 'db=10.0.0.1' }, ['--add-host', 'db:10.0.0.1']],
    ['ssh', { [Input.Ssh]: 'default' }, ['--ssh', 'default']]
  ])('%s', (_, raw, expected) => {
    const args = buildxArgs(planWith(raw), context, image).args
    const at = args.indexOf(expected[0])
    expect(args.slice(at, at + expected.length)).toEqual(expected)
  })

  test('several platforms, provenance and the cache: in the image build', () => {
    const p = planWith({}, { strategy: { ...plan.strategy, platforms: ['linux/amd64', 'linux/arm64'], exporter: 'oci', provenance: true } })
    const args = buildxArgs(p, context, { ...image, cacheArgs: ['--cache-from', 'type=registry,ref=r:buildcache'] } as BuildOutput).args
    expect(args).toEqual(expect.arrayContaining(['--provenance=mode=max', '--platform', 'linux/amd64,linux/arm64', '--cache-from', 'type=registry,ref=r:buildcache']))
    expect(args).toContain(`type=oci,dest=/run/image.tar,rewrite-timestamp=true,compression=zstd,force-compression=true,name=${plan.localRef}`)
  })

  test('secrets by id: a file by its path, a value only through the environment, never an argument', () => {
    process.env.HASHDOCK_TEST_TOKEN = 's3cret-value'
    try {
      const { args, env } = buildxArgs(planWith({ [Input.SecretFiles]: 'npm=.npmrc', [Input.SecretEnvs]: 'gh=HASHDOCK_TEST_TOKEN' }), context, image)
      expect(args).toEqual(expect.arrayContaining(['--secret', `id=npm,src=${plan.workspace.repoDir}/.npmrc`, '--secret', 'id=gh,env=HASHDOCK_SECRET_1']))
      expect(args.join(' ')).not.toContain('s3cret-value')
      expect(env).toEqual({ HASHDOCK_SECRET_1: 's3cret-value' })
    } finally {
      delete process.env.HASHDOCK_TEST_TOKEN
    }
  })

  test("on a terminal, BuildKit's own view for the image build; the export stays plain", () => {
    const p = planWith({}, { workspace: { ...plan.workspace, terminal: true } })
    expect(buildxArgs(p, context, image).args.slice(4, 6)).toEqual(['--progress', 'tty'])
    expect(buildxArgs(p, context, artifacts).args.slice(4, 6)).toEqual(['--progress', 'plain'])
  })
})
