// Hostile inputs, commits, tool output, test results and registry state, against the bundled action on the
// real engine and registry. Each refusal: one clear line, nothing pushed, no secret anywhere, nothing left.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runAction, type ActionOptions, type ActionRun } from '../test/support/action.js'
import { registryBlob, registryDigest, registryManifest, registryTags, uniqueImage } from '../test/support/registry.js'
import { FixtureRepo, git, tempDir } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'
import {
  ACTIONS_TOKEN,
  credentials,
  dockerShim,
  expectNoSecret as noSecret,
  expectRefused as refused,
  GITHUB_TOKEN,
  leftovers as leftoversOn,
  obeyed,
  SECRETS,
  shown
} from '../test/support/hostile.js'

jest.setTimeout(300_000)

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', timeout: 120_000 }).trim()

let hostileCases = 0
const counted = (): void => {
  hostileCases++
}
afterAll(() => {
  console.log(`hostile cases run: ${hostileCases}`)
})

const shim = dockerShim()
const realDocker = shim.real
const shimDir = shim.dir

// --- the repository: one commit holding every hostile file -----------------------------------------
let origin: FixtureRepo
let commit: string
let ambiguousTag: string
const sentinelRoot = tempDir('sentinel')

const compose = (services: string): string =>
  `services:\n  app:\n    image: \${HASHDOCK_IMAGE}\n    command: ["sleep", "600"]\n${services}`

beforeAll(() => {
  origin = new FixtureRepo()
    .write('Dockerfile', 'ARG BASE\nFROM ${BASE}\nWORKDIR /app\nCOPY . .\n')
    .write(
      'fence/Dockerfile',
      [
        'ARG BASE',
        'FROM ${BASE}',
        // The nonce defeats the layer cache: the RUN step's output must be printed on every run.
        'ARG NONCE',
        `RUN echo "$NONCE" && echo '##[add-mask]EVIL-build-mask' && echo 'text ##[warning]EVIL-build-legacy' && printf 'x\\r::error::EVIL-build-cr\\n' && echo '::stop-commands::evil-token'`,
        ''
      ].join('\n')
    )
    .write('compose.yaml', compose(''))
    .write(
      'compose.exfiltrate.yaml',
      [
        'services:',
        '  app:',
        '    image: ${HASHDOCK_IMAGE}',
        `    command: ["sh", "-c", "echo LEAKCHECK-begin; env; echo '::warning::EVIL-service'; echo '::evil-token::'; echo LEAKCHECK-end; sleep 600"]`,
        '    environment:',
        '      - INPUT_REGISTRY-PASSWORD',
        '      - HASHDOCK_REGISTRY_PASSWORD',
        '      - ACTIONS_RUNTIME_TOKEN',
        '      - GITHUB_TOKEN',
        '      - LEAK1=${HASHDOCK_REGISTRY_PASSWORD:-unset}',
        '      - LEAK2=${ACTIONS_RUNTIME_TOKEN:-unset}',
        '      - LEAK3=${GITHUB_TOKEN:-unset}',
        '      - GIVEN=${GIVEN:-unset}',
        ''
      ].join('\n')
    )
    // A cache mount a pull request writes, and a trusted build that must never find it.
    .write('cachemount/pr.Dockerfile', 'ARG BASE\nFROM ${BASE}\nARG NONCE\nRUN --mount=type=cache,id=hashdock-isolation-probe,target=/c echo "$NONCE" && touch /c/poison\n')
    .write('cachemount/trusted.Dockerfile', 'ARG BASE\nFROM ${BASE}\nARG NONCE\nRUN --mount=type=cache,id=hashdock-isolation-probe,target=/c echo "$NONCE" && test ! -e /c/poison\n')
    .write('helper/Dockerfile', 'ARG BASE\nFROM ${BASE}\nARG NONCE\nRUN echo "$NONCE" > /nonce\nCMD ["sleep", "600"]\n')
    .write('compose.built.yaml', 'services:\n  app:\n    image: ${HASHDOCK_IMAGE}\n    command: ["sleep", "600"]\n  helper:\n    build:\n      context: helper\n      args: {BASE: "${BASE}", NONCE: "${NONCE}"}\n')
  symlinkSync('/etc/passwd', join(origin.dir, 'Dockerfile.link'))
  symlinkSync('/etc/hostname', join(origin.dir, 'secretlink'))
  symlinkSync('/etc/hostname', join(origin.dir, 'compose.link.yaml'))
  // A file name that is not UTF-8: bytes 0xff 0xfe.
  writeFileSync(Buffer.concat([Buffer.from(join(origin.dir, 'latin-')), Buffer.from([0xff, 0xfe])]), 'bytes\n')
  commit = origin.commit('hostile files', '2024-06-07T08:09:10Z')
  // A tag whose name is the short hash of the commit, pointing at another commit.
  ambiguousTag = commit.slice(0, 7)
  origin.write('VERSION', '2\n').commit('second', '2024-06-08T08:09:10Z')
  git(origin.dir, 'tag', ambiguousTag, 'HEAD')
  git(origin.dir, 'checkout', '-q', commit)
})

function options(inputs: Record<string, string>, extra: Partial<ActionOptions> = {}): ActionOptions {
  return {
    workspace: origin.clone(),
    sha: commit,
    ...extra,
    env: {
      PATH: `${shimDir}:${process.env.PATH}`,
      ACTIONS_RUNTIME_TOKEN: ACTIONS_TOKEN,
      GITHUB_TOKEN,
      HASHDOCK_REGISTRY_PASSWORD: testbed.password,
      ...extra.env
    },
    inputs: { 'build-args': `BASE=${testbed.baseImage}`, ...credentials, ...inputs }
  }
}

const leftovers = (run: ActionRun): string[] => leftoversOn(run, docker)
const expectNoSecret = (run: ActionRun): void => noSecret(run, shim.calls())
const expectRefused = (run: ActionRun, image: string, message: RegExp): Promise<void> => refused(run, image, message, shim.calls(), docker)

describe('hostile inputs: one line naming the input, nothing else happens', () => {
  const tagged = uniqueImage('hostile-tagged')
  const cases: [string, Record<string, string>, RegExp][] = [
    ['an image with capitals', { image: 'Acme/App' }, /^::error::image: 'Acme\/App' is not a valid image repository/],
    ['an image with a tag', { image: `${tagged}:latest` }, /^::error::image: .* must not carry a tag/],
    ['an image with a digest', { image: `${tagged}@sha256:${'0'.repeat(64)}` }, /^::error::image: .* must not carry a digest/],
    ['a githash that git would read as an option', { githash: '--output=/tmp/evil' }, /^::error::githash: '--output=\/tmp\/evil' is not a commit hash/],
    ['a githash with a shell metacharacter', { githash: 'main;id' }, /^::error::githash: 'main;id' is not a commit hash/],
    ['a githash that names nothing', { githash: 'no-such-branch' }, /^::error::githash: 'no-such-branch' names no commit/],
    ['a context outside the repository', { context: '../..' }, /^::error::context: '\.\.\/\.\.' must be a relative path inside the repository/],
    ['a dockerfile outside the repository', { dockerfile: '/etc/passwd' }, /^::error::dockerfile: '\/etc\/passwd' must be a relative path/],
    ['a tag with an unknown placeholder', { tags: '{secret}' }, /^::error::tags: '\{secret\}' uses unknown placeholder/],
    ['a tag that is not a tag', { tags: 'a b' }, /^::error::tags: 'a b' gives 'a b', not a valid tag/],
    ['a build argument without =', { 'build-args': 'EVIL' }, /^::error::build-args: 'EVIL' is not KEY=VALUE/],
    ['a target that reads as an option', { target: '--evil' }, /^::error::target: '--evil' is not a stage name/],
    ['a relative test-results directory', { 'test-results': 'results' }, /^::error::test-results: 'results' must be an absolute directory/],
    ['a wait-timeout of zero', { 'wait-timeout': '0' }, /^::error::wait-timeout: '0' is not a whole number/],
    ['an unknown mtime', { mtime: 'yesterday' }, /^::error::mtime: 'yesterday' is not one of content, commit, per-file/],
    ['an unknown cache', { cache: 'everywhere' }, /^::error::cache: 'everywhere' is not one of/],
    ['an unknown compose-trust', { 'compose-trust': 'yes' }, /^::error::compose-trust: 'yes' is not one of none, host/],
    ['a compose-env line without =', { 'compose-env': 'EVIL' }, /^::error::compose-env: 'EVIL' is not KEY=VALUE/],
    ['compose-service without compose-file', { 'compose-service': 'app' }, /^::error::compose-service: needs compose-file/],
    ['a username without a password', { 'registry-password': '' }, /^::error::registry-password: is empty/],
    ['push that is not a boolean', { push: 'maybe' }, /^::error::push: 'maybe' is not a boolean/],
    ['reuse that is none of its values', { reuse: 'sometimes' }, /^::error::reuse: 'sometimes' is not one of true, false or signed/],
    ['a secret file the commit links to a host file', { 'secret-files': 'tok=secretlink' }, /^::error::secret-files: 'tok': secretlink is reached through a symlink in the checkout, which the commit chooses/],
    ['a wrong registry password', { 'registry-password': 'wrong-password' }, /^::error::registry-password: .* refused the login/]
  ]
  test.each(cases)('%s', async (_, inputs, message) => {
    counted()
    const image = inputs.image ?? uniqueImage('hostile-input')
    const run = await runAction(options({ image, 'test-command': 'true', ...inputs }))
    await expectRefused(run, image.startsWith(tagged) ? tagged : image, message)
  })

  test('a short hash that is also a tag name is refused as ambiguous, not read as the tag', async () => {
    counted()
    const image = uniqueImage('hostile-ambiguous')
    const run = await runAction(options({ image, githash: ambiguousTag }))
    await expectRefused(run, image, /^::error::githash: '[0-9a-f]{7}' is ambiguous: it could be [0-9a-f]{12} or [0-9a-f]{12}; give the full 40-character hash$/)
  })
})

describe('hostile compose inputs (the files themselves: hostile-compose.e2e.test.ts)', () => {
  test('compose-service: constructor is not a service of the file', async () => {
    counted()
    const image = uniqueImage('hostile-constructor')
    const run = await runAction(options({ image, 'compose-file': 'compose.yaml', 'compose-service': 'constructor', 'integration-command': 'true' }))
    await expectRefused(run, image, /^::error::compose-service: 'constructor' is not a service of compose.yaml; it has: app$/)
  })

  test('a compose file that is a symlink to a host file', async () => {
    counted()
    const image = uniqueImage('hostile-compose-link')
    const run = await runAction(options({ image, 'compose-file': 'compose.link.yaml', 'integration-command': 'true' }))
    await expectRefused(run, image, /^::error::compose-file: 'compose.link.yaml' is a symlink in the commit; commit the compose file itself$/)
  })

  test('a Dockerfile that is a symlink to a host file', async () => {
    counted()
    const image = uniqueImage('hostile-dockerfile-link')
    const run = await runAction(options({ image, dockerfile: 'Dockerfile.link' }))
    await expectRefused(run, image, /^::error::dockerfile: 'Dockerfile.link' is a symlink in the commit; commit the Dockerfile itself$/)
    expect(run.stdout).not.toContain('root:x:0:0')
  })

  test('an image compose builds for a service is removed with the run', async () => {
    counted()
    const run = await runAction(
      options({ image: uniqueImage('hostile-built'), push: 'false', 'compose-file': 'compose.built.yaml', 'compose-env': `BASE=${testbed.baseImage}\nNONCE=${randomBytes(6).toString('hex')}`, 'integration-command': 'true' })
    )
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const runId = run.state['hashdock-run-id']
    expect(shown(run.stdout)).toMatch(new RegExp(`hashdock-${runId}-helper`))
    expect(leftovers(run)).toEqual([])
  })

})

describe('what the commit prints cannot command the runner', () => {
  let run: ActionRun
  let image: string

  beforeAll(async () => {
    image = uniqueImage('hostile-fence')
    run = await runAction(
      options({
        image,
        dockerfile: 'fence/Dockerfile',
        context: '.',
        'build-args': `BASE=${testbed.baseImage}\nNONCE=${randomBytes(8).toString('hex')}`,
        'test-command': `echo '::evil-token::'; echo '::warning::EVIL-test-v2'; echo 'a ##[error]EVIL-test-legacy'; printf 'y\\r::notice::EVIL-test-cr\\n'; echo '::add-mask::EVIL-test-mask'; printf 'no newline ##[add-'`
      })
    )
  })

  test.each([
    ['a build step', 'EVIL-build-legacy'],
    ['a build step, after a CR', 'EVIL-build-cr'],
    ['a build step, legacy add-mask', 'EVIL-build-mask'],
    ['a test, resuming the token the build chose', 'EVIL-test-v2'],
    ['a test, legacy form mid-line', 'EVIL-test-legacy'],
    ['a test, after a CR', 'EVIL-test-cr'],
    ['a test, add-mask', 'EVIL-test-mask']
  ])('%s: printed, never obeyed', (_, marker) => {
    counted()
    expect(run.stdout).toContain(marker)
    const { commands, stoppedAtEnd } = obeyed(run.stdout)
    expect(commands.filter(c => c.data.includes('EVIL') || c.name.includes('EVIL'))).toEqual([])
    // hashdock's own commands still work after the fences: the groups close and the run reports.
    expect(stoppedAtEnd).toBe(false)
    expect(commands.filter(c => c.name === 'group').length).toBe(commands.filter(c => c.name === 'endgroup').length)
  })

  test('the run itself succeeded and pushed what it tested', async () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(await registryDigest(image, commit)).toBe(run.outputs.digest)
    // The tested artifact is what the registry holds: the engine's image ID is the manifest digest.
    expect(run.outputs.reproducible).toBe('true')
    expect(run.outputs['image-id']).toBe(run.outputs.digest)
    expectNoSecret(run)
    expect(leftovers(run)).toEqual([])
  })
})

describe('compose sees no secret, and its services cannot command the runner', () => {
  let run: ActionRun
  let image: string

  beforeAll(async () => {
    image = uniqueImage('hostile-exfiltrate')
    run = await runAction(
      options({ image, 'compose-file': 'compose.exfiltrate.yaml', 'compose-env': 'GIVEN=by-compose-env', 'integration-command': 'echo TESTENV-begin; env; exit 1' })
    )
  })

  test('the service printed its environment, and no secret is in it', () => {
    counted()
    expect(run.stdout).toContain('LEAKCHECK-begin')
    expect(run.stdout).toMatch(/LEAK1=unset/)
    expect(run.stdout).toMatch(/LEAK2=unset/)
    expect(run.stdout).toMatch(/LEAK3=unset/)
    expect(run.stdout).toMatch(/GIVEN=by-compose-env/)
    expectNoSecret(run)
  })

  test('the test container printed its environment, and no secret is in it', () => {
    counted()
    expect(run.stdout).toContain('TESTENV-begin')
    expectNoSecret(run)
  })

  test("the service's log is printed, never obeyed", () => {
    counted()
    expect(run.stdout).toContain('EVIL-service')
    expect(obeyed(run.stdout).commands.filter(c => c.data.includes('EVIL'))).toEqual([])
  })

  test('the failed run pushed nothing and left nothing', async () => {
    counted()
    expect(run.exitCode).toBe(1)
    expect(run.errors.at(-1)).toMatch(/^::error::integration tests failed \(exit 1\): nothing was pushed$/)
    expect(await registryTags(image)).toEqual([])
    expect(leftovers(run)).toEqual([])
  })
})

describe('hostile test results', () => {
  let run: ActionRun
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><testsuite name="bomb"><testcase name="&lol2;"/></testsuite>`
  // Written by Python from escapes, so the command line itself holds no such character.
  const bidi = `open('/tmp/results/bidi.xml','w').write('<testsuite name=\\"bidi\\"><testcase name=\\"safe\\u202eEVILbidi\\u202c\\u200bname\\"><failure message=\\"m\\">x</failure></testcase></testsuite>')`
  const junitCommands = `<testsuite name="cmd"><testcase name="::warning::EVIL-junit"><failure message="##[add-mask]EVIL-junit-mask">x</failure></testcase></testsuite>`

  beforeAll(async () => {
    const write = (file: string, text: string): string => `printf '%s' '${text.replace(/'/g, `'"'"'`)}' > /tmp/results/${file}`
    run = await runAction(
      options(
        {
          image: uniqueImage('hostile-results'),
          push: 'false',
          'test-results': '/tmp/results',
          'test-command': [
            'mkdir -p /tmp/results',
            write('bomb.xml', bomb),
            `python -c "${bidi}"`,
            write('commands.xml', junitCommands),
            // 17 MB of whitespace inside a valid report: more than one file may hold.
            `python -c "open('/tmp/results/huge.xml','w').write('<testsuite name=\\"huge\\">' + ' ' * (17 << 20) + '</testsuite>')"`,
            'ln -s /etc/passwd /tmp/results/link.xml',
            'exit 1'
          ].join(' && ')
        },
        // No job summary file: the summary goes to the log, where it must be fenced too.
        { env: { GITHUB_STEP_SUMMARY: '' } }
      )
    )
  })

  test.each([
    ['a DOCTYPE with entities', /::warning::test-results: bomb.xml: refused: it declares a DOCTYPE/],
    ['a report larger than a file may be', /::warning::test-results: huge.xml not read: results are read up to/]
  ])('%s is refused with a warning naming the file', (_, warning) => {
    counted()
    expect(run.stdout).toMatch(warning)
    expect(run.stdout).not.toContain('lollollol')
  })

  test('a report that is a symlink to a host file is not read', () => {
    counted()
    expect(run.stdout).not.toContain('root:x:0:0')
  })

  test('bidi and zero-width characters are stripped from the summary', () => {
    counted()
    expect(run.stdout).toContain('safeEVILbidiname')
    expect(run.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b]/)
  })

  test('test names and messages in the summary are printed, never obeyed', () => {
    counted()
    expect(run.stdout).toContain('EVIL-junit')
    expect(obeyed(run.stdout).commands.filter(c => c.data.includes('EVIL') && c.name !== 'error')).toEqual([])
    expectNoSecret(run)
    expect(leftovers(run)).toEqual([])
  })

  test('results past the copy budget: the copy stops with a warning naming test-results, and the run goes on', async () => {
    counted()
    const flood = await runAction(
      options({
        image: uniqueImage('hostile-results-flood'),
        push: 'false',
        'test-results': '/tmp/results',
        // 100 MB, more than the reader could ever use: it must not all reach the runner's disk.
        'test-command': 'mkdir -p /tmp/results && head -c 100000000 /dev/zero > /tmp/results/flood.xml && ln -s /etc/passwd /tmp/results/passwd.xml'
      })
    )
    expect(flood.stdout).toMatch(/^::warning::test-results: '\/tmp\/results' in the unit test container holds more than 64 MB or 1000 files; results were copied up to there$/m)
    expect(flood.stdout).not.toContain('root:x:0:0')
    expect(flood.errors).toEqual([])
    expect(flood.exitCode).toBe(0)
    expect(leftovers(flood)).toEqual([])
  })
})

describe('hostile registry state', () => {
  test('an image forged with the right fingerprint label is not taken as tested', async () => {
    counted()
    const image = uniqueImage('hostile-forged')
    const inputs = { image, 'test-command': 'test ! -e /forged' }
    const first = await runAction(options(inputs))
    expect(first.exitCode).toBe(0)
    const pushedConfig = JSON.parse(await registryBlob(image, JSON.parse(await registryManifest(image, commit)).config.digest))
    const fingerprint: string = pushedConfig.config.Labels['dev.hashdock.fingerprint']
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/)

    // Anyone with push access writes an untested image under the commit's tag, with the same label.
    const config = tempDir('forger')
    execFileSync(realDocker, ['--config', config, 'login', testbed.registry, '--username', testbed.username, '--password-stdin'], { input: testbed.password, timeout: 60_000 })
    execFileSync(realDocker, ['build', '--quiet', '--tag', `${image}:${commit}`, '--label', `dev.hashdock.fingerprint=${fingerprint}`, '-'], {
      input: `FROM ${testbed.baseImage}\nRUN touch /forged\n`,
      timeout: 120_000
    })
    execFileSync(realDocker, ['--config', config, 'push', '--quiet', `${image}:${commit}`], { timeout: 120_000 })
    const forged = await registryDigest(image, commit)
    expect(forged).not.toBe(first.outputs.digest)

    const second = await runAction(options(inputs))
    expect(second.errors).toEqual([])
    expect(second.exitCode).toBe(0)
    expect(second.summary).not.toMatch(/already held/)
    // What the registry now holds under the commit is what this run tested, not the forgery.
    expect(await registryDigest(image, commit)).toBe(second.outputs.digest)
    expect(second.outputs.digest).not.toBe(forged)
    expectNoSecret(second)
    docker('image', 'rm', `${image}:${commit}`)
  })
})

describe("a pull request's commit gets no credentials and no trusted builder", () => {
  test('a run that does not push logs in nowhere, though credentials were given', async () => {
    counted()
    const before = shim.calls().length
    const run = await runAction(options({ image: uniqueImage('hostile-nologin'), push: 'false', 'test-command': 'true' }))
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Not logging in: this run does not push')
    const calls = shim.calls().slice(before)
    expect(calls).toMatch(/^ARGV build|^ARGV buildx/m)
    expect(calls).not.toMatch(/^ARGV .*\blogin\b/m)
    expectNoSecret(run)
  })

  test("its layers and cache mounts stay on a builder of its own: the next trusted build on the engine's builder never reads them", async () => {
    counted()
    const pr = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_HEAD_REF: 'feature' }
    const nonce = (): string => `NONCE=${randomBytes(6).toString('hex')}`
    // Its builder reads base images from the registry, with the login build-login asks for.
    const untrusted = await runAction(
      options({ image: uniqueImage('hostile-pr'), push: 'false', 'build-login': 'true', dockerfile: 'cachemount/pr.Dockerfile', 'build-args': `BASE=${testbed.baseRef}\n${nonce()}` }, { env: pr })
    )
    expect(untrusted.errors).toEqual([])
    expect(untrusted.exitCode).toBe(0)
    const runId = untrusted.state['hashdock-run-id']
    expect(untrusted.stdout).toMatch(new RegExp(`::notice::builder: this run builds on a docker-container builder of its own \\(hashdock-${runId}\\)`))
    expect(leftovers(untrusted)).toEqual([])
    expect(() => docker('buildx', 'inspect', `hashdock-${runId}`)).toThrow()
    const trusted = await runAction(options({ image: uniqueImage('hostile-trusted-next'), push: 'false', dockerfile: 'cachemount/trusted.Dockerfile', 'build-args': `BASE=${testbed.baseImage}\n${nonce()}` }))
    expect(trusted.errors).toEqual([])
    expect(trusted.exitCode).toBe(0)
    expect(trusted.stdout).not.toMatch(/of its own/)
  })
})

describe('hostile file names', () => {
  test.each(['commit', 'per-file'])('a file name that is not UTF-8 builds (mtime %s)', async mtime => {
    counted()
    const run = await runAction(options({ image: uniqueImage('hostile-names'), push: 'false', mtime, 'test-command': 'ls /app | od -c | grep -q 377' }))
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expectNoSecret(run)
    expect(leftovers(run)).toEqual([])
  })
})

describe('hostile state for the post step', () => {
  test.each([
    ['a run ID that is a path', { 'hashdock-run-id': '../../..', 'hashdock-work-dir': 'SENTINEL' }],
    ['a work dir that is not the run’s', { 'hashdock-run-id': 'abcdefabcdef', 'hashdock-work-dir': 'SENTINEL' }]
  ])('%s: a warning, and nothing is removed', async (_, state) => {
    counted()
    const sentinel = join(sentinelRoot, randomBytes(4).toString('hex'))
    mkdirSync(sentinel)
    writeFileSync(join(sentinel, 'keep'), 'keep\n')
    const run = await runAction({
      ...options({ image: uniqueImage('hostile-post') }),
      post: { 'hashdock-is-post': 'true', ...state, 'hashdock-work-dir': sentinel }
    })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::post step: the saved (run ID|work directory) is not/)
    expect(existsSync(join(sentinel, 'keep'))).toBe(true)
  })

  test('after an input error, the post step does not run the pipeline again', async () => {
    counted()
    const main = await runAction(options({ image: 'Bad/Image' }))
    expect(main.exitCode).toBe(1)
    const post = await runAction({ ...options({ image: 'Bad/Image' }), post: main.state })
    expect(post.exitCode).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.stdout).not.toMatch(/image: 'Bad\/Image'/)
  })
})

describe('runs started from elsewhere, and interrupted', () => {
  const cli = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url))

  test('Ctrl-C in the CLI removes the services, containers, work dir and login of the run', async () => {
    counted()
    const tmp = tempDir('cli-tmp')
    const checkout = origin.clone()
    const child = spawn(
      process.execPath,
      [cli, 'build', '--repo', checkout, '--image', uniqueImage('hostile-interrupted'), '--build-args', `BASE=${testbed.baseImage}`, '--registry-username', testbed.username, '--build-login', 'true', '--compose-file', 'compose.yaml', '--integration-command', 'sleep 300'],
      { env: { ...process.env, TMPDIR: tmp, HASHDOCK_REGISTRY_PASSWORD: testbed.password }, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let out = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (out += d))
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    // Wait until the integration container runs beside the services: everything is up and logged in.
    let runId = ''
    for (let i = 0; i < 240 && !runId; i++) {
      await new Promise(r => setTimeout(r, 500))
      const names = docker('ps', '--filter', 'status=running', '--format', '{{.Names}}').split('\n')
      const dir = readdirSync(tmp).find(f => /^hashdock-[0-9a-f]{12}$/.test(f))
      const id = dir?.slice('hashdock-'.length)
      if (id && names.includes(`hashdock-${id}-integration`)) runId = id
    }
    expect(runId).not.toBe('')
    expect(readdirSync(join(tmp, `hashdock-${runId}`)).some(f => f.startsWith('docker-config-'))).toBe(true)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(out).toContain('SIGINT: removing what this run started')
    const project = `hashdock-${runId}`
    expect(docker('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).toBe('')
    expect(docker('ps', '--all', '--quiet', '--filter', `label=dev.hashdock.run=${runId}`)).toBe('')
    expect(docker('network', 'ls', '--quiet', '--filter', `name=${project}`)).toBe('')
    expect(existsSync(join(tmp, project))).toBe(false)
    expect(out).not.toContain(testbed.password)
  })

  test("the CLI in a workflow's run: step fences what the commit prints too", () => {
    counted()
    const checkout = origin.clone()
    const r = spawnSync(
      process.execPath,
      [cli, 'build', '--repo', checkout, '--image', uniqueImage('hostile-cli-fence'), '--push', 'false', '--dockerfile', 'fence/Dockerfile', '--build-args', `BASE=${testbed.baseImage}`, '--build-args', `NONCE=${randomBytes(8).toString('hex')}`, '--test-command', "echo '::warning::EVIL-cli-test'; echo 'x ##[add-mask]EVIL-cli-mask'"],
      { env: { ...process.env, GITHUB_ACTIONS: 'true' }, encoding: 'utf8', timeout: 240_000 }
    )
    const all = `${r.stdout}${r.stderr}`
    expect(r.status).toBe(0)
    expect(all).toContain('EVIL-build-legacy')
    expect(all).toContain('EVIL-cli-test')
    const { commands, stoppedAtEnd } = obeyed(r.stdout)
    expect(commands.filter(c => c.data.includes('EVIL'))).toEqual([])
    expect(stoppedAtEnd).toBe(false)
  })

  test('the CLI started in a subdirectory uses the whole repository', () => {
    const checkout = origin.clone()
    const out = join(tempDir('cli-out'), 'context')
    execFileSync(process.execPath, [cli, 'context', '--out', out], { cwd: join(checkout, 'fence'), encoding: 'utf8', timeout: 60_000 })
    expect(existsSync(join(out, 'Dockerfile'))).toBe(true)
    expect(existsSync(join(out, 'helper', 'Dockerfile'))).toBe(true)
  })

  test("the action finds a checkout made with actions/checkout's path:", async () => {
    const workspace = tempDir('workspace')
    execFileSync('git', ['clone', '-q', '--no-local', origin.dir, join(workspace, 'app')], { timeout: 60_000 })
    execFileSync('git', ['-C', join(workspace, 'app'), 'checkout', '-q', commit], { timeout: 60_000 })
    const inputs = { image: uniqueImage('checkout-path'), push: 'false', 'test-command': 'test -f /app/Dockerfile' }
    const run = await runAction({ ...options({ ...inputs, 'checkout-path': 'app' }), workspace })
    expect(run.errors).toEqual([])
    expect(run.outputs.githash).toBe(commit)
    const without = await runAction({ ...options(inputs), workspace })
    expect(without.errors).toHaveLength(1)
    expect(without.errors[0]).toMatch(/^::error::checkout-path: .* is not a git checkout/)
  })
})

test('no docker call of the whole suite saw a secret in its arguments or environment', () => {
  counted()
  const calls = shim.calls()
  // The shim did record calls, with their environment.
  expect(calls).toMatch(/^ARGV compose /m)
  expect(calls).toMatch(/^ENV PATH=/m)
  for (const secret of SECRETS) expect(calls).not.toContain(secret)
  expect(calls).not.toMatch(/^ENV (INPUT_|ACTIONS_|GITHUB_TOKEN=|HASHDOCK_REGISTRY_PASSWORD=)/m)
  expect(hostileCases).toBeGreaterThanOrEqual(45)
})
