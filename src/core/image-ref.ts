// Image references, checked against the grammar of Docker's distribution/reference.

const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`
const repository = new RegExp(`^(?:${domain}/)?${component}(?:/${component})*$`)
const tag = /^[\w][\w.-]{0,127}$/

/** Docker Hub's host, as `docker login` names it when no registry is given. */
export const DOCKER_HUB = 'docker.io'

/** Why `name` is not a repository without tag or digest (e.g. ghcr.io/acme/app), or undefined when it is one. */
export function repositoryProblem(name: string): string | undefined {
  if (name.includes('@')) return 'must not carry a digest; give the repository only (e.g. ghcr.io/acme/app)'
  const last = name.split('/').at(-1) ?? ''
  if (last.includes(':')) return 'must not carry a tag; extra tags go in the tags input'
  if (name.length > 255) return 'is longer than 255 characters'
  if (!repository.test(name)) return 'is not a valid image repository (lowercase letters, digits and . _ - separators, e.g. ghcr.io/acme/app)'
  return undefined
}

export function isValidTag(value: string): boolean {
  return tag.test(value)
}

/** The registry host that holds a repository: its first component when it looks like a host. */
export function registryOf(name: string): string {
  const first = name.split('/')[0]
  const isHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  return isHost ? first : DOCKER_HUB
}

/**
 * Registries on this machine's loopback interface, which docker reaches without TLS: `localhost`,
 * `[::1]` and IPv4 literals in 127.0.0.0/8, with or without a port. A host name that merely starts
 * with 127 (127.evil.example) is not one.
 */
export function isLoopback(registry: string): boolean {
  const lower = registry.toLowerCase()
  const host = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d+$/, '')
  if (host === 'localhost' || host === '[::1]') return true
  const octets = host.split('.')
  return octets.length === 4 && octets[0] === '127' && octets.every(o => /^\d{1,3}$/.test(o) && Number(o) <= 255)
}
