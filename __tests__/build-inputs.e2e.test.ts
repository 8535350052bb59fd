// What users bring from build-push-action, end to end: secrets that leave no trace, named contexts,
// labels and annotations, version tags, and one tested digest pushed to two registries.
import { beforeAll, describe, expect, jest, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { runAction, type ActionRun } from '../test/support/action.js'
import { FixtureRepo, git, tempDir } from '../test/support/repo.js'
import { bothRegistries, testbed } from '../test/support/testbed.js'

jest.setTimeout(300_000)

const SECRET = `hd-secret-${randomBytes(12).toString('hex')}`
const ENV_SECRET = `hd-env-secret-${randomBytes(12).toString('hex')}`
const FILE_SECRET = `hd-file-secret-${randomBytes(12).toString('hex')}`
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'

/** One registry's HTTP API, with its own login. */
function registryApi(host: string, username: string, password: string) {
  const headers = { Accept: accept, Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
  const repo = (image: string): string => image.slice(image.indexOf('/') + 1)
  return {
    async manifest(image: string, reference: string): Promise<{ digest?: string; body: Record<string, unknown> } | undefined> {
      const r = await fetch(`http://${host}/v2/${repo(image)}/manifests/${reference}`, { headers })
      const text = await r.text()
      if (r.status === 404) return undefined
      if (!r.ok) throw new Error(`${host} answered ${r.status} for ${image}:${reference}`)
      return { digest: r.headers.get('docker-content-digest') ?? undefined, body: JSON.parse(text) as Record<string, unknown> }
    },
    async blob(image: string, digest: string): Promise<Buffer> {
      const r = await fetch(`http://${host}/v2/${repo(image)}/blobs/${digest}`, { headers })
      const body = Buffer.from(await r.arrayBuffer())
      if (!r.ok) throw new Error(`${host} answered ${r.status} for blob ${digest}`)
      return body
    }
  }
}

const first = registryApi(testbed.registry, testbed.username, testbed.password)
const second = registryApi(testbed.registry2, testbed.username2, testbed.password2)

type Descriptor = { digest: string; mediaType: string }

/** Every blob of a manifest (config and layers), uncompressed, as one text to search. */
async function blobsText(api: typeof first, image: string, manifest: Record<string, unknown>): Promise<string> {
  const descriptors = [manifest.config as Descriptor | undefined, ...((manifest.layers as Descriptor[]) ?? [])].filter((d): d is Descriptor => Boolean(d))
  const parts: string[] = []
  for (const d of descriptors) {
    const raw = await api.blob(image, d.digest)
    const unpacked = d.mediaType.includes('gzip') ? gunzipSync(raw) : d.mediaType.includes('zstd') ? execFileSync('zstd', ['-d', '-c', '-q'], { input: raw, maxBuffer: 1 << 30 }) : raw
    parts.push(unpacked.toString('latin1'))
  }
  return parts.join('\n')
}

/** A PATH entry whose docker logs every argument list it is called with, then runs the real docker. */
function dockerArgvShim(): { dir: string; log: string } {
  const dir = tempDir('shim')
  const log = join(dir, 'argv.log')
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`)
  chmodSync(join(dir, 'docker'), 0o755)
  writeFileSync(log, '')
  return { dir, log }
}

const DOCKERFILE = `ARG BASE
FROM \${BASE}
COPY --from=extra greeting.txt /greeting.txt
RUN --mount=type=secret,id=token,required=true --mount=type=secret,id=envtok,required=true \\
    --mount=type=secret,id=filetok,required=true \\
    sha256sum /run/secrets/token /run/secrets/envtok /run/secrets/filetok | cut -d' ' -f1 > /secret-hashes.txt
RUN cat /etc/hosts | grep db.internal > /hosts.txt; ulimit -n > /nofile.txt; df -k /dev/shm | tail -n 1 > /shm.txt
RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo ssh-agent-forwarded > /ssh.txt
RUN tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ' | sed 's/^/netdevs: /' > /netdevs.txt
`

let origin: FixtureRepo
let older: string
let newer: string

beforeAll(() => {
  origin = new FixtureRepo()
    .write('Dockerfile', DOCKERFILE)
    .write('extra-ctx/greeting.txt', 'hello from a named context\n')
    .write('pull/Dockerfile', 'ARG BASE\nFROM ${BASE}\nCOPY --from=base /etc/os-release /base-os-release\n')
  older = origin.commit('first', '2024-01-02T03:04:05Z')
  newer = origin.write('VERSION', '2\n').commit('second', '2024-03-04T05:06:07Z')
  git(origin.dir, 'tag', 'v1.2.3', newer)
})

let keyFile: string
let secretFile: string

beforeAll(() => {
  const dir = tempDir('keys')
  keyFile = join(dir, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile])
  secretFile = join(dir, 'token.txt')
  writeFileSync(secretFile, FILE_SECRET, { mode: 0o600 })
})

function inputs(images: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...bothRegistries(images),
    'build-args': `BASE=${testbed.baseImage}\nNPM_TOKEN=not-a-real-token`,
    secrets: `token=${SECRET}`,
    'secret-envs': 'envtok=HASHDOCK_TEST_ENV_SECRET',
    'secret-files': `filetok=${secretFile}`,
    ssh: `default=${keyFile}`,
    network: 'none',
    'build-contexts': 'extra=extra-ctx',
    labels: 'org.opencontainers.image.description=built by the e2e test\ncom.example.team=platform',
    annotations: 'org.opencontainers.image.description=annotated by the e2e test',
    'add-hosts': 'db.internal=10.1.2.3',
    ulimit: 'nofile=1234:1234',
    'shm-size': '64m',
    cache: 'registry',
    // The test reads every layer's text: gzip, which node unpacks itself.
    compression: 'gzip',
    ...extra
  }
}

describe('build-push-action inputs, two registries', () => {
  const name = `e2e/inputs-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const images = [`${testbed.registry}/${name}`, `${testbed.registry2}/${name}`]
  let run: ActionRun
  let shim: { dir: string; log: string }
  let workspace: string

  beforeAll(async () => {
    shim = dockerArgvShim()
    workspace = origin.clone()
    run = await runAction({
      workspace,
      sha: newer,
      // BuildKit leaves secret values out of its cache keys, so a step cached by an earlier run with other
      // values would be reused: no-cache makes this run's secrets the ones the image was built with.
      inputs: inputs(images, { tags: 'latest\n{version}\nv{major}\n{branch}\n{pr}', 'no-cache': 'true' }),
      env: { PATH: `${shim.dir}:${process.env.PATH}`, HASHDOCK_TEST_ENV_SECRET: ENV_SECRET }
    })
  })

  test('the run succeeds', () => {
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
  })

  test('one digest in both registries, under every tag; the outputs list every reference', async () => {
    const digest = run.outputs.digest
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const tags = [newer, 'latest', '1.2.3', 'v1', 'main']
    expect(run.outputs.tags.split('\n').sort()).toEqual(images.flatMap(image => tags.map(t => `${image}:${t}`)).sort())
    expect(run.outputs.image).toBe(images.join('\n'))
    for (const [api, image] of [[first, images[0]], [second, images[1]]] as const) {
      for (const tag of tags) expect((await api.manifest(image, tag))?.digest).toBe(digest)
    }
  })

  test('{pr} outside a pull request is skipped with a notice, not an error', () => {
    expect(run.stdout).toMatch(/::notice::tags: '\{pr\}' skipped: the run is not for a pull request/)
  })

  test('a build argument that looks like a credential is warned about, pointing to secrets', () => {
    expect(run.stdout).toMatch(/::warning::build-args: NPM_TOKEN looks like a credential.*secrets/)
  })

  test('the secrets reached the build: their hashes are in the image, their values nowhere in it', async () => {
    const manifest = (await first.manifest(images[0], newer))?.body as Record<string, unknown>
    const text = await blobsText(first, images[0], manifest)
    expect(text).toContain(`${sha256(SECRET)}\n${sha256(ENV_SECRET)}\n${sha256(FILE_SECRET)}`)
    for (const secret of [SECRET, ENV_SECRET, FILE_SECRET]) expect(text).not.toContain(secret)
  })

  test('nor in the layer cache the build exported', async () => {
    const cache = (await first.manifest(images[0], 'buildcache'))?.body as Record<string, unknown>
    expect(cache).toBeDefined()
    const text = await blobsText(first, images[0], cache)
    expect(text.length).toBeGreaterThan(0)
    for (const secret of [SECRET, ENV_SECRET, FILE_SECRET]) expect(text).not.toContain(secret)
  })

  test('nor in the log, the outputs, the summary, the state or any docker argument list', () => {
    const argv = readFileSync(shim.log, 'utf8')
    expect(argv).toMatch(/buildx build .*--secret id=token,env=HASHDOCK_SECRET_0/)
    for (const text of [run.stdout.split('\n').filter(l => !l.startsWith('::add-mask::')).join('\n'), argv, JSON.stringify(run.outputs), run.summary, JSON.stringify(run.state)]) {
      for (const secret of [SECRET, ENV_SECRET, FILE_SECRET, testbed.password2]) expect(text).not.toContain(secret)
    }
  })

  test('labels: the user\'s beside hashdock\'s, the derived OCI ones, the revision the commit built', async () => {
    const manifest = (await first.manifest(images[0], newer))?.body as { config: Descriptor }
    const config = JSON.parse((await first.blob(images[0], manifest.config.digest)).toString()) as { config: { Labels: Record<string, string> }; history: unknown[] }
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.description': 'built by the e2e test',
      'com.example.team': 'platform',
      'org.opencontainers.image.revision': newer,
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'org.opencontainers.image.title': 'app'
    })
    expect(JSON.stringify(config.history)).not.toContain(SECRET)
  })

  test('annotations on the manifest', async () => {
    const manifest = (await first.manifest(images[0], newer))?.body as { annotations?: Record<string, string> }
    expect(manifest.annotations?.['org.opencontainers.image.description']).toBe('annotated by the e2e test')
  })

  test('the named context, add-hosts, ulimit, shm-size, ssh and network reached the build', async () => {
    const manifest = (await first.manifest(images[0], newer))?.body as { layers: Descriptor[] }
    // The layers the Dockerfile wrote, not the base image's.
    const text = await blobsText(first, images[0], { layers: manifest.layers.slice(1) })
    expect(text).toContain('hello from a named context')
    expect(text).toMatch(/10\.1\.2\.3\s+db\.internal/)
    expect(text).toContain('1234\n')
    expect(text).toMatch(/\s65536\s.*\/dev\/shm/)
    expect(text).toContain('ssh-agent-forwarded')
    // network: none leaves the RUN steps only the loopback interface.
    expect(text).toContain('netdevs: lo ')
  })

  test('the metadata output is BuildKit\'s metadata of the build', () => {
    const metadata = JSON.parse(run.outputs.metadata) as Record<string, unknown>
    expect(metadata['containerimage.digest']).toBe(run.outputs.digest)
  })

  describe('an older commit built later', () => {
    let again: ActionRun

    beforeAll(async () => {
      again = await runAction({ workspace, sha: older, inputs: inputs(images, { tags: 'latest\nsha-{short}' }), env: { HASHDOCK_TEST_ENV_SECRET: ENV_SECRET } })
    })

    test('is pushed under its own tags, but latest stays on the newer commit in both registries', async () => {
      expect(again.errors).toEqual([])
      expect(again.exitCode).toBe(0)
      for (const [api, image] of [[first, images[0]], [second, images[1]]] as const) {
        expect((await api.manifest(image, older))?.digest).toBe(again.outputs.digest)
        expect((await api.manifest(image, `sha-${older.slice(0, 7)}`))?.digest).toBe(again.outputs.digest)
        expect((await api.manifest(image, 'latest'))?.digest).toBe(run.outputs.digest)
      }
      expect(again.stdout).toMatch(/:latest stays on [0-9a-f]{40}, a newer commit/)
      expect(again.outputs.tags).not.toContain(':latest')
    })

    test('force-tags moves latest back when asked', async () => {
      const forced = await runAction({ workspace, sha: older, inputs: inputs(images, { tags: 'latest', 'force-tags': 'true' }), env: { HASHDOCK_TEST_ENV_SECRET: ENV_SECRET } })
      expect(forced.exitCode).toBe(0)
      for (const [api, image] of [[first, images[0]], [second, images[1]]] as const) {
        expect((await api.manifest(image, 'latest'))?.digest).toBe(again.outputs.digest)
      }
    })
  })
})

describe('a re-run that adds a registry', () => {
  test('copies the digest the first registry holds, byte for byte, without building again', async () => {
    const name = `e2e/inputs-reuse-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
    const images = [`${testbed.registry}/${name}`, `${testbed.registry2}/${name}`]
    const env = { HASHDOCK_TEST_ENV_SECRET: ENV_SECRET }
    const workspace = origin.clone()
    // A run reuses only an image a passing test attested: both runs test.
    const tested = { tags: 'latest', reuse: 'true', 'test-command': 'true' }
    const once = await runAction({ workspace, sha: newer, inputs: inputs(images.slice(0, 1), tested), env })
    expect(once.exitCode).toBe(0)
    expect(once.stdout).toMatch(/::group::Build /)
    expect(await second.manifest(images[1], newer)).toBeUndefined()

    const twice = await runAction({ workspace, sha: newer, inputs: inputs(images, tested), env })
    expect(twice.exitCode).toBe(0)
    // By digest first, then the full-hash tag: never a tag on a half-copied image.
    expect(twice.stdout).toContain(`Copying ${images[0]}@${once.outputs.digest} to ${images[1]}\n`)
    expect(twice.stdout).toContain(`Tagging ${images[1]}:${newer}\n`)
    expect(twice.stdout).not.toMatch(/::group::Build /)
    expect(twice.outputs.digest).toBe(once.outputs.digest)
    for (const tag of [newer, 'latest']) expect((await second.manifest(images[1], tag))?.digest).toBe(once.outputs.digest)
  })
})

describe('on a pull request', () => {
  test('{pr} and {branch} name the pull request and its head branch; {githash} the commit built', async () => {
    const run = await runAction({
      workspace: origin.clone(),
      sha: newer,
      // On the engine's own builder, which holds the local base image (a pull request's commit would get a builder of its own).
      inputs: { image: `${testbed.registry}/e2e/pr`, 'build-args': `BASE=${testbed.baseImage}`, push: 'false', 'isolate-builder': 'false', tags: '{pr}\n{branch}\nsha-{githash}', ...pick(inputs([]), ['secrets', 'secret-envs', 'secret-files', 'ssh', 'build-contexts']) },
      env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/5/merge', GITHUB_HEAD_REF: 'feature/login', HASHDOCK_TEST_ENV_SECRET: ENV_SECRET }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.tags.split('\n').map(r => r.slice(r.lastIndexOf(':') + 1))).toEqual([newer, 'pr-5', 'feature-login', `sha-${newer}`])
  })
})

describe('pull, and an image as a named context', () => {
  test('the base image and the named one come from the registry, with the run\'s login (build-login, since the run does not push)', async () => {
    const shim = dockerArgvShim()
    const run = await runAction({
      workspace: origin.clone(),
      sha: newer,
      inputs: {
        image: `${testbed.registry}/e2e/pull`,
        dockerfile: 'pull/Dockerfile',
        'build-args': `BASE=${testbed.baseRef}`,
        'build-contexts': `base=docker-image://${testbed.baseRef}`,
        pull: 'true',
        push: 'false',
        'build-login': 'true',
        'registry-username': testbed.username,
        'registry-password': testbed.password
      },
      env: { PATH: `${shim.dir}:${process.env.PATH}` }
    })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const build = readFileSync(shim.log, 'utf8').split('\n').find(l => l.startsWith('buildx build')) ?? ''
    expect(build).toContain(`--build-context base=docker-image://${testbed.baseRef}`)
    expect(build).toContain('--pull')
  })
})

function pick(from: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map(k => [k, from[k]]))
}

describe('bad inputs fail in one line naming the input', () => {
  test.each([
    ['registry-logins', { 'registry-logins': 'no-separator-here' }, /registry-logins: line 1 is not registry=username:password/],
    ['secret-envs', { 'secret-envs': 'x=NOT_SET_ANYWHERE_HD' }, /secret-envs: 'x': the environment variable NOT_SET_ANYWHERE_HD is not set/],
    ['build-contexts', { 'build-contexts': 'extra=no-such-dir' }, /build-contexts: 'extra=no-such-dir': 'no-such-dir' is not a directory/]
  ])('%s', async (_, extra, message) => {
    const run = await runAction({ workspace: origin.clone(), sha: newer, inputs: { image: `${testbed.registry}/e2e/bad`, 'build-args': `BASE=${testbed.baseImage}`, push: 'false', ...extra } })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors.join('\n')).toMatch(message)
    expect(run.stdout).not.toMatch(/\n\s+at /)
  })

  test('a refused login of the second registry names registry-logins, never the password', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`
    const run = await runAction({
      workspace: origin.clone(),
      sha: newer,
      inputs: { image: `${testbed.registry2}/e2e/bad`, 'registry-logins': `${testbed.registry2}=${testbed.username2}:${wrong}`, 'build-args': `BASE=${testbed.baseImage}` }
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors.join('\n')).toMatch(/registry-logins: \S+ refused the login of /)
    expect(run.stdout.split('\n').filter(l => !l.startsWith('::add-mask::')).join('\n')).not.toContain(wrong)
  })
})
