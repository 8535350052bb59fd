// The test bed's names (registry, credentials, base image), as the provisioning script sees them.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const envFile = fileURLToPath(new URL('../../scripts/testbed.env', import.meta.url))

/**
 * scripts/testbed.env sourced by the shell, over this process's environment: a value set there wins, and a
 * default that names others (${XDG_CACHE_HOME:-$HOME/.cache}/…, $TESTBED_STATE/…) is filled in as the
 * scripts fill it in.
 */
function sourced(): Record<string, string> {
  const out = execFileSync('bash', ['-c', '. "$1" && env -0', 'bash', envFile], { encoding: 'utf8' })
  return Object.fromEntries(out.split('\0').filter(Boolean).map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

const values = sourced()

export const testbed = {
  registry: values.TESTBED_REGISTRY,
  username: values.TESTBED_REGISTRY_USER,
  password: values.TESTBED_REGISTRY_PASSWORD,
  /** A second registry with a login of its own. */
  registry2: values.TESTBED_REGISTRY2,
  username2: values.TESTBED_REGISTRY2_USER,
  password2: values.TESTBED_REGISTRY2_PASSWORD,
  baseImage: values.TESTBED_BASE_IMAGE,
  /** The base image in the registry, behind its login: how builders in containers or elsewhere read it. */
  baseRef: `${values.TESTBED_REGISTRY}/${values.TESTBED_BASE_PATH}`,
  classicHost: values.TESTBED_CLASSIC_HOST,
  containerBuilder: values.TESTBED_CONTAINER_BUILDER,
  remoteBuilder: values.TESTBED_REMOTE_BUILDER,
  /** linux/amd64 and linux/arm64 base images under one index in the registry. */
  multiBaseRef: `${values.TESTBED_REGISTRY}/${values.TESTBED_MULTI_BASE_PATH}`,
  /** A builder only the multi-platform tests use: they empty its cache for cold builds. */
  multiBuilder: values.TESTBED_MULTI_BUILDER,
  /** Today's runner stack: its engine, its docker CLI's directory, its docker configuration (buildx and compose), a docker-container builder on it. */
  current: {
    host: values.TESTBED_CURRENT_HOST,
    bin: values.TESTBED_CURRENT_BIN,
    config: values.TESTBED_CURRENT_CONFIG,
    builder: values.TESTBED_CURRENT_BUILDER
  },
  /** Node 24, which runs the action on GitHub's runners. */
  node24: values.TESTBED_NODE24
}

/** The inputs that push `images` to both of the test bed's registries, each with its own login. */
export function bothRegistries(images: string[]): Record<string, string> {
  return {
    image: images.join('\n'),
    'registry-username': testbed.username,
    'registry-password': testbed.password,
    'registry-logins': `${testbed.registry2}=${testbed.username2}:${testbed.password2}`
  }
}
