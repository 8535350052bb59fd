// A release a team can pin: the license, the notices of both bundles, and one version named alike by
// package.json, the changelog, the README's pins and the script that rewrites those pins.
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOCS } from '../test/support/workflow-kit.js'

const read = (path: string): string => readFileSync(path, 'utf8')
const pkg = JSON.parse(read('package.json')) as { version: string; license: string; private?: boolean; files?: string[]; bin: Record<string, string> }

describe('the license and the notices', () => {
  test('LICENSE is the license package.json names', () => {
    expect(pkg.license).toBe('MIT')
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /)
  })

  test.each<[string, string[]]>([
    // Packages whose code is in each bundle; the lazy chunk's (signing) among them.
    ['dist/licenses.txt', ['@actions/core', '@actions/cache', '@actions/artifact', '@actions/attest', '@azure/storage-blob', '@sigstore/sign', 'yaml', 'p-map', 'fast-xml-parser']],
    ['dist/cli/licenses.txt', ['tar-stream', 'yaml', 'dockerfile-ast', 'fast-xml-parser', 'semver', 'dotenv']]
  ])('%s names every package bundled, each with its license', (file, names) => {
    const text = read(file)
    for (const name of names) expect(text).toMatch(new RegExp(`^  ${name.replace('/', '\\/')}@\\d\\S*  \\S`, 'm'))
    expect(text).not.toMatch(/^  hashdock@/m)
  })

  test('the CLI bundle lists none of the action-only packages', () => {
    expect(read('dist/cli/licenses.txt')).not.toMatch(/^  @actions\/(core|cache|artifact)@/m)
  })

  test('scripts/notices.mjs reads the packages from ncc statistics, chunks included, with their license texts', () => {
    const root = mkdtempSync(join(tmpdir(), 'hashdock-notices-'))
    const dep = (name: string, json: object, files: Record<string, string>): string => {
      const dir = join(root, 'node_modules', name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'package.json'), JSON.stringify(json))
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text)
      return dir
    }
    const a = dep('@scope/a', { name: '@scope/a', version: '1.2.3', license: 'MIT' }, { LICENSE: 'MIT text of a' })
    const b = dep('b', { name: 'b', version: '0.0.1', license: 'Apache-2.0' }, { 'LICENSE.txt': 'Apache text of b', NOTICE: 'b notice' })
    const old = dep('old', { name: 'old', version: '0.1.1' }, {})
    const stats = {
      modules: [
        { identifier: `${root}/node_modules/ts-loader/index.js!${a}/lib/index.js`, name: './node_modules/@scope/a/lib/index.js' },
        { identifier: 'webpack/runtime/node module decorator', name: 'webpack/runtime' },
        { identifier: `${root}/src/main.ts`, modules: [{ identifier: `${b}/index.js` }] },
        { identifier: `${old}/index.js`, chunks: [606] }
      ]
    }
    writeFileSync(join(root, 'stats.json'), JSON.stringify(stats))
    const run = spawnSync(process.execPath, ['scripts/notices.mjs', join(root, 'stats.json'), join(root, 'out.txt'), 'dist/x.js'], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    const text = readFileSync(join(root, 'out.txt'), 'utf8')
    expect(text).toMatch(/^Third-party software in dist\/x\.js\n/)
    expect(text).toContain('  @scope/a@1.2.3  MIT\n  b@0.0.1  Apache-2.0\n  old@0.1.1  not declared by the package\n')
    expect(text).toContain('MIT text of a')
    expect(text).toContain('Apache text of b\n\nb notice')
    expect(text).toContain('(The package ships no license file and declares no license.)')
    expect(text).not.toContain('ts-loader')
    expect(readdirSync(root)).toContain('out.txt')
  })
})

describe('one version', () => {
  const versions = [...read('CHANGELOG.md').matchAll(/^## \[?(\d+\.\d+\.\d+)\]?/gm)].map(m => m[1])

  test("package.json's version is the changelog's newest entry", () => {
    expect(versions[0]).toBe(pkg.version)
  })

  test('every hashdock pin of the README and the docs names one release the changelog lists, by its tag or by a commit with the tag beside it', () => {
    const pins = DOCS.flatMap(doc => [...read(doc).matchAll(/hashdock\/hashdock(?:\/[^@\s]+)?@(\S+)(.*)/g)])
    const named = pins
      .filter(m => !m[1].startsWith('vX') && !m[1].startsWith('<'))
      .map(m => (/^v\d+\.\d+\.\d+$/.test(m[1]) ? m[1] : /^[0-9a-f]{40}$/.test(m[1]) ? (/^ # (v\d+\.\d+\.\d+)$/.exec(m[2])?.[1] ?? `no version: ${m[0]}`) : `not a pin: ${m[0]}`))
    expect(named.length).toBeGreaterThanOrEqual(5)
    expect(new Set(named).size).toBe(1)
    expect(versions).toContain(named[0].slice(1))
    // A zero placeholder is not a commit anyone can use.
    for (const doc of DOCS) expect(read(doc)).not.toMatch(/hashdock\/hashdock\S*@0{40}/)
  })

  test('pin-release.sh turns the tag pins into commit pins with the tag beside them', () => {
    const root = mkdtempSync(join(tmpdir(), 'hashdock-pin-tags-'))
    mkdirSync(join(root, 'scripts'))
    mkdirSync(join(root, 'workflows'))
    mkdirSync(join(root, 'docs'))
    copyFileSync('scripts/pin-release.sh', join(root, 'scripts/pin-release.sh'))
    for (const doc of DOCS) copyFileSync(doc, join(root, doc))
    writeFileSync(join(root, 'workflows/x.yml'), 'jobs:\n  a:\n    uses: hashdock/hashdock/.github/workflows/build-test-push.yml@v0.1.0\n')
    const commit = '0123456789abcdef0123456789abcdef01234567'
    expect(spawnSync('bash', [join(root, 'scripts/pin-release.sh'), commit, 'v0.2.0']).status).toBe(0)
    const docs = DOCS.map(doc => readFileSync(join(root, doc), 'utf8')).join('\n')
    expect(docs).not.toMatch(/hashdock\/hashdock(?:\/[^@\s]+)?@v\d/)
    expect([...docs.matchAll(/hashdock\/hashdock(?:\/[^@\s]+)?@[0-9a-f]{40} # v0\.2\.0$/gm)].length).toBeGreaterThanOrEqual(5)
    // The Versions section's illustration is no pin and stays as written.
    expect(docs).toContain('hashdock/hashdock@vX.Y.Z\n')
    expect(readFileSync(join(root, 'workflows/x.yml'), 'utf8')).toContain(`build-test-push.yml@${commit} # v0.2.0\n`)
  })
})
