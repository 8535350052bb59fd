// The engines and builders users run, as the test bed provisions them (scripts/provision.sh).
import { execFileSync } from 'node:child_process'
import { testbed } from './testbed.js'

export interface TestEngine {
  name: string
  /** What a user has, in words. */
  description: string
  /** The environment that selects this engine and builder, as a runner's would. */
  env: Record<string, string>
  /** Whether the engine keeps images in the containerd store (image ID = manifest digest). */
  containerdStore: boolean
  /** Whether the builder keeps its cache from one run to the next (hashdock brings no builder of its own). */
  cachesAcrossRuns: boolean
  /** Empties the builder's cache: a fresh runner. */
  coldBuilder(): void
  /**
   * Empties the cache of the builder the environment selects, also where hashdock brings a builder of
   * its own and never uses that one: a fresh runner for a plain `docker buildx build` there.
   */
  emptySelectedBuilder(): void
  docker(...args: string[]): string
}

/** What selects today's runner stack: its CLI first on PATH, its engine, its plugins and builders, a builder. */
function currentStack(builder: string): Record<string, string> {
  const { bin, host, config } = testbed.current
  return { PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: host, DOCKER_CONFIG: config, BUILDX_BUILDER: builder }
}

function engine(name: string, description: string, env: Record<string, string>, containerdStore: boolean, prune: string[] | undefined): TestEngine {
  const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }).trim()
  // Where hashdock keeps no builder, the selected one is the engine's own.
  const emptySelected = prune ?? ['builder', 'prune', '--all', '--force']
  return {
    name,
    description,
    env,
    containerdStore,
    cachesAcrossRuns: prune !== undefined,
    coldBuilder: () => void (prune && docker(...prune)),
    emptySelectedBuilder: () => void docker(...emptySelected),
    docker
  }
}

export const engines = {
  /** The containerd image store and the engine's own builder. */
  containerd: engine('containerd', 'containerd image store, the engine\'s own builder', { BUILDX_BUILDER: 'default' }, true, ['builder', 'prune', '--all', '--force']),
  /** No containerd store; a docker-container builder selected, as docker/setup-buildx-action leaves it. */
  container: engine(
    'container',
    'no containerd store, a docker-container builder selected',
    { DOCKER_HOST: testbed.classicHost, BUILDX_BUILDER: testbed.containerBuilder },
    false,
    ['buildx', 'prune', '--all', '--force', '--builder', testbed.containerBuilder]
  ),
  /** No containerd store and only the engine's own builder: hashdock brings a builder for the run, cold every time. */
  classic: engine('classic', 'no containerd store, only the engine\'s own builder', { DOCKER_HOST: testbed.classicHost, BUILDX_BUILDER: 'default' }, false, undefined),
  /** Today's runner stack (Docker 28, buildx 0.29, compose 2.40, containerd 2), no containerd store, only the engine's own builder. */
  current: engine('current', "today's runner stack, no containerd store, only the engine's own builder", currentStack('default'), false, undefined),
  /** The same, with a docker-container builder selected. */
  currentContainer: engine(
    'current-container',
    "today's runner stack, no containerd store, a docker-container builder selected",
    currentStack(testbed.current.builder),
    false,
    ['buildx', 'prune', '--all', '--force', '--builder', testbed.current.builder]
  ),
  /** A BuildKit daemon of its own, reached over TCP. */
  remote: engine(
    'remote',
    'a remote BuildKit daemon',
    { DOCKER_HOST: testbed.classicHost, BUILDX_BUILDER: testbed.remoteBuilder },
    false,
    ['buildx', 'prune', '--all', '--force', '--builder', testbed.remoteBuilder]
  )
} satisfies Record<string, TestEngine>
