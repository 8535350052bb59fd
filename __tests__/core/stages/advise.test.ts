// Dockerfile advice, piece by piece: ignore rules, the Dockerfile's steps, what a step reads, the counts.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitAll, git, write } from '../../../__fixtures__/git-repo.js'
import type { SourcePlan } from '../../../src/core/stages/plan.js'
import { describeAdvice } from '../../../src/core/advice/describe.js'
import { chainOf, parseDockerfile, type CopyStep, type RunStep, type Stage } from '../../../src/core/dockerfile.js'
import { inputTest, installersOf } from '../../../src/core/advice/installers.js'
import { dockerignore } from '../../../src/core/advice/patterns.js'
import { advise, clockSteps, imagePath, layerOrder, runsAsRoot } from '../../../src/core/stages/advise.js'
import type { LayerOrderAdvice, RootAdvice } from '../../../src/core/advice/advice.js'

describe('.dockerignore, as BuildKit reads it', () => {
  test.each([
    ['docs/', 'docs/a.md', true],
    ['docs', 'docs/deep/a.md', true],
    ['docs', 'src/docs/a.md', false],
    ['/docs', 'docs/a.md', true],
    ['*.md', 'README.md', true],
    ['*.md', 'docs/a.md', false],
    ['**/*.md', 'docs/deep/a.md', true],
    ['**/*.md', 'a.md', true],
    ['**/__pycache__', 'app/__pycache__/x.pyc', true],
    ['docs/**', 'docs/a/b', true],
    ['*.md\n!README.md', 'README.md', false],
    ['*.md\n!README.md', 'NOTES.md', true],
    ['!README.md\n*.md', 'README.md', true],
    ['# a comment\n\n  tmp  ', 'tmp/x', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['file[0-9].txt', 'file7.txt', true],
    ['file.txt', 'fileXtxt', false],
    ['', 'anything', false]
  ])('%j: %s ignored is %s', (rules, path, ignored) => {
    expect(dockerignore(rules)(path)).toBe(ignored)
  })
})

const MULTI = [
  '# syntax=docker/dockerfile:1',
  'ARG BASE=python:3.12-slim',
  'ARG REQS=requirements.txt',
  'FROM ${BASE} AS build',
  'WORKDIR /src',
  'ARG REQS',
  'COPY ${REQS} ./',
  'RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt',
  'COPY ["app/", "lib/", "./"]',
  'ADD https://example.com/x.tgz /tmp/',
  'COPY --from=node:20 /usr/local/bin/node /usr/local/bin/',
  'COPY <<DOC /etc/x',
  'hello',
  'DOC',
  'FROM build AS test',
  'WORKDIR app',
  'RUN \\',
  '  pytest',
  'FROM ${BASE}',
  'COPY --from=build /src /app',
  'COPY requirements.txt /app/reqs.txt',
  'USER app',
  'EXPOSE 80/tcp 8080',
  ''
].join('\n')

describe('the Dockerfile, as advice reads it', () => {
  const stages = parseDockerfile(MULTI)

  test('stages by name, the one a stage starts from, each FROM line', () => {
    expect(stages.map(s => [s.name, s.parent, s.fromLine, s.fromText])).toEqual([
      ['build', undefined, 4, 'FROM ${BASE} AS build'],
      ['test', 0, 15, 'FROM build AS test'],
      ['2', undefined, 19, 'FROM ${BASE}']
    ])
  })

  test('COPY and ADD: context sources only, variables substituted, destinations absolute', () => {
    const copies = stages.flatMap(s => s.steps).filter((s): s is CopyStep => s.kind === 'copy')
    expect(copies.map(c => [c.line, c.sources, c.dest, c.destIsDir])).toEqual([
      [7, ['requirements.txt'], '/src', true],
      [9, ['app', 'lib'], '/src', true],
      [10, [], '/tmp', true],
      [11, [], '/usr/local/bin', true],
      [20, [], '/app', false],
      [21, ['requirements.txt'], '/app/reqs.txt', false]
    ])
  })

  test('RUN: words without flags, the working directory, continued lines as one', () => {
    const runs = stages.flatMap(s => s.steps).filter((s): s is RunStep => s.kind === 'run')
    expect(runs.map(r => [r.line, r.words, r.workdir, r.text])).toEqual([
      [8, ['pip', 'install', '-r', 'requirements.txt'], '/src', 'RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt'],
      [17, ['pytest'], '/src/app', 'RUN pytest']
    ])
  })

  test('FROM flags are not the base; a stage is found by its name in any case', () => {
    const two = parseDockerfile('FROM --platform=$BUILDPLATFORM node:20 AS Build\nRUN npm ci\nFROM build\n')
    expect(two.map(s => [s.name, s.parent])).toEqual([
      ['Build', undefined],
      ['1', 0]
    ])
  })

  test("a stage's chain holds its parent's steps first; USER and EXPOSE are its own", () => {
    expect(chainOf(stages, 1).steps.map(s => s.line)).toEqual([7, 8, 9, 10, 11, 17])
    expect(chainOf(stages, 2)).toMatchObject({ user: { value: 'app', line: 22 }, exposed: [80, 8080] })
  })
})

const run = (command: string, workdir = '/app'): RunStep => ({ kind: 'run', line: 9, text: `RUN ${command}`, words: command.split(' '), workdir })
const copy = (line: number, sources: string[], dest = '/app', destIsDir = true): CopyStep => ({
  kind: 'copy',
  line,
  text: `COPY ${sources.join(' ')} ${dest}`,
  sources,
  dest,
  destIsDir
})

describe('what a step really reads', () => {
  test.each([
    ['pip install --no-cache-dir -r requirements.txt', ['pip']],
    ['python3 -m pip install -r r.txt', ['pip']],
    ['npm ci --omit=dev', ['npm']],
    ['yarn install --frozen-lockfile', ['yarn']],
    ['yarn', ['yarn']],
    ['yarn build', []],
    ['go mod download', ['go']],
    ['go build ./...', []],
    ['bundle install', ['bundler']],
    ['mvn -B dependency:go-offline', ['maven']],
    ['apt-get update && apt-get install -y curl', ['system packages']],
    ['python -m compileall .', []]
  ])('%s runs %j', (command, names) => {
    expect(installersOf(run(command)).map(i => i.name)).toEqual(names)
  })

  test.each([
    ['pip install -r requirements.txt', '/app/requirements.txt', true],
    ['pip install -r requirements.txt', '/app/requirements-dev.txt', true],
    ['pip install -r requirements.txt', '/app/app/main.py', false],
    ['pip install .', '/app/app/main.py', true],
    ['pip install -r deps/base.in', '/app/deps/base.in', true],
    ['pip install --requirement=deps/base.in', '/app/deps/base.in', true],
    ['npm ci', '/app/package-lock.json', true],
    ['npm ci', '/app/src/index.js', false],
    ['apt-get install -y curl', '/app/curl', true],
    ['apt-get install -y curl', '/app/main.py', false]
  ])('%s reads %s: %s', (command, path, reads) => {
    const step = run(command)
    expect(inputTest(step, installersOf(step))(path)).toBe(reads)
  })
})

describe('where a COPY puts a context file', () => {
  test.each([
    [copy(1, ['.']), 'app/main.py', '/app/app/main.py'],
    [copy(1, ['requirements.txt']), 'requirements.txt', '/app/requirements.txt'],
    [copy(1, ['requirements.txt'], '/app/reqs.txt', false), 'requirements.txt', '/app/reqs.txt'],
    [copy(1, ['requirements.txt']), 'app/requirements.txt', undefined],
    [copy(1, ['src']), 'src/pkg/a.py', '/app/pkg/a.py'],
    [copy(1, ['*.txt']), 'requirements.txt', '/app/requirements.txt'],
    [copy(1, ['*.txt']), 'docs/a.txt', undefined],
    [copy(1, ['app', 'lib']), 'lib/x.py', '/app/x.py']
  ])('%j takes %s to %s', (step, file, at) => {
    expect(imagePath(step, file)).toBe(at)
  })
})

/** 20 commits, newest first: the app changes in all but the `quiet` ones, requirements.txt in `deps`. */
function history(quiet: number[], deps: number[]): string[][] {
  return Array.from({ length: 20 }, (_, i) => [...(quiet.includes(i) ? [] : ['app/main.py']), ...(deps.includes(i) ? ['requirements.txt'] : [])])
}
const FILES = ['requirements.txt', 'app/main.py', 'docs/x.md']
const where = { dockerfile: 'Dockerfile', contextPath: '.' }
const stage = (steps: (CopyStep | RunStep)[]): Stage[] => [{ name: '0', fromLine: 1, fromText: 'FROM x', steps, exposed: [], args: [] }]

describe('layer order, measured', () => {
  test('a broad copy before the install: counted, with the hit rates it costs', () => {
    const advice = layerOrder(stage([copy(3, ['.']), run('pip install -r requirements.txt')]), 0, history([5], [0, 10]), FILES, where)
    const expected: LayerOrderAdvice[] = [
      {
        kind: 'layer-order',
        dockerfile: 'Dockerfile',
        line: 3,
        instruction: 'COPY . /app',
        commits: 20,
        changed: 19,
        step: { line: 9, instruction: 'RUN pip install -r requirements.txt', inputs: ['requirements.txt'], changed: 2 },
        rebuilt: 19,
        hitRate: { now: 5, after: 90 },
        suggestion: 'copy requirements.txt first (COPY requirements.txt ./), then RUN pip install -r requirements.txt, then COPY . /app'
      }
    ]
    expect(advice).toEqual(expected)
  })

  test.each([
    ['the inputs copied alone first', [copy(2, ['requirements.txt']), run('pip install -r requirements.txt'), copy(10, ['.'])]],
    ['a step that reads everything', [copy(3, ['.']), run('pip install .')]],
    ['a step that runs no installer', [copy(3, ['.']), run('python -m compileall app')]],
    ['nothing copied before it', [run('apt-get install -y curl'), copy(10, ['.'])]]
  ])('no advice: %s', (_, steps) => {
    expect(layerOrder(stage(steps), 0, history([5], [0, 10]), FILES, where)).toEqual([])
  })

  test('no advice when the copy costs fewer than 3 builds more than the inputs do', () => {
    const quiet = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18]
    expect(layerOrder(stage([copy(3, ['.']), run('pip install -r requirements.txt')]), 0, history(quiet, [0, 10]), FILES, where)).toEqual([])
  })

  test('a step that reads no file of the repository is to move before the copy', () => {
    const [advice] = layerOrder(stage([copy(3, ['.']), run('apt-get install -y curl')]), 0, history([], []), FILES, where)
    expect(advice).toMatchObject({ step: { inputs: [], changed: 0 }, rebuilt: 20, hitRate: { now: 0, after: 100 }, suggestion: 'move RUN apt-get install -y curl before COPY . /app' })
    expect(describeAdvice(advice, t => `«${t}»`)).toBe(
      '«COPY . /app» (changed in 20 of the last 20 commits) precedes «RUN apt-get install -y curl» (it reads no file of the repository): ' +
        'move it before «COPY . /app» and the step becomes a cache hit in about 100% of builds instead of 0%.'
    )
  })

  test('of several copies before the step, the one whose other files change most is named', () => {
    const steps = [copy(2, ['requirements.txt']), copy(3, ['docs']), copy(4, ['app']), run('pip install -r requirements.txt')]
    const changes = history([], [0]).map((paths, i) => (i < 5 ? [...paths, 'docs/x.md'] : paths))
    expect(layerOrder(stage(steps), 0, changes, FILES, where)[0]).toMatchObject({ line: 4, changed: 20, rebuilt: 20, step: { changed: 1 } })
  })
})

describe('running as root', () => {
  test.each([
    ['no USER', 'FROM x\nRUN true\n', 1, 'FROM x'],
    ['USER root', 'FROM x\nUSER root\n', 2, 'USER root'],
    ['USER 0:0', 'FROM x\nUSER 0:0\n', 2, 'USER 0:0'],
    ['a named final stage', 'FROM x AS base\nUSER app\nFROM x AS final\n', 3, 'FROM x AS final'],
    ['root inherited from the parent stage', 'FROM x AS base\nUSER root\nFROM base\n', 2, 'USER root']
  ])('%s: advice on line %s', (_, text, line, instruction) => {
    const stages = parseDockerfile(text)
    expect(runsAsRoot(stages, stages.length - 1, 'Dockerfile')).toMatchObject({ kind: 'root', line, instruction })
  })

  test.each([
    ['a USER', 'FROM x\nUSER 10001\n'],
    ['a USER inherited from the parent stage', 'FROM x AS base\nUSER app\nFROM base\n'],
    ['a port below 1024', 'FROM x\nEXPOSE 443\n']
  ])('%s: no advice', (_, text) => {
    const stages = parseDockerfile(text)
    expect(runsAsRoot(stages, stages.length - 1, 'Dockerfile')).toBeUndefined()
  })

  test('the sentence names a named stage, not an unnamed one', () => {
    const root = (text: string): RootAdvice => runsAsRoot(parseDockerfile(text), 0, 'Dockerfile') as RootAdvice
    expect(describeAdvice(root('FROM x AS final\n'))).toMatch(/^The final stage final runs as root \(the Dockerfile sets no USER\), and nothing/)
    expect(describeAdvice(root('FROM x\nUSER root\n'))).toMatch(/^USER root makes the final stage run as root, and nothing/)
  })
})

describe('advise, on a real repository', () => {
  test("a Dockerfile's own ignore file wins over the context's; the target is found in any case; the context is the Dockerfile's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashdock-advise-'))
    try {
      git(dir, ['init', '-q'])
      const dockerfileText = 'FROM x AS Final\nCOPY . .\nRUN npm ci\nUSER root\nFROM x AS other\nUSER 1000\n'
      write(dir, 'svc/docker/Dockerfile', dockerfileText)
      write(dir, 'svc/.dockerignore', '')
      write(dir, 'svc/docker/Dockerfile.dockerignore', 'docs\n')
      write(dir, 'svc/package.json', '{}')
      write(dir, 'outside.txt', '0')
      for (let i = 0; i < 12; i++) {
        write(dir, 'svc/docs/a.md', String(i))
        write(dir, 'outside.txt', String(i))
        if (i % 2) write(dir, 'svc/index.js', String(i))
        commitAll(dir, `c${i}`, 1_700_000_000 + i)
      }
      const commit = git(dir, ['rev-parse', 'HEAD'])
      const p: SourcePlan = {
        workspace: { repoDir: dir, workDir: dir, runId: 'x', defaultRef: 'HEAD' },
        commit,
        commitTime: 0,
        ref: 'HEAD',
        contextPath: 'svc',
        dockerfilePath: 'svc/docker/Dockerfile',
        dockerfile: { text: dockerfileText, stages: parseDockerfile(dockerfileText) },
        mtime: 'content',
        namedContexts: [],
        wholeTree: false,
        target: 'final'
      }
      const r = await advise(p, 100)
      expect(r).toMatchObject({ dockerfile: 'svc/docker/Dockerfile', dockerignore: 'svc/docker/Dockerfile.dockerignore', commits: 12 })
      // index.js in 6 commits, package.json (and the Dockerfiles) in the first: docs/ and outside.txt never count.
      expect(r.advice).toEqual([
        expect.objectContaining({ kind: 'layer-order', line: 2, changed: 7, rebuilt: 7, step: expect.objectContaining({ inputs: ['svc/package.json'], changed: 1 }) }),
        expect.objectContaining({ kind: 'root', line: 4, instruction: 'USER root', stage: 'Final' })
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('steps that write the wall clock into what they make', () => {
  const advised = (dockerfile: string): { line: number; tool: string; stage: string }[] => clockSteps(parseDockerfile(dockerfile), 'Dockerfile').map(a => ({ line: a.line, tool: a.tool, stage: a.stage }))

  test.each<[string, string, { line: number; tool: string; stage: string }[]]>([
    ['dpkg-deb without the argument', 'FROM base AS pkg\nRUN mkdir -p p/DEBIAN && dpkg-deb --build p out.deb\nFROM base\nCOPY --from=pkg /out.deb /', [{ line: 2, tool: 'dpkg-deb', stage: 'pkg' }]],
    ['dpkg-deb with the argument declared in the stage', 'FROM base AS pkg\nARG SOURCE_DATE_EPOCH\nRUN dpkg-deb -b p out.deb', []],
    ['the argument declared before FROM only (not seen by RUN)', 'ARG SOURCE_DATE_EPOCH\nFROM base\nRUN dpkg-deb --build p out.deb', [{ line: 3, tool: 'dpkg-deb', stage: '0' }]],
    ['the argument declared in the stage it starts from', 'FROM base AS a\nARG SOURCE_DATE_EPOCH\nFROM a AS b\nRUN python -m build --wheel', []],
    ['a wheel build', 'FROM base\nRUN pip wheel --no-deps -w /wheels .', [{ line: 2, tool: 'a Python wheel build', stage: '0' }]],
    ['tar creating an archive', 'FROM base\nARG SOURCE_DATE_EPOCH\nRUN tar -czf /out/app.tgz app', [{ line: 3, tool: 'tar', stage: '0' }]],
    ['tar with its own mtime and the argument', 'FROM base\nARG SOURCE_DATE_EPOCH\nRUN tar --sort=name --mtime=@$SOURCE_DATE_EPOCH -czf /out/app.tgz app', []],
    ['tar extracting', 'FROM base\nRUN tar -xzf vendor.tgz -C /opt', []],
    ['gzip without -n, then with it', 'FROM base\nRUN gzip -9 data.json\nRUN gzip -n9 more.json', [{ line: 2, tool: 'gzip', stage: '0' }]],
    ['zip and jar', 'FROM base\nRUN cd out && zip -r ../app.zip .\nRUN jar cf app.jar -C classes .', [{ line: 2, tool: 'zip', stage: '0' }, { line: 3, tool: 'jar', stage: '0' }]],
    ['compileall without the argument', 'FROM base\nRUN python3 -m compileall -q /app', [{ line: 2, tool: 'Python byte-compiling', stage: '0' }]],
    ['an installer is not a clock tool', 'FROM base\nRUN pip install -r requirements.txt && apt-get install -y gzip', []]
  ])('%s', (_, dockerfile, expected) => {
    expect(advised(dockerfile)).toEqual(expected)
  })

  test('the advice names the step, the tool and the one-line fix', () => {
    const [a] = clockSteps(parseDockerfile('FROM base AS pkg\nRUN dpkg-deb --build p out.deb'), 'Dockerfile')
    expect(describeAdvice(a)).toBe(
      "RUN dpkg-deb --build p out.deb runs dpkg-deb, which writes the build's own clock into what it makes, so two builds of one commit give two digests: declare ARG SOURCE_DATE_EPOCH in stage pkg: dpkg-deb reads it (hashdock passes the image clock as its value)."
    )
  })
})
