// Dockerfile advice measured on a real repository's history: the CLI's report and facts, and one action
// run on the real engine whose log and summary carry the advice.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { runAction, type ActionRun } from '../test/support/action.js'
import { runCli } from '../test/support/cli.js'
import { historyRepo, type HistoryCommit } from '../test/support/history.js'
import { uniqueImage } from '../test/support/registry.js'
import { git, type FixtureRepo } from '../test/support/repo.js'
import { testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

// Line numbers matter: the advice names them.
const MULTI_STAGE = `# syntax=docker/dockerfile:1
ARG BASE=python:3.12-slim
FROM \${BASE} AS build
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir --prefix=/install -r requirements.txt

FROM \${BASE}
WORKDIR /app
COPY --from=build /install /usr/local
COPY --from=build /app /app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5
EXPOSE 8000
CMD ["python", "-m", "app"]
`

const WELL_ORDERED = `ARG BASE=python:3.12-slim
FROM \${BASE}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --uid 10001 app
USER 10001
EXPOSE 8000
CMD ["python", "-m", "app"]
`

/**
 * 60 commits. docs/ changes in every one, but .dockerignore keeps it out of the context; requirements.txt
 * changes in the first and in 25 and 45; the app in every other commit but the docs-only 11, 21, 31, 41
 * and 51. So `COPY . .` takes a changed file in 1 + 2 + 52 = 55 of 60 commits, the install's input in 3.
 */
function history(dockerfile: string, extra: Record<string, string> = {}): HistoryCommit[] {
  const commits: HistoryCommit[] = [
    {
      message: 'first version',
      files: {
        Dockerfile: dockerfile,
        'Dockerfile.good': WELL_ORDERED,
        '.dockerignore': '# docs never reach the image\ndocs/\n**/__pycache__\n',
        'requirements.txt': '# none yet\n',
        'app/__init__.py': '',
        'app/__main__.py': 'print("version 1")\n',
        'docs/notes.md': 'notes 1\n',
        ...extra
      }
    }
  ]
  for (let i = 2; i <= 60; i++) {
    const files: Record<string, string> = { 'docs/notes.md': `notes ${i}\n` }
    if (i === 25 || i === 45) files['requirements.txt'] = `# pinned in commit ${i}\n`
    else if (i % 10 !== 1) files['app/__main__.py'] = `print("version ${i}")\n`
    commits.push({ message: `commit ${i}`, files })
  }
  return commits
}

describe('hashdock advise', () => {
  let repo: FixtureRepo

  beforeAll(() => {
    repo = historyRepo(history(MULTI_STAGE))
  })

  test('--json: the facts, counted on the history with .dockerignore applied and --from copies skipped', async () => {
    const run = await runCli(['advise', '--repo', repo.dir, '--json'])
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const facts = JSON.parse(run.stdout)
    expect(facts).toMatchObject({ schemaVersion: 1, command: 'advise', status: 'passed', dockerfile: 'Dockerfile', dockerignore: '.dockerignore', commits: 60 })
    expect(facts.commit).toMatch(/^[0-9a-f]{40}$/)
    // Exactly two: the apt-get step after the --from copies is not judged against the app's history.
    expect(facts.advice).toEqual([
      {
        kind: 'layer-order',
        dockerfile: 'Dockerfile',
        line: 5,
        instruction: 'COPY . .',
        commits: 60,
        changed: 55,
        step: { line: 6, instruction: 'RUN pip install --no-cache-dir --prefix=/install -r requirements.txt', inputs: ['requirements.txt'], changed: 3 },
        rebuilt: 55,
        hitRate: { now: 8, after: 95 },
        suggestion: 'copy requirements.txt first (COPY requirements.txt ./), then RUN pip install --no-cache-dir --prefix=/install -r requirements.txt, then COPY . .'
      },
      {
        kind: 'root',
        dockerfile: 'Dockerfile',
        line: 8,
        instruction: 'FROM ${BASE}',
        stage: '1',
        suggestion: expect.stringContaining('USER 10001')
      }
    ])
  })

  test('the terminal report says it with numbers, on the Dockerfile lines', async () => {
    const run = await runCli(['advise', '--repo', repo.dir])
    expect(run.exitCode).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toMatch(/^⚠ Dockerfile: 2 pieces of advice, measured on the last 60 first-parent commits up to [0-9a-f]{12}, \.dockerignore applied$/)
    expect(run.stdout).toContain(
      '  Dockerfile:5  COPY . . (changed in 55 of the last 60 commits) precedes RUN pip install --no-cache-dir --prefix=/install -r requirements.txt ' +
        '(requirements.txt changed in 3): copy requirements.txt first and the step becomes a cache hit in about 95% of builds instead of 8%.\n'
    )
    expect(run.stdout).toContain('  Dockerfile:8  The final stage runs as root (the Dockerfile sets no USER)')
  })

  test('--commits measures fewer commits: the newest 20 of them', async () => {
    const run = await runCli(['advise', '--repo', repo.dir, '--json', '--commits', '20'])
    const facts = JSON.parse(run.stdout)
    // Commits 41–60: 41 and 51 change docs only, 45 the requirements; the app the 17 others.
    expect(facts.commits).toBe(20)
    expect(facts.advice[0]).toMatchObject({ changed: 18, step: { changed: 1 }, rebuilt: 18, hitRate: { now: 10, after: 95 } })
  })

  test('a well-ordered Dockerfile that drops root gets no advice', async () => {
    const run = await runCli(['advise', '--repo', repo.dir, '--dockerfile', 'Dockerfile.good', '--json'])
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ dockerfile: 'Dockerfile.good', commits: 60, advice: [] })
    const text = await runCli(['advise', '--repo', repo.dir, '--dockerfile', 'Dockerfile.good'])
    expect(text.stdout).toMatch(/^✔ Dockerfile\.good: no advice, measured on the last 60 first-parent commits/)
  })

  test('a shallow clone has too little history to judge the order: only the root advice', async () => {
    const run = await runCli(['advise', '--repo', repo.clone(1), '--json'])
    expect(run.exitCode).toBe(0)
    const facts = JSON.parse(run.stdout)
    expect(facts.commits).toBe(1)
    expect(facts.advice.map((a: { kind: string }) => a.kind)).toEqual(['root'])
  })

  test.each([
    [['advise', '--commits', 'many'], /^hashdock: --commits: 'many' is not a whole number of commits/],
    [['build', '--image', 'x/y', '--commits', '5'], /^hashdock: --commits: only hashdock advise reads it/],
    [['advise', '--dockerfile', 'Nope'], /^hashdock: --dockerfile: 'Nope' is not a file at commit [0-9a-f]{12}/]
  ])('%j is refused with one line', async (args, message) => {
    const run = await runCli([...args, '--repo', repo.dir])
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expect(run.exitCode).toBe(2)
  })
})

describe('the action advises in its log and summary', () => {
  let run: ActionRun

  beforeAll(async () => {
    // A tiny build the engine's own builder runs offline: the install has nothing to install.
    const dockerfile = `FROM ${testbed.baseImage}
WORKDIR /app
COPY . .
RUN pip install --no-index --no-cache-dir --break-system-packages -r requirements.txt
CMD ["python3", "-m", "app"]
`
    const repo = historyRepo(history(dockerfile))
    const workspace = repo.clone()
    run = await runAction({ workspace, sha: git(repo.dir, 'rev-parse', 'HEAD'), inputs: { image: uniqueImage('advise'), push: 'false' } })
  })

  test('the build succeeds, and each piece of advice is a warning on its Dockerfile line', () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.stdout).toMatch(/^::group::Build /m)
    expect(run.stdout).toContain('Dockerfile advice: 2 pieces, measured on the last 60 first-parent commits')
    const warnings = run.stdout.split('\n').filter(l => l.startsWith('::warning'))
    // A workflow command's message carries `%` as `%25`; the runner shows it as `%`.
    expect(warnings).toEqual([
      expect.stringMatching(/^::warning file=Dockerfile,line=3::COPY \. \. \(changed in 55 of the last 60 commits\) precedes RUN pip install .* cache hit in about 95%25 of builds instead of 8%25\.$/),
      expect.stringMatching(/^::warning file=Dockerfile,line=1::The final stage runs as root/)
    ])
  })

  test('the summary has a Dockerfile advice section', () => {
    expect(run.summary).toContain('### Dockerfile advice')
    expect(run.summary).toContain('Measured on the last 60 first-parent commits up to this one, with the rules of <code>.dockerignore</code>:')
    expect(run.summary).toContain(
      '- <code>Dockerfile:3</code>: <code>COPY . .</code> (changed in 55 of the last 60 commits) precedes <code>RUN pip install --no-index --no-cache-dir --break-system-packages -r requirements.txt</code> (<code>requirements.txt</code> changed in 3)'
    )
  })

  test('advice: false leaves it out', async () => {
    const repo = historyRepo(history('FROM scratch\nCOPY . .\n'))
    const off = await runAction({ workspace: repo.clone(), sha: git(repo.dir, 'rev-parse', 'HEAD'), inputs: { image: uniqueImage('advise-off'), push: 'false', advice: 'false' } })
    expect(off.exitCode).toBe(0)
    expect(off.stdout).not.toContain('::warning file=Dockerfile')
    expect(off.summary).not.toContain('Dockerfile advice')
  })
})
