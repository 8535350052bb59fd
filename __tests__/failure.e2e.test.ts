// What a workflow log shows when a run fails or goes untested: the outputs known so far, a summary
// naming the stage that failed and why, one error line, no nested groups, command lines only at debug
// level, and a warning for an untested push.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { registryTags, uniqueImage } from '../test/support/registry.js'
import { exampleDir, FixtureRepo } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const TIME = '2024-05-06T07:08:09Z'
const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }

/** The names of groups opened while another was still open: GitHub shows those wrong. */
function nestedGroups(stdout: string): string[] {
  let open: string | undefined
  const nested: string[] = []
  for (const line of stdout.split('\n')) {
    if (line.startsWith('::group::')) {
      if (open) nested.push(`${line.slice(9)} inside ${open}`)
      open = line.slice(9)
    } else if (line.startsWith('::endgroup::')) {
      open = undefined
    }
  }
  return nested
}

let origin: FixtureRepo
let commit: string

beforeAll(() => {
  origin = new FixtureRepo()
    .copy(exampleDir)
    .write('Dockerfile.broken', 'ARG BASE\nFROM ${BASE}\nRUN echo "the build is about to fail" && false\n')
    .write('compose.unhealthy.yaml', [
      'services:',
      '  cache:',
      '    image: ${HASHDOCK_IMAGE}',
      '    command: ["sleep", "600"]',
      '    healthcheck:',
      '      test: ["CMD", "false"]',
      '      interval: 1s',
      '      retries: 1',
      ''
    ].join('\n'))
  commit = origin.commit('a commit that cannot be built one way, nor served another', TIME)
})

const inputs = (extra: Record<string, string>): Record<string, string> => ({
  'build-args': `BASE=${testbed.baseImage}`,
  'test-command': 'true',
  ...credentials,
  ...extra
})

describe('a build that fails', () => {
  let run: ActionRun
  let image: string

  beforeAll(async () => {
    image = uniqueImage('buildfails')
    run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ image, dockerfile: 'Dockerfile.broken' }) })
  })

  test('fails the step with one error line, the builder\'s own last words', () => {
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/^::error::docker buildx failed \(exit 1\): .*did not complete successfully/)
    expect(run.stdout).toContain('the build is about to fail')
  })

  test('still writes the outputs known before the build: githash, commit time, image and tags', () => {
    expect(run.outputs.githash).toBe(commit)
    expect(run.outputs['commit-time']).toBe(String(Date.parse(TIME) / 1000))
    expect(run.outputs.image).toBe(image)
    expect(run.outputs.tags).toBe(`${image}:${commit}`)
    expect(run.outputs.digest).toBe('')
    expect(run.outputs).not.toHaveProperty('image-id')
  })

  test('writes a summary naming the stage that failed and why', () => {
    expect(run.summary.split('\n')[0]).toBe(`## hashdock: ${image} — ❌ failed at build`)
    expect(run.summary).toContain(`| Commit | \`${commit}\` (${TIME}) |`)
    expect(run.summary).toMatch(/\*\*Failed at build:\*\* docker buildx failed \(exit 1\): .*did not complete successfully/)
    expect(run.summary).not.toMatch(/tested|Image ID/)
  })

  test('prints command lines only at debug level, and no group inside another', () => {
    expect(run.stdout).not.toContain('[command]')
    expect(run.stdout).toMatch(/^::debug::docker buildx build .*--file /m)
    expect(nestedGroups(run.stdout)).toEqual([])
  })

  test('pushes nothing', async () => {
    expect(await registryTags(image)).toEqual([])
  })
})

test('a service that does not start: the summary names the stage, service logs are not nested in the Services group', async () => {
  const image = uniqueImage('servicefails')
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: inputs({ image, 'compose-file': 'compose.unhealthy.yaml', 'integration-command': 'true', 'wait-timeout': '5' })
  })
  expect(run.exitCode).toBe(1)
  expect(run.errors).toHaveLength(1)
  expect(run.errors[0]).toMatch(/^::error::compose-file: service 'cache' did not become healthy within 5 s/)
  expect(run.stdout).toMatch(/^::group::Logs of cache$/m)
  expect(nestedGroups(run.stdout)).toEqual([])
  expect(run.outputs.githash).toBe(commit)
  expect(run.outputs['image-id']).toMatch(/^sha256:/)
  expect(run.summary.split('\n')[0]).toBe(`## hashdock: ${image} — ❌ failed at services`)
  expect(run.summary).toMatch(/\| Unit tests \| passed in [\d.]+ s \|/)
  expect(await registryTags(image)).toEqual([])
})

test('the CLI: a failed build still prints the JSON of what was known, and says why on standard error', async () => {
  const run = await runCli(['build', '--repo', origin.clone(), '--image', uniqueImage('clibuildfails'), '--dockerfile', 'Dockerfile.broken', '--build-args', `BASE=${testbed.baseImage}`, '--json'])
  expect(run.exitCode).toBe(1)
  const outputs = JSON.parse(run.stdout)
  expect(outputs.githash).toBe(commit)
  expect(outputs).toMatchObject({ status: 'failed', failedStage: 'build', imageId: null, error: expect.stringMatching(/^docker buildx failed \(exit 1\): /) })
  expect(run.stderr).toMatch(/^hashdock: failed at build: docker buildx failed \(exit 1\): .*did not complete successfully/m)
  expect(run.stderr).toContain('the build is about to fail')
})

test('a push without any test: the step warns, and the headline never says tested', async () => {
  const image = uniqueImage('untested')
  const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: { image, 'build-args': `BASE=${testbed.baseImage}`, ...credentials } })
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toMatch(/^::warning::Pushing an image that no test has run against/m)
  expect(run.summary.split('\n')[0]).toBe(`## hashdock: ${image} — ⚠️ pushed untested`)
  expect(run.summary).not.toContain('tested and pushed')
  expect(await registryTags(image)).toContain(commit)
})

test('a failure at plan: the summary names it, with no empty table', async () => {
  const image = uniqueImage('planfails')
  const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ image, githash: 'f'.repeat(40) }) })
  expect(run.exitCode).toBe(1)
  expect(run.summary.split('\n')[0]).toBe(`## hashdock: ${image} — ❌ failed at plan`)
  expect(run.summary).not.toContain('| --- | --- |')
  expect(run.summary).toMatch(/\*\*Failed at plan:\*\* githash: /)
})

test('a failed test: its tags are listed as not pushed, and no pull line', async () => {
  const image = uniqueImage('tagsnotpushed')
  const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ image, 'test-command': 'exit 4', tags: 'latest' }) })
  expect(run.exitCode).toBe(1)
  expect(run.summary).toMatch(new RegExp(`^\\| Tags, not pushed \\| \`${image}:${commit}\`<br>\`${image}:latest\` \\|$`, 'm'))
  expect(run.summary).not.toMatch(/^\| Tags \|/m)
  expect(run.summary).not.toContain('docker pull')
})

test('the command exits 0 but its JUnit results report failures: failed, nothing pushed, and the summary says why', async () => {
  const image = uniqueImage('junitfails')
  const junit = '<testsuite name="pytest" tests="2" failures="1"><testcase classname="t" name="ok"/><testcase classname="t" name="broken"><failure message="no">no</failure></testcase></testsuite>'
  const run = await runAction({
    workspace: origin.clone(),
    sha: commit,
    inputs: inputs({ image, 'test-command': `mkdir -p /tmp/results && echo '${junit}' > /tmp/results/unit.xml`, 'test-results': '/tmp/results' })
  })
  expect(run.exitCode).toBe(1)
  expect(run.errors).toContain('::error::unit tests reported 1 failed (exit 0): nothing was pushed')
  expect(run.summary.split('\n')[0]).toBe(`## hashdock: ${image} — ❌ failed at unit tests`)
  expect(run.summary).toMatch(/\| Unit tests \| failed: its results report 1 failed \(exit 0\) in [\d.]+ s \|/)
  expect(run.summary).not.toContain('tested and pushed')
  expect(await registryTags(image)).toEqual([])
})

test('a pushed run: the pull line names the tested digest, and the layer cache says how many steps it gave', async () => {
  const image = uniqueImage('pullline')
  const run = await runAction({ workspace: origin.clone(), sha: commit, inputs: inputs({ image }) })
  expect(run.errors).toEqual([])
  expect(run.summary).toContain(`| Pull | \`docker pull ${image}@${run.outputs.digest}\` |`)
  expect(run.summary).toMatch(/^\| Layer cache \| \d+ of \d+ steps from the cache \|$/m)
  expect(run.summary).toMatch(new RegExp(`^\\| Tags \\| \`${image}:${commit}\` \\|$`, 'm'))
})
