// The workflow kit (.github/workflows, the workflows/ templates) and action.yml, read the way GitHub,
// actionlint, shellcheck and a security review read them.
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  DOCS,
  actionlint,
  attestingJobs,
  callsHashdock,
  evaluate,
  exists,
  grant,
  isLocalUses,
  isSelfReferenceFinding,
  listFiles,
  loadWorkflow,
  parseWithGitHub,
  permissionBlocks,
  pushes,
  read,
  runBash,
  runStepsOf,
  shellcheck,
  triggers,
  usesOf,
  workflowFiles,
  type Mapping,
  type Workflow
} from '../test/support/workflow-kit.js'

const files = workflowFiles()
const workflows: Workflow[] = files.map(loadWorkflow)
const byPath = (path: string): Workflow => workflows.find(w => w.path === path) as Workflow

interface ActionInput {
  description?: string
  required?: boolean
  default?: string
}
const action = parse(read('action.yml')) as { inputs: Record<string, ActionInput>; outputs: Record<string, { description?: string }>; runs: Mapping }

const REUSABLE = '.github/workflows/build-test-push.yml'
const RELEASE = '.github/workflows/release.yml'
const PIN = /^[\w.-]+\/[\w.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/

test('the kit has the files it promises', () => {
  expect(files).toEqual(
    expect.arrayContaining([REUSABLE, '.github/workflows/dispatch.yml', '.github/workflows/ci.yml', 'workflows/hashdock-step.yml', 'workflows/hashdock-reusable.yml', 'workflows/hashdock-dispatch.yml'])
  )
})

describe("GitHub's workflow parser", () => {
  test.each(files)('%s parses and converts without errors', async path => {
    const outcome = await parseWithGitHub(path, read(path))
    expect(outcome.parseErrors).toEqual([])
    expect(outcome.convertErrors).toEqual([])
    // A reusable-workflow call must really have been resolved and checked against the callee.
    const calls = usesOf(byPath(path)).filter(u => u.value.includes('.github/workflows/'))
    expect(outcome.fetched).toEqual(calls.map(() => REUSABLE))
  })

  test('the file provider is wired: a call with an input the callee lacks is an error', async () => {
    const caller = `on: push
permissions: {}
jobs:
  call:
    uses: ./${REUSABLE}
    with:
      image: ghcr.io/acme/app
      no-such-input: x
`
    const outcome = await parseWithGitHub('caller.yml', caller)
    expect(outcome.convertErrors.join('\n')).toMatch(/no-such-input is not defined in the referenced workflow/)
  })
})

describe('action.yml', () => {
  test('runs on node24 from the bundled dist/', () => {
    expect(action.runs.using).toBe('node24')
    expect(exists(String(action.runs.main))).toBe(true)
  })

  test.each(Object.keys(action.inputs))('input %s has a description', name => {
    expect(action.inputs[name].description?.trim()).toBeTruthy()
  })

  test.each(Object.keys(action.outputs))('output %s has a description', name => {
    expect(action.outputs[name].description?.trim()).toBeTruthy()
  })
})

describe('the reusable workflow mirrors the action', () => {
  const reusable = parse(read(REUSABLE)) as { on: { workflow_call: { inputs: Record<string, { type: string; default?: unknown }>; secrets: Mapping; outputs: Mapping } } }
  const call = reusable.on.workflow_call
  const actionStep = byPath(REUSABLE).jobs['build-test-push'].steps?.find(s => s.uses === '$/')

  const SECRETS = ['registry-password', 'registry-logins', 'secrets']
  // The fan-out (runners) sets these itself: a job's hand-on directory is its own runner's. And the
  // workflow gives credentials only to runs that push, so a login for a build alone is the action's.
  // A kept image is for later steps of the same job, and a reusable workflow's caller has none there.
  const FAN_OUT = ['export-dir', 'assemble-from', 'build-login', 'keep-image']
  // The action's default is the job's own token, which the job's permissions narrow: nothing to offer.
  const JOB_TOKEN = ['github-token']
  test.each(Object.keys(action.inputs).filter(name => !SECRETS.includes(name) && !FAN_OUT.includes(name) && !JOB_TOKEN.includes(name)))('input %s is offered, with the same default', name => {
    expect(call.inputs[name]).toBeDefined()
    // Re-use defaults on in the workflow (passed to the action as signed: only a signed record counts).
    expect(String(call.inputs[name].default ?? '')).toBe(name === 'reuse' ? 'true' : action.inputs[name].default ?? '')
  })

  test('passwords and build secrets are secrets, never inputs', () => {
    for (const name of SECRETS) expect(call.inputs[name]).toBeUndefined()
    expect(Object.keys(call.secrets)).toEqual(SECRETS)
  })

  test('every workflow input reaches the action under its own name', () => {
    expect(actionStep).toBeDefined()
    const passed = Object.keys(actionStep?.with ?? {})
    // reuse-unsigned is the workflow's half of the action's reuse: true (reuse and reuse-unsigned), signed (reuse alone).
    expect(passed.sort()).toEqual([...Object.keys(call.inputs).filter(n => n !== 'runs-on' && n !== 'runners' && n !== 'reuse-unsigned'), ...SECRETS].sort())
    expect(passed.filter(n => !(n in action.inputs))).toEqual([])
  })

  test.each(['githash', 'tags', 'digest', 'attestation'])('output %s is an action output, mapped from the one job or the fan-out\'s last', name => {
    expect(action.outputs[name]).toBeDefined()
    expect(call.outputs[name]).toMatchObject({ value: `\${{ jobs.build-test-push.outputs.${name} || jobs.assemble.outputs.${name} }}` })
    for (const job of ['build-test-push', 'assemble']) {
      expect(byPath(REUSABLE).jobs[job].outputs).toMatchObject({ [name]: `\${{ steps.hashdock.outputs.${name} }}` })
    }
  })

  // The job's GITHUB_TOKEN may stand in for a missing secret, but only for ghcr.io: never sent elsewhere.
  test.each([
    ['ghcr.io/acme/app', '', '', 'octocat', 'ghs_token'],
    ['ghcr.io/acme/app', '', 'pat', 'octocat', 'pat'],
    ['ghcr.io/acme/app', 'bot', '', 'bot', 'ghs_token'],
    ['docker.io/acme/app', '', '', '', ''],
    ['docker.io/acme/app', 'acme-ci', 'pw', 'acme-ci', 'pw'],
    ['docker.io/acme/app', '', 'pw', 'octocat', 'pw'],
    ['ghcr.io.example.com/acme/app', '', '', '', '']
  ])('image %s, username %j, secret %j: logs in as %j with %j', (image, username, secret, wantUser, wantPassword) => {
    const contexts = {
      inputs: { image, 'registry-username': username, push: true },
      secrets: { 'registry-password': secret },
      github: { actor: 'octocat', token: 'ghs_token' }
    }
    const given = actionStep?.with ?? {}
    expect(evaluate(String(given['registry-username']), contexts)).toBe(wantUser)
    expect(evaluate(String(given['registry-password']), contexts)).toBe(wantPassword)
  })

  // A run that does not push (a pull request's) is given no credentials, whatever is available: in no
  // job, neither the login, nor the other registries' logins, nor the build secrets.
  const JOBS = ['build-test-push', 'platform', 'assemble']
  const stepOf = (job: string) => byPath(REUSABLE).jobs[job].steps?.find(s => s.uses === '$/')
  const available = { 'registry-password': 'pw', 'registry-logins': 'mirror.example=u:p', secrets: 'token=s3cret' }
  test.each(JOBS.flatMap(job => [
    [job, 'ghcr.io/acme/app', ''],
    [job, 'ghcr.io/acme/app', 'bot'],
    [job, 'docker.io/acme/app', 'acme-ci']
  ]))('%s, push false, image %s, username %j: no login, no logins, no secrets', (job, image, username) => {
    const contexts = { inputs: { image, 'registry-username': username, push: false }, secrets: available, github: { actor: 'octocat', token: 'ghs_token' } }
    const given = stepOf(job)?.with ?? {}
    for (const name of ['registry-username', ...SECRETS]) {
      if (given[name] !== undefined) expect([name, evaluate(String(given[name]), contexts)]).toEqual([name, ''])
    }
    expect(given['registry-password']).toBeDefined()
    expect(given['registry-logins']).toBeDefined()
  })

  test.each(JOBS)('%s, push true: the logins and build secrets given reach it', job => {
    const contexts = { inputs: { image: 'docker.io/acme/app', 'registry-username': 'acme-ci', push: true }, secrets: available, github: { actor: 'octocat', token: 'ghs_token' } }
    const given = stepOf(job)?.with ?? {}
    for (const name of SECRETS) if (given[name] !== undefined) expect([name, evaluate(String(given[name]), contexts)]).toEqual([name, available[name as keyof typeof available]])
  })

  // Re-use is on by default where it is safe: the action then believes only a signed record of this
  // repository's workflows, and builds where it cannot check one; an unsigned record only by opt-in.
  test.each([
    [undefined, undefined, 'signed'],
    [true, false, 'signed'],
    [true, true, 'true'],
    [false, true, 'false'],
    [false, false, 'false']
  ])('reuse %j, reuse-unsigned %j: the action is given reuse %s', (reuse, unsigned, want) => {
    const declared = (parse(read(REUSABLE)) as { on: { workflow_call: { inputs: Record<string, { default?: boolean }> } } }).on.workflow_call.inputs
    const inputs = { reuse: reuse ?? declared.reuse.default ?? false, 'reuse-unsigned': unsigned ?? declared['reuse-unsigned'].default ?? false }
    expect(evaluate(String(stepOf('build-test-push')?.with?.reuse), { inputs })).toBe(want)
  })

  test('the checkout has the full history', () => {
    const checkout = byPath(REUSABLE).jobs['build-test-push'].steps?.find(s => s.uses?.startsWith('actions/checkout@'))
    expect(checkout?.with).toMatchObject({ 'fetch-depth': 0 })
  })
})

describe('the reusable workflow fans out to native runners', () => {
  const jobs = byPath(REUSABLE).jobs
  const hashdockStep = (job: string) => jobs[job].steps?.find(s => s.uses === '$/')
  const single = hashdockStep('build-test-push')
  const perPlatform = hashdockStep('platform')
  const last = hashdockStep('assemble')
  const runs = (job: string, runners: string): string => evaluate(`\${{ ${String(jobs[job].if)} }}`, { inputs: { runners } })
  // The platform jobs need fan-out: skipped with it.
  const FAN_OUT_JOBS = ['fan-out', 'assemble']

  test.each([
    ['', 'true', 'false'],
    ['{"linux/amd64":"ubuntu-24.04","linux/arm64":"ubuntu-24.04-arm"}', 'false', 'true']
  ])('runners %j: the one job runs %s, the fan-out jobs %s', (runners, one, fanOut) => {
    expect(runs('build-test-push', runners)).toBe(one)
    for (const job of FAN_OUT_JOBS) expect(runs(job, runners)).toBe(fanOut)
    expect(jobs.platform.if).toBeUndefined()
    expect(jobs.platform.needs).toBe('fan-out')
  })

  test('a job per platform on its own runner, from the runners map', () => {
    expect(jobs.platform.needs).toBe('fan-out')
    expect(jobs.platform['runs-on']).toBe('${{ matrix.runner }}')
    expect((jobs.platform.strategy as Mapping).matrix).toBe('${{ fromJSON(needs.fan-out.outputs.matrix) }}')
    expect(perPlatform?.with).toMatchObject({ platforms: '${{ matrix.platform }}', 'export-dir': '${{ runner.temp }}/hashdock-handed-on' })
  })

  test('a platform job never pushes and cannot: push false, no packages: write', () => {
    expect(perPlatform?.with?.push).toBe(false)
    expect(grant(jobs.platform.permissions, 'packages')).not.toBe('write')
    expect(grant(jobs['fan-out'].permissions, 'packages')).toBeUndefined()
  })

  test('a platform job builds and tests as the one job would: every build and test input, but push and platforms', () => {
    const given = (step: typeof single, skip: string[]): string[] => Object.keys(step?.with ?? {}).filter(n => !skip.includes(n)).sort()
    // It pushes nothing, so it attests nothing: no signing inputs.
    expect(given(perPlatform, ['export-dir', 'push', 'platforms', 'build-login'])).toEqual(given(single, ['push', 'platforms', 'rebuild', 'reuse', 'sigstore-instance', 'sigstore-trusted-root', 'github-attestations']))
  })

  test('a platform job of a run that pushes logs in to build, as the one job does; of one that does not, never', () => {
    expect(evaluate(String(perPlatform?.with?.['build-login']), { inputs: { push: true } })).toBe('true')
    expect(evaluate(String(perPlatform?.with?.['build-login']), { inputs: { push: false } })).toBe('false')
  })

  test('it hands on its export directory, and the last job takes every platform\'s into the directory it assembles from', () => {
    const upload = jobs.platform.steps?.find(s => s.uses?.startsWith('actions/upload-artifact@'))
    const download = jobs.assemble.steps?.find(s => s.uses?.startsWith('actions/download-artifact@'))
    expect(upload?.with).toMatchObject({ path: perPlatform?.with?.['export-dir'], name: '${{ needs.fan-out.outputs.artifact }}-${{ matrix.slug }}', 'if-no-files-found': 'error' })
    expect(download?.with).toMatchObject({ pattern: '${{ needs.fan-out.outputs.artifact }}-*', 'merge-multiple': true, path: last?.with?.['assemble-from'] })
    // The upload comes after the tests, in the same job: a failed step uploads nothing.
    const steps = jobs.platform.steps ?? []
    expect(steps.indexOf(upload as (typeof steps)[number])).toBeGreaterThan(steps.indexOf(perPlatform as (typeof steps)[number]))
  })

  test('only the last job pushes, after every platform job passed, as the one job would', () => {
    expect(jobs.assemble.needs).toEqual(['fan-out', 'platform'])
    // No status function (always(), failure(), …) in its condition: success() of every platform job is implied.
    expect(String(jobs.assemble.if)).not.toMatch(/always|failure|cancelled|success/)
    expect(grant(jobs.assemble.permissions, 'packages')).toBe('write')
    expect(last?.with).toMatchObject({ push: '${{ inputs.push }}', platforms: '${{ needs.fan-out.outputs.platforms }}', tags: '${{ inputs.tags }}' })
    expect(last?.with?.['registry-password']).toBe(single?.with?.['registry-password'])
    expect(last?.with?.['registry-username']).toBe(single?.with?.['registry-username'])
  })

  const fanOutScript = (): string => (jobs['fan-out'].steps?.find(s => s.id === 'runners')?.run as string) ?? ''
  const readRunners = (env: Record<string, string>): { status: number | null; lines: string[]; outputs: Record<string, string> } => {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-fanout-'))
    const output = join(dir, 'output')
    writeFileSync(output, '')
    const r = runBash(fanOutScript(), { PLATFORMS: '', ...env, GITHUB_OUTPUT: output })
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    return { ...r, outputs }
  }

  test('the runners map becomes the matrix and the platforms, in the order given', () => {
    const r = readRunners({ RUNNERS: '{"linux/arm64":"ubuntu-24.04-arm","linux/amd64":"ubuntu-24.04"}' })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.outputs.matrix)).toEqual({
      include: [
        { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm', slug: 'linux-arm64' },
        { platform: 'linux/amd64', runner: 'ubuntu-24.04', slug: 'linux-amd64' }
      ]
    })
    expect(r.outputs.platforms).toBe('linux/arm64,linux/amd64')
    expect(r.outputs.artifact).toMatch(/^hashdock-[0-9a-f]{12}$/)
  })

  test.each([['not json'], ['["linux/amd64"]'], ['{}'], ['{"linux/amd64": 3}']])('runners %j is refused in one line naming it', runners => {
    const r = readRunners({ RUNNERS: runners })
    expect(r.status).toBe(1)
    expect(r.lines).toEqual([expect.stringMatching(/^::error::runners: is not a JSON object from platform to runner label/)])
    expect(r.outputs).toEqual({})
  })

  test('runners and platforms together are refused', () => {
    const r = readRunners({ RUNNERS: '{"linux/amd64":"ubuntu-24.04"}', PLATFORMS: 'linux/amd64' })
    expect(r.status).toBe(1)
    expect(r.lines).toEqual(['::error::runners: names the platforms itself (its keys); leave platforms empty'])
  })
})

describe('actionlint 1.7.7', () => {
  test.each(files)('%s has no findings', async path => {
    const findings = (await actionlint(path)).filter(f => !isSelfReferenceFinding(f))
    expect(findings.map(f => `${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([])
  })

  test('the one filtered message is the $/ self-reference, and only that', async () => {
    const snippet = `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: $/
      - uses: actions/checkout
`
    const findings = await actionlint('.github/workflows/snippet.yml', snippet)
    expect(findings.filter(isSelfReferenceFinding).map(f => f.line)).toEqual([7])
    // The same complaint about a real remote action still counts.
    expect(findings.filter(f => !isSelfReferenceFinding(f)).map(f => f.line)).toEqual([8])
  })
})

describe('hardening', () => {
  test.each(files)('%s: no ${{ }} inside a run: script', path => {
    const spliced = runStepsOf(byPath(path)).filter(s => s.value.run.includes('${{'))
    expect(spliced.map(s => s.where)).toEqual([])
  })

  test.each(files)('%s: every remote uses: is pinned to a commit, with its version beside it', path => {
    const w = byPath(path)
    const lines = w.text.split('\n')
    const unpinned = usesOf(w)
      .filter(u => !isLocalUses(u.value))
      .filter(u => {
        const line = lines.find(l => new RegExp(`^\\s*(-\\s+)?uses:\\s*${escape(u.value)}\\s`).test(`${l} `))
        return !PIN.test(u.value) || !line || !/\s#\s*v\d/.test(line)
      })
    expect(unpinned.map(u => `${u.where}: ${u.value}`)).toEqual([])
  })

  test.each(files)('%s: permissions are declared for every job', path => {
    const w = byPath(path)
    const undeclared = Object.entries(w.jobs).filter(([, job]) => w.permissions === undefined && job.permissions === undefined)
    expect(undeclared.map(([id]) => id)).toEqual([])
  })

  // The one exception: on a release tag, after its checks, the release workflow moves vX and pushes a pin branch.
  test.each(files.filter(p => p !== RELEASE))('%s: contents is never writable', path => {
    const writable = permissionBlocks(byPath(path)).filter(b => grant(b.value, 'contents') === 'write')
    expect(writable.map(b => b.where)).toEqual([])
  })

  test.each(files)('%s: packages: write only where something is pushed', path => {
    const w = byPath(path)
    const writes = permissionBlocks(w).filter(b => grant(b.value, 'packages') === 'write')
    const needless = pushes(w) ? [] : writes.map(b => b.where)
    expect(needless).toEqual([])
  })

  test.each(files)('%s: a job that pushes to ghcr.io is granted packages: write', path => {
    const w = byPath(path)
    const ungranted = Object.entries(w.jobs)
      .filter(([, job]) => [job, ...(job.steps ?? [])].some(x => typeof x.uses === 'string' && callsHashdock(x.uses) && String(x.with?.image ?? '').startsWith('ghcr.io/')))
      .filter(([, job]) => grant(job.permissions ?? w.permissions, 'packages') !== 'write')
    expect(ungranted.map(([id]) => id)).toEqual([])
  })

  // A job that stores a test-result attestation signs it with the workflow's identity and adds it to
  // GitHub's store; no other job may ask for an identity token. CI's own end-to-end job pushes to a
  // registry that dies with the job: its record stays unsigned rather than fill a public log.
  const CI = '.github/workflows/ci.yml'
  const granted = (w: Workflow, scope: string): string[] => Object.entries(w.jobs).filter(([, job]) => grant(job.permissions ?? w.permissions, scope) === 'write').map(([id]) => id).sort()
  test.each(files.filter(p => p !== CI))('%s: id-token: write and attestations: write exactly in the jobs that attest', path => {
    const w = byPath(path)
    expect(granted(w, 'id-token')).toEqual(attestingJobs(w))
    expect(granted(w, 'attestations')).toEqual(attestingJobs(w))
  })

  test('CI\'s end-to-end job attests to a throwaway registry, unsigned: no identity token anywhere in CI', () => {
    expect(attestingJobs(byPath(CI))).toEqual(['e2e'])
    expect(granted(byPath(CI), 'id-token')).toEqual([])
    expect(granted(byPath(CI), 'attestations')).toEqual([])
  })

  test('the jobs that attest: the one job and the fan-out\'s last in the reusable workflow, never a platform job; the calling job in each template', () => {
    expect(attestingJobs(byPath(REUSABLE))).toEqual(['assemble', 'build-test-push'])
    expect(attestingJobs(byPath('workflows/hashdock-step.yml'))).toEqual(['build-test-push'])
    expect(attestingJobs(byPath('workflows/hashdock-reusable.yml'))).toEqual(['hashdock'])
    expect(attestingJobs(byPath('workflows/hashdock-dispatch.yml'))).toEqual(['build-test-push'])
  })

  test('the reusable workflow signs with the instance and store its caller chose, in both jobs that attest', () => {
    for (const job of ['build-test-push', 'assemble']) {
      const step = byPath(REUSABLE).jobs[job].steps?.find(s => s.uses === '$/')
      expect(step?.with).toMatchObject({ 'sigstore-instance': '${{ inputs.sigstore-instance }}', 'github-attestations': '${{ inputs.github-attestations }}' })
      expect(step?.with?.['github-token']).toBeUndefined()
    }
  })

  test.each(files)('%s: no pull_request_target trigger', path => {
    expect(triggers(byPath(path))).not.toContain('pull_request_target')
  })

  test('the templates and the docs pin one and the same hashdock commit', () => {
    const pins = [...workflows.filter(w => w.path.startsWith('workflows/')).map(w => w.text), ...DOCS.map(read)]
      .flatMap(text => [...text.matchAll(/hashdock\/hashdock(?:\/[^@\s]+)?@([0-9a-f]{40})/g)].map(m => m[1]))
    expect(pins.length).toBeGreaterThanOrEqual(3)
    expect(new Set(pins).size).toBe(1)
  })
})

describe('shellcheck', () => {
  const scripts = workflows.flatMap(w => runStepsOf(w)).map(s => [s.where, s.value] as const)

  test.each(scripts)('%s is clean', (_, step) => {
    expect(['bash', undefined]).toContain(step.shell)
    expect(shellcheck(step.run)).toEqual({ status: 0, output: '' })
  })

  test('it does report problems (so silence means clean)', () => {
    const outcome = shellcheck('echo $1\n')
    expect(outcome.status).not.toBe(0)
    expect(outcome.output).toMatch(/SC2086/)
  })
})

describe('githash validation before a dispatched build', () => {
  const dispatchers = workflows.filter(w => triggers(w).includes('workflow_dispatch'))
  const validationStep = (w: Workflow) => w.jobs.validate?.steps?.find(s => typeof s.run === 'string')

  test.each(dispatchers.map(w => w.path))('%s validates githash, from env only, before building', path => {
    const w = byPath(path)
    const step = validationStep(w)
    expect(step?.env).toEqual({ GITHASH: '${{ inputs.githash }}' })
    expect(step?.run).not.toContain('${{')
    const builders = Object.entries(w.jobs).filter(([, job]) => typeof job.uses === 'string' && callsHashdock(job.uses))
    expect(builders.length).toBe(1)
    expect([builders[0][1].needs].flat()).toContain('validate')
  })

  const cases = dispatchers.flatMap(w => [
    [w.path, 'abc1234', true],
    [w.path, '0123456789abcdef0123456789abcdef01234567', true],
    [w.path, 'main', false],
    [w.path, 'ABCDEF1', false],
    [w.path, 'abc', false],
    [w.path, '$(id)', false],
    [w.path, 'abc1234; rm -rf /', false],
    [w.path, '0123456789abcdef0123456789abcdef012345678', false],
    [w.path, 'abc1234\n::warning::injected', false],
    [w.path, '', false]
  ] as const)

  test.each(cases)('%s: githash %j valid=%s', (path, githash, valid) => {
    const result = runBash(validationStep(byPath(path))?.run ?? '', { GITHASH: githash })
    const errors = result.lines.filter(l => l.includes('::'))
    if (valid) {
      expect(result.status).toBe(0)
      expect(errors).toEqual([])
    } else {
      expect(result.status).not.toBe(0)
      expect(result.lines).toHaveLength(1)
      expect(result.lines[0]).toMatch(/^::error title=githash::.*is not a commit hash/)
    }
  })
})

describe('the release workflow', () => {
  const release = byPath(RELEASE)

  test('runs on vX.Y.Z tags only, with no permissions by default', () => {
    expect(release.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } })
    expect(release.permissions).toEqual({})
  })

  test('only jobs after the dist check may write, and none runs the repository\'s build with write access', () => {
    const writers = Object.entries(release.jobs).filter(([, job]) => grant(job.permissions, 'contents') === 'write')
    expect(writers.map(([id]) => id).sort()).toEqual(['major', 'pin'])
    for (const [, job] of writers) {
      expect(job.steps?.some(s => typeof s.run === 'string' && /npm (ci|install|run)/.test(s.run))).toBe(false)
    }
    expect([release.jobs.major.needs].flat()).toEqual(['check'])
    expect(grant(release.jobs.check.permissions, 'contents')).toBe('read')
    expect(release.jobs.check.steps?.some(s => typeof s.run === 'string' && s.run.includes('git diff --exit-code --stat -- dist'))).toBe(true)
  })

  test('moves vX only to the newest vX.Y.Z', () => {
    const script = String(release.jobs.major.steps?.find(s => s.id === 'move')?.run)
    const git = (tags: string[]): string => `#!/bin/sh\ncase "$1" in tag) [ "$2" = --list ] && printf '%s\\n' ${tags.join(' ')} || echo "git $*" ;; *) echo "git $*" ;; esac\n`
    const run = (tag: string, tags: string[]): string[] => {
      const bin = mkdtempSync(join(tmpdir(), 'hashdock-git-'))
      writeFileSync(join(bin, 'git'), git(tags), { mode: 0o755 })
      const output = join(bin, 'output')
      writeFileSync(output, '')
      const r = runBash(script, { PATH: `${bin}:${process.env.PATH}`, GITHUB_REF_NAME: tag, GITHUB_SHA: 'c0ffee', GITHUB_OUTPUT: output })
      expect(r.status).toBe(0)
      return [...r.lines, readFileSync(output, 'utf8').trim()]
    }
    expect(run('v1.10.0', ['v1.2.0', 'v1.9.9', 'v1.10.0', 'v1.10.0-rc1'])).toEqual([
      'git tag --force v1 c0ffee',
      'git push --force origin refs/tags/v1',
      'v1 now points at c0ffee (v1.10.0)',
      'newest=true'
    ])
    const backport = run('v1.2.1', ['v1.2.0', 'v1.2.1', 'v1.3.0'])
    expect(backport[0]).toMatch(/^::notice title=v1::v1.2.1 is older than v1.3.0/)
    expect(backport.at(-1)).toBe('newest=false')
  })

  test('pin-release.sh points every pin of the README, the docs and the templates at the release commit, and checks its arguments', () => {
    const root = mkdtempSync(join(tmpdir(), 'hashdock-pin-'))
    mkdirSync(join(root, 'scripts'))
    mkdirSync(join(root, 'workflows'))
    mkdirSync(join(root, 'docs'))
    copyFileSync('scripts/pin-release.sh', join(root, 'scripts/pin-release.sh'))
    for (const doc of DOCS) copyFileSync(doc, join(root, doc))
    for (const t of files.filter(p => p.startsWith('workflows/'))) copyFileSync(t, join(root, t))
    const commit = 'abcdef0123456789abcdef0123456789abcdef01'
    const pin = (...args: string[]) => spawnSync('bash', [join(root, 'scripts/pin-release.sh'), ...args], { encoding: 'utf8' })
    expect(pin(commit, 'v2.3.4').status).toBe(0)
    const texts = [...DOCS, ...files.filter(p => p.startsWith('workflows/'))].map(f => readFileSync(join(root, f), 'utf8'))
    const pins = texts.flatMap(text => [...text.matchAll(/hashdock\/hashdock(?:\/[^@\s]+)?@([0-9a-f]{40})(.*)/g)])
    expect(pins.length).toBeGreaterThanOrEqual(3)
    expect(new Set(pins.map(m => `${m[1]}${m[2]}`))).toEqual(new Set([`${commit} # v2.3.4`]))
    expect(pin('HEAD', 'v2.3.4').stderr).toMatch(/'HEAD' is not a full 40-hex commit hash/)
    expect(pin(commit, 'v2').status).toBe(2)
  })
})

describe('workflow templates', () => {
  const templates = files.filter(p => p.startsWith('workflows/'))

  test.each(templates)('%s has its properties file in the workflow-template format', path => {
    const properties = JSON.parse(read(path.replace(/\.ya?ml$/, '.properties.json'))) as Mapping
    expect(typeof properties.name).toBe('string')
    expect(String(properties.name).trim()).not.toBe('')
    expect(String(properties.description ?? '').trim()).not.toBe('')
    expect(String(properties.iconName ?? '')).toMatch(/^(octicon [\w-]+|[\w-]+)$/)
    expect(Array.isArray(properties.categories) && properties.categories.length > 0).toBe(true)
    const patterns = properties.filePatterns as string[]
    // Patterns are regular expressions over the file names at a repository's root.
    expect(patterns.map(p => new RegExp(p)).some(r => r.test('Dockerfile'))).toBe(true)
  })

  test('no properties file without its template', () => {
    const names = new Set(templates.map(p => p.replace(/^workflows\//, '').replace(/\.ya?ml$/, '')))
    const orphans = listFiles('workflows')
      .filter(n => n.endsWith('.properties.json'))
      .map(n => n.replace(/\.properties\.json$/, ''))
      .filter(n => !names.has(n))
    expect(orphans).toEqual([])
  })
})

describe('the workflow examples of the README and the docs', () => {
  const blocks = DOCS.flatMap(doc => [...read(doc).matchAll(/```ya?ml\n([\s\S]*?)```/g)].map(m => m[1]))

  test('its YAML examples parse and pin remote uses: the same way', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3)
    for (const block of blocks) expect(() => parse(block)).not.toThrow()
    // hashdock's own pins may name a release by its vX.Y.Z tag (never a moving vX) until the release
    // workflow rewrites them to the release's commit; the Versions section's illustration names none.
    const releaseTag = (uses: string): boolean => /^hashdock\/hashdock(\/[^@\s]+)?@(v\d+\.\d+\.\d+|vX\.Y\.Z|<commit of vX\.Y\.Z>)$/.test(uses)
    const unpinned = blocks
      .flatMap(block => [...block.matchAll(/uses:\s*(\S+(?: of \S+)?)(.*)/g)])
      .filter(m => !isLocalUses(m[1]) && !releaseTag(m[1]) && (!PIN.test(m[1]) || !/#\s*v\d/.test(m[2])))
    expect(unpinned.map(m => m[0])).toEqual([])
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
