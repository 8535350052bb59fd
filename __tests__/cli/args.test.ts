// The CLI's flags: the action's inputs as --flags, the password never one of them.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { Input } from '../../src/core/constants.js'
import { InputError } from '../../src/core/errors.js'
import { flags, helpText, parseCli, USAGE, UsageError } from '../../src/cli/args.js'

const ENV = 'HASHDOCK_REGISTRY_PASSWORD'
const IMAGE = ['--image', 'ghcr.io/acme/app']
const noStdin = (): string => {
  throw new Error('stdin read without --registry-password-stdin')
}

let saved: string | undefined
beforeEach(() => {
  saved = process.env[ENV]
  delete process.env[ENV]
})
afterEach(() => {
  if (saved === undefined) delete process.env[ENV]
  else process.env[ENV] = saved
})

describe('parseCli: build', () => {
  test('flags become the same inputs the action reads', () => {
    const cli = parseCli(
      ['build', ...IMAGE, '--githash', 'v1.0', '--context', './app/', '--push', 'false', '--wait-timeout', '30', '--mtime', 'per-file', '--target', 'test'],
      noStdin
    )
    expect(cli.command).toBe('build')
    expect(cli.inputs).toMatchObject({
      [Input.Image]: ['ghcr.io/acme/app'],
      [Input.Githash]: 'v1.0',
      [Input.Context]: 'app',
      [Input.Push]: false,
      [Input.WaitTimeout]: 30,
      [Input.Mtime]: 'per-file',
      [Input.Target]: 'test',
      [Input.RegistryPassword]: ''
    })
  })

  test('defaults as in the action, but for push: never by accident from a terminal', () => {
    const cli = parseCli(['build', ...IMAGE], noStdin)
    expect(parseCli(['build', ...IMAGE, '--push', 'true'], noStdin).inputs[Input.Push]).toBe(true)
    expect(cli.inputs).toMatchObject({ [Input.Push]: false, [Input.WaitTimeout]: 120, [Input.Context]: '.', [Input.Tags]: [], [Input.BuildArgs]: [] })
    expect(cli.repo).toBe(process.cwd())
    expect(cli.json).toBe(false)
    expect(cli.out).toBe('')
  })

  test('--platforms takes the action\'s comma-separated list, and its errors', () => {
    expect(parseCli(['build', ...IMAGE, '--platforms', 'linux/amd64,linux/arm64'], noStdin).inputs[Input.Platforms]).toEqual(['linux/amd64', 'linux/arm64'])
    expect(parseCli(['build', ...IMAGE], noStdin).inputs[Input.Platforms]).toEqual([])
    expect(() => parseCli(['build', ...IMAGE, '--platforms', 'arm64'], noStdin)).toThrow(/^platforms: 'arm64' is not a platform/)
  })

  test('--export-dir and --assemble-from, and their errors, as the action\'s inputs', () => {
    const handOn = parseCli(['build', ...IMAGE, '--platforms', 'linux/arm64', '--test-command', 'pytest', '--export-dir', 'out'], noStdin)
    expect(handOn.inputs[Input.ExportDir]).toBe('out')
    expect(parseCli(['build', ...IMAGE, '--platforms', 'linux/amd64,linux/arm64', '--assemble-from', 'in'], noStdin).inputs[Input.AssembleFrom]).toBe('in')
    expect(() => parseCli(['build', ...IMAGE, '--assemble-from', 'in'], noStdin)).toThrow(/^assemble-from: needs platforms/)
    expect(helpText('build')).toMatch(/--export-dir DIR[\s\S]*--assemble-from DIR/)
  })

  test('--tags and --build-args repeat, in order', () => {
    const cli = parseCli(['build', ...IMAGE, '--tags', 'latest', '--build-args', 'A=1', '--tags', '{short}', '--build-args', 'B=two'], noStdin)
    expect(cli.inputs[Input.Tags]).toEqual(['latest', '{short}'])
    expect(cli.inputs[Input.BuildArgs]).toEqual(['A=1', 'B=two'])
  })

  test('--flag=value form, --repo and --json', () => {
    const cli = parseCli(['build', '--image=acme/app', '--repo=/src/app', '--json', '--tags=latest'], noStdin)
    expect(cli.inputs[Input.Image]).toEqual(['acme/app'])
    expect(cli.inputs[Input.Tags]).toEqual(['latest'])
    expect(cli.repo).toBe('/src/app')
    expect(cli.json).toBe(true)
  })

  test('invalid values fail as the action does, naming the input', () => {
    expect(() => parseCli(['build'], noStdin)).toThrow(/^image: is required/)
    expect(() => parseCli(['build', ...IMAGE, '--build-args', 'NOPE'], noStdin)).toThrow(InputError)
    expect(() => parseCli(['build', ...IMAGE, '--build-args', 'NOPE'], noStdin)).toThrow(/^build-args: /)
    expect(() => parseCli(['build', ...IMAGE, '--push', 'yes'], noStdin)).toThrow(/^push: /)
  })

  test.each<[string, string[], RegExp]>([
    ['an unknown flag', ['build', ...IMAGE, '--nope'], /^unknown flag --nope; hashdock build --help lists its flags$/],
    ['a misspelt flag', ['build', ...IMAGE, '--tset-command', 'pytest'], /^unknown flag --tset-command; did you mean --test-command\?$/],
    ['a misspelt alias', ['build', ...IMAGE, '--build-ags', 'A=1'], /^unknown flag --build-ags; did you mean --build-args\?$/],
    ['a flag without its value', ['build', '--image'], /^--image needs a value/],
    ['a value-taking flag followed by another flag', ['build', '--image', '--json'], /^--image needs a value/],
    ['a value for a switch', ['build', ...IMAGE, '--json=yes'], /^--json takes no value$/],
    ['a value for a --no- switch', ['build', ...IMAGE, '--no-push=true'], /^--no-push takes no value$/],
    ['an empty boolean', ['build', ...IMAGE, '--push='], /^--push= needs true or false/],
    ['an unknown command', ['biuld', ...IMAGE], /^unknown command 'biuld'; did you mean build\? The commands are build, plan, context, advise, doctor and verify$/],
    ['a command nothing is near', ['deploy'], /^unknown command 'deploy'; the commands are build, plan, context, advise, doctor and verify$/],
    ['a flag before any command', ['--image', 'x'], /^--image: a command comes first: hashdock build\|plan\|context\|advise\|doctor\|verify \[options\]$/],
    ['a stray argument', ['build', 'ghcr.io/acme/app'], /^unexpected argument 'ghcr.io\/acme\/app'/],
    ['a single-value flag twice', ['build', ...IMAGE, '--target', 'a', '--target', 'b'], /^--target is given twice; give it once$/],
    ['a build flag to advise', ['advise', '--image', 'x'], /^--image: only hashdock build \(and plan\) reads it$/],
    ['a build flag to context', ['context', '--out', 'o', '--push', 'true'], /^--push: only hashdock build \(and plan\) reads it$/],
    ['--json to context', ['context', '--out', 'o', '--json'], /^--json: hashdock context does not read it; build, plan, advise, doctor and verify do$/],
    ['--out to build', ['build', ...IMAGE, '--out', 'o'], /^--out: only hashdock context reads it$/],
    ['a docker secret with neither file nor variable', ['build', ...IMAGE, '--secret', 'id=npm'], /^--secret: 'id=npm' says neither src=PATH nor env=VAR/],
    ['a docker secret with a field of its own', ['build', ...IMAGE, '--secret', 'id=npm,path=x'], /^--secret: 'id=npm,path=x' is not id=ID,src=PATH or id=ID,env=VAR; 'path=x' is no field of it$/]
  ])('%s: a usage error naming it', (_, argv, message) => {
    expect(() => parseCli(argv, noStdin)).toThrow(UsageError)
    expect(() => parseCli(argv, noStdin)).toThrow(message)
  })

  test('each command\'s help lists every flag it reads, and only those', () => {
    const table = flags()
    for (const command of ['build', 'context', 'advise', 'doctor'] as const) {
      const help = helpText(command)
      for (const [name, flag] of Object.entries(table)) {
        if (flag.commands.includes(command)) expect(help).toMatch(new RegExp(`^  --${name}\\b`, 'm'))
        else expect(help).not.toMatch(new RegExp(`^  --${name}\\b`, 'm'))
      }
    }
    expect(helpText('build')).toContain('--provenance')
    expect(helpText('build')).toMatch(/^ +\(also -t, --tag\)$/m)
    expect(USAGE).toMatch(/^build +builds one commit/m)
    expect(USAGE).toContain('hashdock COMMAND --help')
  })
})

describe('parseCli: habits from docker and other CLIs', () => {
  test.each<[string, string[], boolean]>([
    ['a bare switch', ['--push'], true],
    ['true after it', ['--push', 'true'], true],
    ['false after it', ['--push', 'false'], false],
    ['=false', ['--push=false'], false],
    ['the --no- form', ['--no-push'], false],
    ['a bare switch before another flag', ['--push', '--json'], true]
  ])('--push: %s', (_, args, push) => {
    expect(parseCli(['build', ...IMAGE, ...args], noStdin).inputs[Input.Push]).toBe(push)
  })

  test('every boolean input is a switch, --no-cache among them, and --no-no-cache is none', () => {
    const cli = parseCli(['build', ...IMAGE, '--no-cache', '--pull', '--rebuild', '--provenance', '--sbom', '--force-tags', '--no-advice'], noStdin)
    expect(cli.inputs).toMatchObject({ [Input.NoCache]: true, [Input.Pull]: true, [Input.Rebuild]: true, [Input.Provenance]: true, [Input.Sbom]: true, [Input.ForceTags]: true, [Input.Advice]: false })
    expect(() => parseCli(['build', ...IMAGE, '--push', 'yes'], noStdin)).toThrow(/^push: 'yes' is not a boolean/)
  })

  test("docker's spellings: -t/--tag, -f/--file, --build-arg, --platform, --label, --annotation, --add-host, --build-context", () => {
    const cli = parseCli(
      ['build', ...IMAGE, '-t', 'latest', '--tag=v1', '-f', 'docker/Dockerfile', '--build-arg', 'A=1', '--platform', 'linux/amd64', '--platform', 'linux/arm64', '--label', 'a=1', '--annotation', 'b=2', '--add-host', 'db=10.0.0.1', '--build-context', 'lib=lib'],
      noStdin
    )
    expect(cli.inputs).toMatchObject({
      [Input.Tags]: ['latest', 'v1'],
      [Input.Dockerfile]: 'docker/Dockerfile',
      [Input.BuildArgs]: ['A=1'],
      [Input.Platforms]: ['linux/amd64', 'linux/arm64'],
      [Input.Labels]: { a: '1' },
      [Input.AddHosts]: ['db=10.0.0.1']
    })
  })

  test("docker's --secret, from a file or a variable", () => {
    const cli = parseCli(['build', ...IMAGE, '--secret', 'id=npm,src=/home/me/.npmrc', '--secret', 'id=tok,env=GH_TOKEN', '--secret', 'type=env,id=AWS_KEY'], noStdin)
    expect(cli.inputs[Input.Secrets]).toEqual([
      { id: 'npm', file: '/home/me/.npmrc' },
      { id: 'tok', env: 'GH_TOKEN' },
      { id: 'AWS_KEY', env: 'AWS_KEY' }
    ])
  })

  test('-h and --help after a command show that command\'s help; help COMMAND too', () => {
    expect(parseCli(['advise', '-h'], noStdin)).toMatchObject({ command: 'help', topic: 'advise' })
    expect(parseCli(['help', 'context'], noStdin)).toMatchObject({ command: 'help', topic: 'context' })
    expect(parseCli(['--help'], noStdin).topic).toBeUndefined()
    expect(() => parseCli(['help', 'deploy'], noStdin)).toThrow(/^unknown command 'deploy'/)
  })

  test('doctor reads --repo and --json, and nothing of a build', () => {
    expect(parseCli(['doctor', '--repo', '/src/app', '--json'], noStdin)).toMatchObject({ command: 'doctor', repo: '/src/app', json: true })
    expect(() => parseCli(['doctor', '--image', 'x'], noStdin)).toThrow(/^--image: only hashdock build \(and plan\) reads it$/)
    expect(helpText('doctor')).toMatch(/^Usage: hashdock doctor/)
  })

  test('no --registry-password flag, in either form', () => {
    expect(() => parseCli(['build', ...IMAGE, '--registry-username', 'bot', '--registry-password', 's3cret'], noStdin)).toThrow(/registry-password/)
    expect(() => parseCli(['build', ...IMAGE, '--registry-username', 'bot', '--registry-password=s3cret'], noStdin)).toThrow(/registry-password/)
    expect(() => parseCli(['build', ...IMAGE, '--registry-password', 's3cret'], noStdin)).toThrow(UsageError)
    expect(() => parseCli(['build', ...IMAGE, '--registry-password', 's3cret'], noStdin)).toThrow(
      /^unknown flag --registry-password; the password comes from HASHDOCK_REGISTRY_PASSWORD or --registry-password-stdin/
    )
  })

  test('--registry-password-stdin reads standard input, trimmed', () => {
    const stdin = jest.fn(() => 's3cret\n')
    const cli = parseCli(['build', ...IMAGE, '--registry-username', 'bot', '--registry-password-stdin'], stdin)
    expect(stdin).toHaveBeenCalledTimes(1)
    expect(cli.inputs[Input.RegistryUsername]).toBe('bot')
    expect(cli.inputs[Input.RegistryPassword]).toBe('s3cret')
  })

  test('standard input is not read without the flag', () => {
    const stdin = jest.fn(() => 'unused')
    parseCli(['build', ...IMAGE], stdin)
    expect(stdin).not.toHaveBeenCalled()
  })

  test(`${ENV} from the environment`, () => {
    process.env[ENV] = 'from-env'
    const cli = parseCli(['build', ...IMAGE, '--registry-username', 'bot'], noStdin)
    expect(cli.inputs[Input.RegistryPassword]).toBe('from-env')
  })

  test('--registry-password-stdin wins over the environment', () => {
    process.env[ENV] = 'from-env'
    const cli = parseCli(['build', ...IMAGE, '--registry-username', 'bot', '--registry-password-stdin'], () => 'from-stdin')
    expect(cli.inputs[Input.RegistryPassword]).toBe('from-stdin')
  })

  test('a user without a password, and a password without a user, fail as in the action', () => {
    expect(() => parseCli(['build', ...IMAGE, '--registry-username', 'bot'], noStdin)).toThrow(/^registry-password: /)
    process.env[ENV] = 'from-env'
    expect(() => parseCli(['build', ...IMAGE], noStdin)).toThrow(/^registry-username: /)
  })

  test('the usage never offers a password flag', () => {
    expect(helpText('build')).toContain('--registry-password-stdin')
    for (const help of [USAGE, helpText('build')]) expect(help).not.toMatch(/--registry-password(?!-stdin)/)
  })
})

describe('parseCli: commands', () => {
  test.each<[string, string[]]>([
    ['no arguments', []],
    ['--help', ['--help']],
    ['help', ['help']],
    ['--help after a command', ['build', '--help']]
  ])('%s: help', (_, argv) => {
    expect(parseCli(argv, noStdin).command).toBe('help')
  })

  test.each([['--version'], ['version'], ['build', '--version']])('%s: the version, before anything else is read', (...argv) => {
    expect(parseCli(argv, noStdin).command).toBe('version')
  })

  test('help needs no image and reads no input', () => {
    expect(() => parseCli(['build', '--help'], noStdin)).not.toThrow()
  })

  test('context needs no image', () => {
    const cli = parseCli(['context', '--out', 'ctx', '--githash', 'v1.0', '--mtime', 'per-file', '--context', 'app/'], noStdin)
    expect(cli.command).toBe('context')
    expect(cli.out).toBe('ctx')
    expect(cli.inputs).toMatchObject({ [Input.Githash]: 'v1.0', [Input.Mtime]: 'per-file', [Input.Context]: 'app' })
  })

  test('context checks its inputs too', () => {
    expect(() => parseCli(['context', '--out', 'ctx', '--context', '../up'], noStdin)).toThrow(/^context: /)
  })

  test('advise needs no image; --commits defaults to 200', () => {
    const cli = parseCli(['advise', '--dockerfile', 'docker/Dockerfile', '--githash', 'v1.0'], noStdin)
    expect(cli).toMatchObject({ command: 'advise', commits: 200 })
    expect(cli.inputs).toMatchObject({ [Input.Githash]: 'v1.0', [Input.Dockerfile]: 'docker/Dockerfile' })
    expect(parseCli(['advise', '--commits', '50'], noStdin).commits).toBe(50)
  })

  test.each([
    [['advise', '--commits', '0'], /^--commits: '0' is not a whole number of commits/],
    [['advise', '--commits', '1e3'], /^--commits: '1e3' is not a whole number of commits/],
    [['build', '--image', 'x/y', '--commits', '9'], /^--commits: only hashdock advise reads it$/],
    [['advise', '--dockerfile', '/etc/passwd'], /^dockerfile: '\/etc\/passwd' must be a relative path/]
  ])('%j: a usage error', (argv, message) => {
    expect(() => parseCli(argv, noStdin)).toThrow(message)
  })
})

describe('parseCli: several images, build secrets and more logins', () => {
  const vars = ['HASHDOCK_SECRETS', 'HASHDOCK_REGISTRY_LOGINS']
  let kept: Record<string, string | undefined>
  beforeEach(() => {
    kept = Object.fromEntries(vars.map(v => [v, process.env[v]]))
    for (const v of vars) delete process.env[v]
  })
  afterEach(() => {
    for (const v of vars) {
      if (kept[v] === undefined) delete process.env[v]
      else process.env[v] = kept[v]
    }
  })

  test('--image, --labels, --secret-envs and --add-hosts repeat, in order', () => {
    const cli = parseCli(
      ['build', '--image', 'ghcr.io/acme/app', '--image', 'docker.io/acme/app', '--labels', 'a=1', '--labels', 'b=2', '--secret-envs', 'tok=GH_TOKEN', '--add-hosts', 'db=10.0.0.1'],
      noStdin
    )
    expect(cli.inputs[Input.Image]).toEqual(['ghcr.io/acme/app', 'docker.io/acme/app'])
    expect(cli.inputs[Input.Labels]).toEqual({ a: '1', b: '2' })
    expect(cli.inputs[Input.Secrets]).toEqual([{ id: 'tok', env: 'GH_TOKEN' }])
    expect(cli.inputs[Input.AddHosts]).toEqual(['db=10.0.0.1'])
  })

  test.each(['--secrets', '--registry-logins'])('%s is no flag: a value there would show in every process listing', flag => {
    const error = (() => {
      try {
        parseCli(['build', ...IMAGE, `${flag}=x=y`], noStdin)
      } catch (e) {
        return e as Error
      }
      throw new Error('expected an error')
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toMatch(new RegExp(`unknown flag ${flag}; .* never from a flag`))
    expect(helpText('build')).not.toContain(`${flag} `)
  })

  test('secrets and logins come from the environment, for build only', () => {
    process.env.HASHDOCK_SECRETS = 'npm=s3cr3t'
    process.env.HASHDOCK_REGISTRY_LOGINS = 'docker.io=acme:pw'
    const cli = parseCli(['build', ...IMAGE], noStdin)
    expect(cli.inputs[Input.Secrets]).toEqual([{ id: 'npm', value: 's3cr3t' }])
    expect(cli.inputs[Input.RegistryLogins]).toEqual([{ registry: 'docker.io', username: 'acme', password: 'pw', from: Input.RegistryLogins }])
    expect(parseCli(['context', '--out', 'x'], noStdin).inputs[Input.Secrets]).toEqual([])
  })
})

describe('parseCli: artifacts', () => {
  const IMAGE_FLAG = ['--image', 'ghcr.io/acme/app']
  const never = (): string => ''

  test('--artifacts repeats, and --artifacts-dir says where they go', () => {
    const cli = parseCli(['build', ...IMAGE_FLAG, '--artifacts', 'builder:out/app.deb', '--artifacts', 'docs:site', '--artifacts-dir', 'dist'], never)
    expect(cli.inputs[Input.Artifacts]).toEqual([{ stage: 'builder', path: 'out/app.deb' }, { stage: 'docs', path: 'site' }])
    expect(cli.artifactsDir).toBe('dist')
  })

  test.each([
    [['--artifacts', 'builder:out'], '--artifacts-dir: give the directory --artifacts are written to, e.g. --artifacts-dir dist'],
    [['--artifacts-dir', 'dist'], '--artifacts-dir: no --artifacts are asked for; name them with --artifacts STAGE:PATH']
  ])('%j: %s', (args, message) => {
    expect(() => parseCli(['build', ...IMAGE_FLAG, ...args], never)).toThrow(new UsageError(message))
  })

  test('a malformed line names the input', () => {
    expect(() => parseCli(['build', ...IMAGE_FLAG, '--artifacts', '/out/app.deb', '--artifacts-dir', 'dist'], never)).toThrow(InputError)
  })
})
