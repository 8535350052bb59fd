// The compose policy over compose's normalized configuration: what reaches the host is named, the rest passes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileReach, hostReach, inside, type ComposeJson } from '../src/core/programs/compose-policy.js'

let tree: string
let inTree: (path: string) => Promise<boolean>

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), 'hashdock-policy-'))
  mkdirSync(join(tree, 'redis'))
  symlinkSync('/', join(tree, 'root'))
  symlinkSync('redis', join(tree, 'redis-link'))
  inTree = inside(tree)
})
afterAll(() => rmSync(tree, { recursive: true, force: true }))

const service = (settings: Record<string, unknown>): ComposeJson => ({ services: { app: { image: 'x' }, evil: { image: 'x', ...settings } } })

describe('hostReach refuses what reaches the host, naming service and setting', () => {
  test.each<[string, ComposeJson, RegExp]>([
    ['privileged', service({ privileged: true }), /^service 'evil' sets privileged: true$/],
    ['pid host', service({ pid: 'host' }), /^service 'evil' sets pid: host$/],
    ['ipc host', service({ ipc: 'host' }), /^service 'evil' sets ipc: host$/],
    ['network_mode host', service({ network_mode: 'host' }), /^service 'evil' sets network_mode: host$/],
    ['network_mode of an unknown service', service({ network_mode: 'service:ghost' }), /network_mode: service:ghost/],
    ['network_mode of a container', service({ network_mode: 'container:abc' }), /network_mode: container:abc/],
    ['uts host', service({ uts: 'host' }), /uts: host/],
    ['userns_mode host', service({ userns_mode: 'host' }), /userns_mode: host/],
    ['cgroup host', service({ cgroup: 'host' }), /cgroup: host/],
    ['cgroup_parent', service({ cgroup_parent: 'x' }), /cgroup_parent: x/],
    ['cap_add', service({ cap_add: ['NET_ADMIN'] }), /cap_add: \["NET_ADMIN"\]/],
    ['devices', service({ devices: [{ source: '/dev/sda', target: '/dev/sda' }] }), /devices/],
    ['use_api_socket', service({ use_api_socket: true }), /use_api_socket: true/],
    ['a provider service', service({ provider: { type: 'model' } }), /provider/],
    ['gpus', service({ gpus: 'all' }), /gpus: all/],
    ['a runtime', service({ runtime: 'runsc' }), /runtime: runsc/],
    ['external_links', service({ external_links: ['db'] }), /external_links/],
    ['seccomp unconfined', service({ security_opt: ['seccomp:unconfined'] }), /security_opt: seccomp:unconfined/],
    ['label disable', service({ security_opt: ['label=disable'] }), /security_opt: label=disable/],
    ['a bind mount', service({ volumes: [{ type: 'bind', source: '/', target: '/host' }] }), /volumes: a bind mount of \//],
    ['volumes_from a container', service({ volumes_from: ['container:x'] }), /volumes_from: container:x/],
    ['a privileged post_start hook', service({ post_start: [{ command: 'x', privileged: true }] }), /privileged lifecycle hook/],
    ['a build context outside', service({ build: { context: '/etc' } }), /build.context: \/etc outside the commit/],
    ['a build context through a symlink', service({ build: { context: '/TREE/root/etc' } }), /build.context: .*root\/etc outside the commit/],
    ['a dockerfile outside', service({ build: { context: '/TREE', dockerfile: '../../etc/passwd' } }), /build.dockerfile: \/etc\/passwd outside/],
    ['an additional context outside', service({ build: { context: '/TREE', additional_contexts: { x: '/home' } } }), /build.additional_contexts.x: \/home outside/],
    ['build network host', service({ build: { context: '/TREE', network: 'host' } }), /build.network: host/],
    ['build ssh', service({ build: { context: '/TREE', ssh: ['default'] } }), /build.ssh/],
    ['build entitlements', service({ build: { context: '/TREE', entitlements: ['network.host'] } }), /build.entitlements/],
    ['build privileged', service({ build: { context: '/TREE', privileged: true } }), /build.privileged: true/],
    ['an env_file outside', service({ env_file: [{ path: '/etc/environment' }] }), /env_file: \/etc\/environment outside/],
    ['an external network', { services: {}, networks: { n: { external: true } } }, /^network 'n' is external/],
    ['a default network named host', { services: {}, networks: { default: { name: 'host' } } }, /^network 'default' is named host/],
    ['a macvlan network', { services: {}, networks: { n: { driver: 'macvlan' } } }, /^network 'n' uses the macvlan driver/],
    ['an external volume', { services: {}, volumes: { v: { external: true } } }, /^volume 'v' is external/],
    ['a volume bound to a host path', { services: {}, volumes: { v: { driver_opts: { type: 'none', o: 'bind', device: '/etc' } } } }, /^volume 'v' sets driver_opts/],
    ['a tmpfs volume bound anyway', { services: {}, volumes: { v: { driver_opts: { type: 'tmpfs', o: 'bind', device: 'tmpfs' } } } }, /^volume 'v' sets driver_opts/],
    ['a volume on a block device', { services: {}, volumes: { v: { driver_opts: { type: 'ext4', device: '/dev/sda1' } } } }, /^volume 'v' sets driver_opts/],
    ['an nfs volume', { services: {}, volumes: { v: { driver_opts: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/x' } } } }, /^volume 'v' sets driver_opts/],
    ['a secret from a host file', { services: {}, secrets: { s: { file: '/etc/shadow' } } }, /^secret 's' reads file: \/etc\/shadow outside/],
    ['a config from a host file', { services: {}, configs: { c: { file: '/etc/passwd' } } }, /^config 'c' reads file: \/etc\/passwd outside/]
  ])('%s', async (_, config, problem) => {
    const text = JSON.stringify(config).replace(/\/TREE/g, tree)
    const problems = await hostReach(JSON.parse(text) as ComposeJson, inTree)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(problem)
  })

  test('what stays inside the project passes', async () => {
    const config: ComposeJson = {
      services: {
        app: { image: 'x', network_mode: 'service:db', volumes: [{ type: 'volume', source: 'data', target: '/d' }, { type: 'tmpfs', target: '/t' }], cap_add: [] },
        db: { build: { context: join(tree, 'redis'), dockerfile: 'Dockerfile', additional_contexts: { base: 'docker-image://alpine' } }, pid: 'service:app', ipc: 'shareable', privileged: false, volumes_from: ['app'], security_opt: ['no-new-privileges:true'] },
        web: { build: { context: 'https://github.com/acme/app.git#main' }, env_file: [{ path: join(tree, 'redis', '.env') }], sysctls: { 'net.core.somaxconn': '1024' } },
        linked: { build: { context: join(tree, 'redis-link') } }
      },
      networks: { default: { name: 'hashdock-x_default' }, back: { driver: 'bridge' } },
      volumes: { data: { name: 'hashdock-x_data' }, scratch: { driver_opts: { type: 'tmpfs', device: 'tmpfs' } } },
      secrets: { s: { file: join(tree, 'redis', 'secret.txt') }, e: { environment: 'TOKEN' } }
    }
    expect(await hostReach(config, inTree)).toEqual([])
  })

  test('a service named like an Object property is not a service', async () => {
    expect(await hostReach(service({ network_mode: 'service:constructor' }), inTree)).toEqual(["service 'evil' sets network_mode: service:constructor"])
  })
})

describe('fileReach reads what compose would read before normalizing', () => {
  const file = (name: string, text: string): string => {
    writeFileSync(join(tree, name), text)
    return join(tree, name)
  }

  test.each<[string, string, RegExp]>([
    ['an include outside', 'include:\n  - /etc/compose.yaml\nservices: {}\n', /^include: \/etc\/compose.yaml outside the commit$/],
    ['an include in long form', 'include:\n  - path: [../../../../../../etc/x.yaml]\n', /^include: .*etc\/x.yaml outside/],
    ['an include env_file outside', 'include:\n  - path: redis/c.yaml\n    env_file: /etc/environment\n', /^include env_file: \/etc\/environment outside/],
    ['an env_file outside', 'services:\n  a:\n    env_file: /proc/self/environ\n', /^service 'a' sets env_file: \/proc\/self\/environ outside/],
    ['an env_file in long form', 'services:\n  a:\n    env_file:\n      - path: /etc/environment\n', /env_file: \/etc\/environment outside/],
    ['an env_file through a symlink', 'services:\n  a:\n    env_file: root/etc/environment\n', /env_file: root\/etc\/environment outside/],
    ['an interpolated path', 'services:\n  a:\n    env_file: ${HOME}/.netrc\n', /env_file: \$\{HOME\}\/.netrc is interpolated/],
    ['extends from outside', 'services:\n  a:\n    extends:\n      file: /etc/x.yaml\n      service: b\n', /^service 'a' sets extends.file: \/etc\/x.yaml outside/],
    ['a label_file outside', 'services:\n  a:\n    label_file: /etc/os-release\n', /env_file: \/etc\/os-release outside/]
  ])('%s', async (_, text, problem) => {
    const problems = await fileReach(file('compose.yaml', text), inTree)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(problem)
  })

  test('a .env beside the file that is a symlink to a host file', async () => {
    const dir = join(tree, 'dotenv')
    mkdirSync(dir)
    symlinkSync('/etc/hostname', join(dir, '.env'))
    writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n')
    expect(await fileReach(join(dir, 'compose.yaml'), inTree)).toEqual(["the project's .env: it is a symlink outside the commit"])
  })

  test('files it includes are read too', async () => {
    file('redis/compose.yaml', 'services:\n  r:\n    env_file: /etc/environment\n')
    const problems = await fileReach(file('compose.yaml', 'include:\n  - redis/compose.yaml\n'), inTree)
    expect(problems).toEqual(["service 'r' sets env_file: /etc/environment outside the commit"])
  })

  test('includes that include each other end', async () => {
    file('a.yaml', 'include: [b.yaml]\n')
    file('b.yaml', 'include: [a.yaml]\n')
    expect(await fileReach(join(tree, 'a.yaml'), inTree)).toEqual([])
  })

  test('paths inside the commit pass', async () => {
    const text = 'include: [redis/compose2.yaml]\nservices:\n  a:\n    env_file: [.env, redis/.env]\n    extends: {file: redis/base.yaml, service: b}\n'
    file('redis/compose2.yaml', 'services: {}\n')
    file('redis/base.yaml', 'services:\n  b:\n    image: x\n')
    expect(await fileReach(file('compose.yaml', text), inTree)).toEqual([])
  })
})

describe('inside', () => {
  test.each([
    ['the root itself', '', true],
    ['a file that does not exist yet', 'redis/new/file', true],
    ['a symlink to a directory inside', 'redis-link/x', true],
    ['a symlink to /', 'root/etc', false],
    ['a parent', '..', false],
    ['a sibling with the same prefix', '../' + 'x', false]
  ])('%s', async (_, rel, expected) => {
    expect(await inTree(join(tree, rel))).toBe(expected)
  })

  test('a sibling directory whose name starts with the root', async () => {
    expect(await inTree(`${tree}-other/x`)).toBe(false)
  })
})
