// A commit's compose files read as data and translated by allow-list: what reaches compose, and what is refused.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { ComposeReadError, loadProject } from '../../../src/core/compose/load.js'
import { ComposeRefusal, writeProject } from '../../../src/core/compose/project.js'

let tree: string
const write = (path: string, text: string): void => {
  mkdirSync(dirname(join(tree, path)), { recursive: true })
  writeFileSync(join(tree, path), text)
}
beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'compose-tree-'))
})
afterEach(() => rmSync(tree, { recursive: true, force: true }))

async function translate(text: string, options: { tested?: string; env?: Record<string, string> } = {}) {
  write('compose.yaml', text)
  const source = await loadProject(tree, 'compose.yaml', { HASHDOCK_IMAGE: 'hashdock-run-1:abc', ...options.env })
  const written = await writeProject(source, { runId: 'r1', project: 'hashdock-r1', tested: options.tested, localRef: 'hashdock-run-1:abc', tree })
  return { ...written, project: parse(written.yaml) }
}

const svc = (extra: string): string => `services:\n  app:\n    image: \${HASHDOCK_IMAGE}\n  evil:\n    image: busybox\n${extra}`

describe('refused, naming the service and the setting', () => {
  test.each([
    ['privileged', '    privileged: true\n', /service 'evil' sets privileged/],
    ['pid host', '    pid: host\n', /sets pid/],
    ['network_mode', '    network_mode: host\n', /sets network_mode/],
    ['cap_add', '    cap_add: [SYS_ADMIN]\n', /sets cap_add/],
    ['devices', '    devices: ["/dev/kmsg:/dev/kmsg"]\n', /sets devices/],
    ['container_name', '    container_name: fixed\n', /sets container_name/],
    ['use_api_socket', '    use_api_socket: true\n', /sets use_api_socket/],
    ['provider', '    provider: {type: model}\n', /sets provider/],
    ['develop', '    develop: {watch: []}\n', /sets develop/],
    ['secrets', '    secrets: [s]\n', /sets secrets/],
    ['sysctls', '    sysctls: {net.core.somaxconn: 1024}\n', /sets sysctls/],
    ['logging', '    logging: {driver: syslog}\n', /sets logging/],
    ['seccomp profile', '    security_opt: ["seccomp=allow.json"]\n', /security_opt: seccomp=allow.json/],
    ['apparmor profile', '    security_opt: ["apparmor=docker-unconfined"]\n', /security_opt: apparmor=/],
    ['SELinux spc_t', '    security_opt: ["label=type:spc_t"]\n', /security_opt: label=type:spc_t/],
    ['a bind mount', '    volumes: ["/:/host"]\n', /volumes: \/:\/host/],
    ['a relative bind mount', '    volumes: ["./:/src"]\n', /volumes: \.\/:\/src/],
    ['a long-form bind mount', '    volumes: [{type: bind, source: /etc, target: /e}]\n', /a bind mount of \/etc/],
    ['a volume not of the project', '    volumes: ["data:/d"]\n', /volumes: data:\/d/],
    ["compose's own label", '    labels: {com.docker.compose.project: other}\n', /label com.docker.compose.project/],
    ['a dependency outside the project', '    depends_on: [ghost]\n', /depends_on ghost/],
    ['a network not of the project', '    networks: [elsewhere]\n', /networks elsewhere/],
    ['build tags', '    build: {context: ., tags: ["registry/base:latest"]}\n', /build.tags/],
    ['build cache_to', '    build: {context: ., cache_to: ["type=registry,ref=r/x"]}\n', /build.cache_to/],
    ['build cache_from', '    build: {context: ., cache_from: ["type=local,src=/"]}\n', /build.cache_from/],
    ['build additional_contexts', '    build: {context: ., additional_contexts: {x: "oci-layout:///var/lib"}}\n', /build.additional_contexts/],
    ['build network', '    build: {context: ., network: host}\n', /build.network/],
    ['build ssh', '    build: {context: ., ssh: [default]}\n', /build.ssh/],
    ['a build context outside', '    build: {context: /etc}\n', /build.context \/etc/],
    ['a Dockerfile outside', '    build: {context: ., dockerfile: ../../../etc/passwd}\n', /build.dockerfile/],
    ['an env_file outside', '    env_file: /etc/hostname\n', /env_file '.*etc\/hostname'/]
  ])('%s', async (_, extra, message) => {
    write('Dockerfile', 'FROM scratch\n')
    const error = await translate(svc(extra)).catch(e => e)
    expect(error).toBeInstanceOf(ComposeRefusal)
    expect(error.message).toMatch(message)
  })

  test.each([
    ['an image that reads as an option', 'services:\n  evil:\n    image: "--help"\n', /sets image "--help"/],
    ['a service named like an option', 'services:\n  --follow:\n    image: busybox\n', /service name '--follow'/],
    ['an external network', svc('networks: {n: {external: true}}\n'), /network 'n' sets external/],
    ['a network driver', svc('networks: {n: {driver: macvlan}}\n'), /network 'n' sets driver macvlan/],
    ['a volume bound to a host path', svc('volumes: {v: {driver_opts: {type: none, o: bind, device: /etc}}}\n'), /volume 'v' sets driver_opts/],
    ['an external volume', svc('volumes: {v: {external: true}}\n'), /volume 'v' sets external/]
  ])('%s', async (_, text, message) => {
    const error = await translate(text).catch(e => e)
    expect(error).toBeInstanceOf(ComposeRefusal)
    expect(error.message).toMatch(message)
  })
})

describe('read as compose reads it, failing closed', () => {
  test.each([
    ['a remote include over ssh', 'include:\n  - git@example.com:someone/absent.git\nservices: {}\n', /include 'git@example.com:someone\/absent.git' is remote/],
    ['a remote include over https', 'include:\n  - https://example.com/c.yaml\nservices: {}\n', /is remote/],
    ['an include outside the commit', 'include:\n  - /etc/compose.yaml\n', /include '\/etc\/compose.yaml' is outside the commit/],
    ['an include env_file outside', 'include:\n  - path: sub/compose.yaml\n    env_file: /etc/hostname\n', /include env_file '\/etc\/hostname' is outside/],
    ['an include project_directory outside', 'include:\n  - path: sub/compose.yaml\n    project_directory: /etc\n', /project_directory '\/etc' is outside/],
    ['extends from a file outside', 'services:\n  a:\n    extends: {file: /etc/x.yaml, service: b}\n', /extends.file '\/etc\/x.yaml' is outside/],
    ['extends in a circle', 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n', /extends itself/],
    ['extends of a service not there', 'services:\n  a:\n    extends: nothing\n', /does not define/],
    ['too many aliases', `x: &a [1]\ny: [${Array(150).fill('*a').join(', ')}]\nservices: {}\n`, /cannot be read/],
    ['a tag compose alone knows', 'services:\n  a:\n    image: busybox\n    ports: !reset []\n', /cannot be read/],
    ['duplicate keys', 'services:\n  a:\n    image: x\n    image: y\n', /cannot be read/],
    ['a required variable unset', 'services:\n  a:\n    image: ${IMAGE:?set IMAGE}\n', /variable IMAGE is required: set IMAGE/],
    ['a document that is a list', '- a\n', /not a mapping/],
    ['a service defined in two files', 'include: [sub/compose.yaml]\nservices:\n  s:\n    image: x\n', /service 's' is defined in both/]
  ])('%s', async (_, text, message) => {
    write('sub/compose.yaml', 'services:\n  s:\n    image: busybox\n')
    const error = await translate(text).catch(e => e)
    expect(error).toBeInstanceOf(ComposeReadError)
    expect(error.message).toMatch(message)
  })

  test("an included project's .env that is a symlink to a host file", async () => {
    write('sub/compose.yaml', 'services:\n  s:\n    image: busybox\n')
    symlinkSync('/etc/hostname', join(tree, 'sub', '.env'))
    await expect(translate('include: [sub/compose.yaml]\n')).rejects.toThrow(/the project's .env 'sub\/.env' is a symlink outside the commit/)
  })

  test('a merge key carrying env_file from outside is seen', async () => {
    const error = await translate('x-base: &base\n  env_file: /etc/hostname\nservices:\n  a:\n    <<: *base\n    image: busybox\n').catch(e => e)
    expect(error).toBeInstanceOf(ComposeRefusal)
    expect(error.message).toMatch(/env_file '.*etc\/hostname'/)
  })

  test('a second YAML document is read too', async () => {
    await expect(translate('services:\n  a:\n    image: busybox\n---\nservices:\n  a:\n    privileged: true\n')).rejects.toThrow(/service 'a' sets privileged/)
  })

  test('more files than the budget', async () => {
    for (let i = 0; i < 40; i++) write(`f${i}.yaml`, 'services: {}\n')
    await expect(translate(`include: [${Array.from({ length: 40 }, (_, i) => `f${i}.yaml`).join(', ')}]\n`)).rejects.toThrow(/more than 32 files/)
  })
})

describe('what compose gets', () => {
  test("the commit's .env and compose-env fill variables; compose-env wins; values reach compose literally", async () => {
    write('.env', 'TAG=from-dotenv\nPORT=8000\nGIT_SSH_COMMAND=sh -c "id > /tmp/proof"\n')
    const { project } = await translate('services:\n  db:\n    image: busybox:${TAG}\n    command: ["sh", "-c", "echo $$HOME ${PORT}"]\n    environment: [PORT, ABSENT]\n', { env: { TAG: 'given' } })
    expect(project.services.db.image).toBe('busybox:given')
    // $$ doubled again: compose substitutes nothing of the commit's.
    expect(project.services.db.command).toEqual(['sh', '-c', 'echo $$HOME 8000'])
    expect(project.services.db.environment).toEqual({ PORT: '8000' })
  })

  test('the tested service: the built image, no build, no host ports, no bind mounts; others: loopback ports, built by hashdock', async () => {
    write('redis/Dockerfile', 'FROM scratch\n')
    const { project, builds, pulls } = await translate(
      [
        'services:',
        '  app:',
        '    build: .',
        '    image: registry.example/base:latest',
        '    ports: ["8000:8000"]',
        '    volumes: ["./app:/srv/app", "cache:/cache"]',
        '    depends_on: {redis: {condition: service_healthy}}',
        '  redis:',
        '    build: {context: redis, args: {BASE: debian}}',
        '    image: registry.example/base:latest',
        '    ports: ["0.0.0.0:6379:6379", "9000/udp"]',
        '  db:',
        '    image: postgres:16',
        '    profiles: [debug]',
        'volumes:',
        '  cache:',
        '    name: someone-elses-volume',
        'networks:',
        '  default:',
        '    name: someone-elses-network',
        ''
      ].join('\n'),
      { tested: 'app' }
    )
    expect(project.services.app).toMatchObject({ image: 'hashdock-run-1:abc', pull_policy: 'never', volumes: [{ type: 'volume', source: 'cache', target: '/cache' }] })
    expect(project.services.app.ports).toBeUndefined()
    expect(project.services.app.build).toBeUndefined()
    expect(project.services.redis.image).toBe('hashdock-r1-redis')
    expect(project.services.redis.ports).toEqual([{ target: 6379, host_ip: '127.0.0.1' }, { target: 9000, host_ip: '127.0.0.1', protocol: 'udp' }])
    expect(builds).toEqual([{ service: 'redis', image: 'hashdock-r1-redis', context: join(tree, 'redis'), dockerfile: join(tree, 'redis', 'Dockerfile'), args: { BASE: 'debian' } }])
    expect(pulls).toEqual([])
    // A profile no one activated leaves the service out; names of the commit's own never reach compose.
    expect(project.services.db).toBeUndefined()
    expect(JSON.stringify(project)).not.toMatch(/someone-elses|registry.example/)
    expect(project.volumes.cache.labels).toEqual({ 'dev.hashdock.run': 'r1' })
    expect(project.services.redis.labels).toEqual({ 'dev.hashdock.run': 'r1' })
  })

  test('env_file of the commit, extends and includes, each from its own directory', async () => {
    write('sub/.env', 'IMG=busybox\n')
    write('sub/compose.yaml', 'services:\n  s:\n    extends: {file: base.yaml, service: b}\n    image: ${IMG}\n')
    write('sub/base.yaml', 'services:\n  b:\n    env_file: vars.env\n    environment: {B: "2"}\n')
    write('sub/vars.env', 'A=1\nB=1\n')
    const { project, pulls } = await translate('include: [sub/compose.yaml]\n')
    expect(project.services.s.environment).toEqual({ A: '1', B: '2' })
    expect(pulls).toEqual(['busybox'])
  })
})
