// A pull request's compose files against the bundled action, on one engine and its compose: every way
// into the host hashdock knows of, by kind. Each is refused with one line naming compose-file, or
// neutralised: the run passes and the trick has no effect. Nothing is pushed, leaked or left behind.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runAction, type ActionOptions } from './action.js'
import { credentials, dockerShim, expectNoSecret, expectRefused, leftovers, runnerSecrets } from './hostile.js'
import { uniqueImage } from './registry.js'
import { FixtureRepo, tempDir } from './repo.js'

export interface ComposeGeneration {
  /** e.g. "compose 2.26 (Docker 26)". */
  name: string
  /** What selects its engine, CLI, plugins and builder. */
  env: Record<string, string>
  /** The base image reference its builders read. */
  base: string
  /** An image the engine itself holds, for the test's own containers. */
  local: string
  /** Inputs the engine needs beside the case's (a builder, say). */
  inputs?: Record<string, string>
  docker(...args: string[]): string
}

/** Files of a case, relative to its directory; a value `-> target` is a symlink. */
type Files = Record<string, string>

const app = 'services:\n  app:\n    image: ${HASHDOCK_IMAGE}\n    command: ["sleep", "600"]\n'
/** The app and a service `evil` with more settings. */
const evil = (settings: string, top = ''): Files => ({ 'compose.yaml': `${app}  evil:\n    image: \${HASHDOCK_IMAGE}\n    command: ["sleep", "600"]\n${settings}${top}` })
const builds = (build: string): Files => ({ 'compose.yaml': `${app}  evil:\n    build: ${build}\n`, 'Dockerfile': 'FROM scratch\n' })
const top = (text: string): Files => ({ 'compose.yaml': `${app}${text}` })

/** [kind, files, what the one error line says after "compose-file: "]. */
const REFUSED: [string, Files, RegExp][] = [
  // What a container may be given of the host.
  ['privileged', evil('    privileged: true\n'), /service 'evil' sets privileged/],
  ['the host PID namespace', evil('    pid: host\n'), /service 'evil' sets pid/],
  ['the host IPC namespace', evil('    ipc: host\n'), /service 'evil' sets ipc/],
  ['the host network', evil('    network_mode: host\n'), /service 'evil' sets network_mode/],
  ["another container's network", evil('    network_mode: "container:buildx_buildkit_default"\n'), /service 'evil' sets network_mode/],
  ['the host UTS namespace', evil('    uts: host\n'), /service 'evil' sets uts/],
  ['the host user namespace', evil('    userns_mode: host\n'), /service 'evil' sets userns_mode/],
  ['the host cgroup namespace', evil('    cgroup: host\n'), /service 'evil' sets cgroup/],
  ['a cgroup parent', evil('    cgroup_parent: system.slice\n'), /service 'evil' sets cgroup_parent/],
  ['capabilities', evil('    cap_add: [SYS_ADMIN]\n'), /service 'evil' sets cap_add/],
  ['devices', evil('    devices: ["/dev/kmsg:/dev/kmsg"]\n'), /service 'evil' sets devices/],
  ['device cgroup rules', evil('    device_cgroup_rules: ["a *:* rwm"]\n'), /service 'evil' sets device_cgroup_rules/],
  ['GPUs', evil('    gpus: all\n'), /service 'evil' sets gpus/],
  ['another runtime', evil('    runtime: runc\n'), /service 'evil' sets runtime/],
  ['external links', evil('    external_links: [buildx_buildkit_default]\n'), /service 'evil' sets external_links/],
  ['seccomp unconfined', evil('    security_opt: ["seccomp=unconfined"]\n'), /security_opt: seccomp=unconfined/],
  ['a seccomp profile of the commit', { ...evil('    security_opt: ["seccomp=allow-all.json"]\n'), 'allow-all.json': '{"defaultAction": "SCMP_ACT_ALLOW"}\n' }, /security_opt: seccomp=allow-all.json/],
  ['apparmor unconfined', evil('    security_opt: ["apparmor=unconfined"]\n'), /security_opt: apparmor=unconfined/],
  ['an apparmor profile by name', evil('    security_opt: ["apparmor=docker-unconfined"]\n'), /security_opt: apparmor=docker-unconfined/],
  ['an SELinux type that is not confined', evil('    security_opt: ["label=type:spc_t"]\n'), /security_opt: label=type:spc_t/],
  ['SELinux labels off', evil('    security_opt: ["label=disable"]\n'), /security_opt: label=disable/],
  ['a privileged lifecycle hook', evil('    post_start: [{command: id, privileged: true}]\n'), /service 'evil' sets post_start/],
  ['devices through deploy', evil('    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}\n'), /service 'evil' sets deploy/],
  ['kernel parameters', evil('    sysctls: {net.ipv4.ip_forward: 1}\n'), /service 'evil' sets sysctls/],
  ['a logging driver', evil('    logging: {driver: syslog, options: {syslog-address: "udp://127.0.0.1:514"}}\n'), /service 'evil' sets logging/],
  ['name servers', evil('    dns: [127.0.0.1]\n'), /service 'evil' sets dns/],
  ['the OOM killer off', evil('    oom_kill_disable: true\n'), /service 'evil' sets oom_kill_disable/],
  ['the engine API socket (compose 2.36+)', evil('    use_api_socket: true\n'), /service 'evil' sets use_api_socket/],
  ['a provider service (compose 2.36+)', evil('    provider: {type: model, options: {model: x}}\n'), /service 'evil' sets provider/],
  ['models (compose 2.38+)', evil('    models: [m]\n', 'models:\n  m:\n    model: ai/x\n'), /service 'evil' sets models/],
  ['develop watch', evil('    develop: {watch: [{action: sync, path: /, target: /host}]}\n'), /service 'evil' sets develop/],
  // Host files and volumes into a container.
  ['a bind mount of /', evil('    volumes: ["/:/host"]\n'), /volumes: \/:\/host/],
  ['the docker socket', evil('    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n'), /volumes: \/var\/run\/docker.sock/],
  ['a bind mount of the checkout', evil('    volumes: ["./:/src"]\n'), /volumes: \.\/:\/src/],
  ['a long-form bind mount', evil('    volumes: [{type: bind, source: /etc, target: /e}]\n'), /a bind mount of \/etc/],
  ['a volume the project does not define', evil('    volumes: ["buildx_buildkit_default_state:/state"]\n'), /volumes: buildx_buildkit_default_state:\/state/],
  ["volumes from a container outside", evil('    volumes_from: ["container:buildx_buildkit_default"]\n'), /service 'evil' sets volumes_from/],
  ['a secret read from a host file', evil('    secrets: [s]\n', 'secrets:\n  s:\n    file: /etc/hostname\n'), /service 'evil' sets secrets/],
  ['a config read from a host file', evil('    configs: [c]\n', 'configs:\n  c:\n    file: /etc/hostname\n'), /service 'evil' sets configs/],
  ['an env_file outside the commit', evil('    env_file: ../../../../../../../../etc/hostname\n'), /env_file '.*etc\/hostname'/],
  ['an env_file through a symlink', { ...evil('    env_file: ./hostenv\n'), hostenv: '-> /etc/hostname' }, /env_file '.*hostenv'/],
  ['an interpolated env_file path', evil('    env_file: ${HOME}/.docker/config.json\n'), /env_file '.*\.docker\/config.json'/],
  ['an env_file carried by a merge key', { 'compose.yaml': `x-base: &base\n  env_file: /etc/hostname\n${app}  evil:\n    <<: *base\n    image: \${HASHDOCK_IMAGE}\n` }, /env_file '.*etc\/hostname'/],
  ['a named volume bound to a host path', evil('    volumes: ["data:/v"]\n', 'volumes:\n  data:\n    driver_opts: {type: none, o: bind, device: /etc}\n'), /volume 'data' sets driver_opts/],
  ['an external volume', evil('    volumes: ["data:/v"]\n', 'volumes:\n  data:\n    external: true\n'), /volume 'data' sets external/],
  ['a volume driver', evil('    volumes: ["data:/v"]\n', 'volumes:\n  data:\n    driver: local-persist\n'), /volume 'data' sets driver local-persist/],
  // Other projects' networks, and names outside the run.
  ['an external network', evil('    networks: [n]\n', 'networks:\n  n:\n    external: true\n'), /network 'n' sets external/],
  ['a network driver', top('networks:\n  default:\n    driver: macvlan\n'), /network 'default' sets driver macvlan/],
  ['network driver options', top('networks:\n  default:\n    driver_opts: {com.docker.network.bridge.name: docker0}\n'), /network 'default' sets driver_opts/],
  ['a fixed subnet', top('networks:\n  default:\n    ipam: {config: [{subnet: 172.17.0.0/16}]}\n'), /network 'default' sets ipam/],
  ['a network the project does not define', evil('    networks: [bridge]\n'), /service 'evil' sets networks bridge/],
  ['a fixed container name', evil('    container_name: buildx_buildkit_default\n'), /service 'evil' sets container_name/],
  ["compose's own labels", evil('    labels: {com.docker.compose.project: hashdock-other}\n'), /label com.docker.compose.project/],
  ["hashdock's own labels", evil('    labels: {dev.hashdock.run: other}\n'), /label dev.hashdock.run/],
  ['a service named like an option', { 'compose.yaml': `${app}  --follow:\n    image: \${HASHDOCK_IMAGE}\n` }, /the service name '--follow'/],
  ['an image named like an option', { 'compose.yaml': `${app}  evil:\n    image: "--help"\n` }, /service 'evil' sets image "--help"/],
  ['a dependency outside the project', evil('    depends_on: [ghost]\n'), /service 'evil' sets depends_on ghost/],
  // What a service build may do with the run's builder and credentials.
  ['a build context outside the commit', builds('{context: /etc}'), /build.context \/etc/],
  ['a build context through a symlink to /', { ...builds('{context: ./hostroot}'), hostroot: '-> /' }, /build.context .*hostroot/],
  ['a remote build context', builds('{context: "https://example.com/app.git"}'), /build.context https:/],
  ['a Dockerfile outside the commit', builds('{context: ., dockerfile: ../../../../../../etc/passwd}'), /build.dockerfile/],
  ['a build on the host network', builds('{context: ., network: host}'), /build.network/],
  ['a build with the SSH agent', builds('{context: ., ssh: [default]}'), /build.ssh/],
  ['a build with secrets', builds('{context: ., secrets: [s]}'), /build.secrets/],
  ['a build with entitlements', builds('{context: ., entitlements: [network.host]}'), /build.entitlements/],
  ['a privileged build', builds('{context: ., privileged: true}'), /build.privileged/],
  ['extra names for a built image', builds('{context: ., tags: ["127.0.0.1:5000/testbed/python:bookworm"]}'), /build.tags/],
  ['a cache export to a registry', builds('{context: ., cache_to: ["type=registry,ref=127.0.0.1:5000/evil:latest"]}'), /build.cache_to/],
  ['a cache import from a host directory', builds('{context: ., cache_from: ["type=local,src=/var/lib"]}'), /build.cache_from/],
  ['an OCI layout context on the host', builds('{context: ., additional_contexts: {base: "oci-layout:///var/lib/docker"}}'), /build.additional_contexts/],
  ['a build platform list', builds('{context: ., platforms: [linux/s390x]}'), /build.platforms/],
  // What compose would read before hashdock could look: includes, extends, .env files, YAML itself.
  ['an include over SSH', top('include:\n  - git@example.com:someone/absent.git\n'), /include 'git@example.com:someone\/absent.git' is remote/],
  ['an include over HTTPS', top('include:\n  - https://example.com/compose.yaml\n'), /include 'https:\/\/example.com\/compose.yaml' is remote/],
  ['an OCI include', top('include:\n  - oci://example.com/compose:latest\n'), /include 'oci:\/\/example.com\/compose:latest' is remote/],
  ['an include outside the commit', top('include:\n  - /etc/hashdock-nothing.yaml\n'), /include '\/etc\/hashdock-nothing.yaml' is outside the commit/],
  ['an include env_file outside the commit', { ...top('include:\n  - path: sub/compose.yaml\n    env_file: /etc/hostname\n'), 'sub/compose.yaml': 'services: {}\n' }, /include env_file '\/etc\/hostname' is outside the commit/],
  ['an include project_directory outside', { ...top('include:\n  - path: sub/compose.yaml\n    project_directory: /etc\n'), 'sub/compose.yaml': 'services: {}\n' }, /include project_directory '\/etc' is outside the commit/],
  ["an included project's .env that is a symlink", { ...top('include:\n  - sub/compose.yaml\n'), 'sub/compose.yaml': 'services: {}\n', 'sub/.env': '-> /etc/hostname' }, /the project's .env '.*sub\/.env' is a symlink outside the commit/],
  ["the project's .env that is a symlink", { ...top(''), '.env': '-> /etc/hostname' }, /the project's .env '.*\.env' is a symlink outside the commit/],
  ['extends from a file outside', evil('    extends: {file: /etc/hashdock-nothing.yaml, service: x}\n'), /extends.file '\/etc\/hashdock-nothing.yaml' is outside the commit/],
  ['extends in a circle', { 'compose.yaml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' }, /extends itself/],
  ['a second YAML document', { 'compose.yaml': `${app}---\nservices:\n  app:\n    privileged: true\n` }, /service 'app' sets privileged/],
  ['more than a hundred aliases', { 'compose.yaml': `x-a: &a [1]\nx-b: [${Array(150).fill('*a').join(', ')}]\n${app}` }, /cannot be read/],
  ['a tag only compose knows', { 'compose.yaml': `${app}    ports: !reset []\n` }, /cannot be read/],
  ['a key given twice', { 'compose.yaml': `${app}    image: other\n` }, /cannot be read/],
  ['a required variable that is unset', { 'compose.yaml': 'services:\n  app:\n    image: ${HASHDOCK_IMAGE}\n    command: ${ABSENT:?set ABSENT}\n' }, /variable ABSENT is required: set ABSENT/],
  ['more included files than the budget', { ...top(`include: [${Array.from({ length: 40 }, (_, i) => `i/${i}.yaml`).join(', ')}]\n`), ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`i/${i}.yaml`, 'services: {}\n'])) }, /more than 32 files/],
  ['a compose file larger than the budget', { 'compose.yaml': `${app}x-pad: "${'x'.repeat(1 << 20)}"\n` }, /larger than 1 MiB/]
]

/** Variables a project's .env could set to steer compose, the docker CLI, buildx or git: none may. */
const DOTENV: [string, string][] = [
  ['DOCKER_HOST', 'tcp://127.0.0.1:9'],
  ['DOCKER_CONTEXT', 'hashdock-evil'],
  ['DOCKER_CONFIG', '/tmp/hashdock-evil-config'],
  ['DOCKER_CERT_PATH', '/etc'],
  ['DOCKER_TLS_VERIFY', '1'],
  ['DOCKER_API_VERSION', '1.12'],
  ['DOCKER_DEFAULT_PLATFORM', 'linux/s390x'],
  ['BUILDX_BUILDER', 'hashdock-evil'],
  ['COMPOSE_FILE', '/etc/hostname'],
  ['COMPOSE_PROJECT_NAME', 'hashdock-victim'],
  ['COMPOSE_PROFILES', 'evil'],
  ['COMPOSE_ENV_FILES', '/etc/hostname'],
  ['COMPOSE_PATH_SEPARATOR', ';'],
  ['COMPOSE_EXPERIMENTAL_GIT_REMOTE', 'true'],
  ['GIT_SSH_COMMAND', 'touch PROOF'],
  ['GIT_CONFIG_GLOBAL', '/etc/hostname']
]

export function hostileComposeSuite(gen: ComposeGeneration): void {
  const shim = dockerShim(gen.env.PATH)
  const proofs = tempDir('proof')
  let origin: FixtureRepo
  let commit: string
  let cases = 0
  const counted = (): void => void cases++

  beforeAll(() => {
    origin = new FixtureRepo().write('Dockerfile', 'ARG BASE\nFROM ${BASE}\nWORKDIR /app\nCOPY . .\n')
    const links: [string, string][] = []
    const add = (dir: string, files: Files): void => {
      for (const [path, text] of Object.entries(files)) {
        if (text.startsWith('-> ')) links.push([join(origin.dir, dir, path), text.slice(3)])
        else origin.write(join(dir, path), text)
      }
    }
    for (const [kind, files] of REFUSED) add(`refused/${slug(kind)}`, files)
    // The commit from the report: a remote include, and a .env that turns git's SSH into a command.
    add('report', {
      'compose.yaml': 'include:\n  - git@example.com:someone/absent.git\nservices:\n  app: { image: "${HASHDOCK_IMAGE}", command: ["sleep", "600"] }\n',
      '.env': `COMPOSE_EXPERIMENTAL_GIT_REMOTE=true\nGIT_SSH_COMMAND='sh -c "id > ${proofs}/report; exit 1"'\n`
    })
    for (const [name, value] of DOTENV) {
      add(`dotenv/${name}`, {
        // The service proves it runs where hashdock put it; the profiled one would run only if COMPOSE_PROFILES were obeyed.
        // A service that builds, too: its build must not follow the variables either.
        'compose.yaml': `${app}  helper:\n    build: {context: ../../scoped/helper, args: {BASE: "\${BASE}"}}\n  profiled:\n    image: \${HASHDOCK_IMAGE}\n    privileged: true\n    profiles: [evil]\n`,
        '.env': `${name}=${value.replace('PROOF', join(proofs, name))}\n`
      })
    }
    add('scoped', {
      'compose.yaml': [
        'services:',
        '  app:',
        '    image: ${HASHDOCK_IMAGE}',
        // Starts only in an empty volume: a volume of someone else's would hold their file.
        '    command: ["sh", "-c", "test ! -e /v/keep && touch /v/written && exec sleep 600"]',
        '    volumes: ["data:/v"]',
        '  helper:',
        '    build: {context: helper, args: {BASE: "${BASE}"}}',
        '    image: ${VICTIM_IMAGE}',
        'volumes:',
        '  data:',
        '    name: ${VICTIM_VOLUME}',
        'networks:',
        '  default:',
        '    name: ${VICTIM_NETWORK}',
        ''
      ].join('\n'),
      'helper/Dockerfile': 'ARG BASE\nFROM ${BASE}\nCMD ["sleep", "600"]\n'
    })
    add('trusted', evil('    cap_add: [NET_ADMIN]\n'))
    for (const [link, target] of links) {
      mkdirSync(dirname(link), { recursive: true })
      symlinkSync(target, link)
    }
    commit = origin.commit('hostile compose files', '2024-06-07T08:09:10Z')
  })

  afterAll(() => {
    console.log(`hostile compose cases run on ${gen.name}: ${cases}`)
  })

  function options(inputs: Record<string, string>): ActionOptions {
    return {
      workspace: origin.clone(),
      sha: commit,
      env: { ...gen.env, PATH: `${shim.dir}:${gen.env.PATH ?? process.env.PATH}`, ...runnerSecrets() },
      inputs: { 'build-args': `BASE=${gen.base}`, 'compose-env': `BASE=${gen.base}`, ...credentials, ...gen.inputs, 'integration-command': 'true', ...inputs }
    }
  }

  describe(`${gen.name}: refused before anything is built, in one line naming compose-file`, () => {
    test.each(REFUSED.map(([kind, , message]) => [kind, message] as const))('%s', async (kind, message) => {
      counted()
      const image = uniqueImage('hostile-compose')
      const run = await runAction(options({ image, 'compose-file': `refused/${slug(kind)}/compose.yaml` }))
      await expectRefused(run, image, new RegExp(`^::error::compose-file: .*${message.source}`), shim.calls(), gen.docker)
      expect(run.stdout).not.toMatch(/::group::Build /)
    })

    test('the commit of the report: refused, and git never ran its command', async () => {
      counted()
      const image = uniqueImage('hostile-report')
      const run = await runAction(options({ image, 'compose-file': 'report/compose.yaml' }))
      await expectRefused(run, image, /^::error::compose-file: .*include 'git@example.com:someone\/absent.git' is remote/, shim.calls(), gen.docker)
      expect(existsSync(join(proofs, 'report'))).toBe(false)
    })
  })

  describe(`${gen.name}: a project .env steers nothing but the commit's own variables`, () => {
    test.each(DOTENV)('%s=%s', async name => {
      counted()
      const run = await runAction(options({ image: uniqueImage('hostile-dotenv'), push: 'false', 'compose-file': `dotenv/${name}/compose.yaml` }))
      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toMatch(/Starting app, helper \(/)
      expect(existsSync(join(proofs, name))).toBe(false)
      expect(gen.docker('ps', '--all', '--quiet', '--filter', 'label=com.docker.compose.project=hashdock-victim')).toBe('')
      expectNoSecret(run, shim.calls())
      expect(leftovers(run, gen.docker)).toEqual([])
    })
  })

  describe(`${gen.name}: names of the commit's own are scoped to the run`, () => {
    test('a named volume, a named network and an image name of things that existed before: used by none, touched by none', async () => {
      counted()
      const id = randomBytes(4).toString('hex')
      const volume = `hashdock-victim-${id}`
      const network = `hashdock-victim-${id}`
      const victimImage = `hashdock-victim-${id}:latest`
      gen.docker('volume', 'create', volume)
      gen.docker('run', '--rm', '-v', `${volume}:/v`, '--entrypoint', 'sh', gen.local, '-c', 'echo mine > /v/keep')
      gen.docker('network', 'create', network)
      gen.docker('tag', gen.local, victimImage)
      const before = gen.docker('image', 'inspect', '--format', '{{.Id}}', victimImage)
      try {
        const run = await runAction(
          options({ image: uniqueImage('hostile-scoped'), push: 'false', 'compose-file': 'scoped/compose.yaml', 'compose-env': `BASE=${gen.base}\nVICTIM_IMAGE=${victimImage}\nVICTIM_VOLUME=${volume}\nVICTIM_NETWORK=${network}` })
        )
        expect(run.errors).toEqual([])
        expect(run.exitCode).toBe(0)
        expect(gen.docker('run', '--rm', '-v', `${volume}:/v`, '--entrypoint', 'ls', gen.local, '/v')).toBe('keep')
        expect(gen.docker('network', 'inspect', '--format', '{{len .Containers}}', network)).toBe('0')
        expect(gen.docker('image', 'inspect', '--format', '{{.Id}}', victimImage)).toBe(before)
        expect(leftovers(run, gen.docker)).toEqual([])
      } finally {
        gen.docker('volume', 'rm', volume)
        gen.docker('network', 'rm', network)
        gen.docker('image', 'rm', victimImage)
      }
    })

    test('compose-trust: host hands the same kind of file to compose as it is', async () => {
      counted()
      // Past hashdock, compose runs the file: the run fails at the test, which proves nothing refused it.
      const run = await runAction(options({ image: uniqueImage('hostile-trusted'), push: 'false', 'compose-file': 'trusted/compose.yaml', 'compose-trust': 'host', 'integration-command': 'exit 3' }))
      expect(run.errors.at(-1)).toMatch(/integration tests failed \(exit 3\)/)
      expectNoSecret(run, shim.calls())
      expect(leftovers(run, gen.docker)).toEqual([])
    })
  })

  test(`${gen.name}: no docker call saw a secret, and the suite ran every kind`, () => {
    const calls = shim.calls()
    expect(calls).toMatch(/^ARGV compose /m)
    expect(calls).toMatch(/^ENV PATH=/m)
    expectNoSecret({ stdout: '', summary: '', outputs: {}, state: {}, errors: [], exitCode: 0, runnerTemp: '' }, calls)
    expect(cases).toBe(REFUSED.length + DOTENV.length + 3)
  })
}

const slug = (kind: string): string => kind.replace(/\W+/g, '-').replace(/^-|-$/g, '')
