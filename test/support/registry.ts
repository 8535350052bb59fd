// The registry, asked through its own HTTP API (distribution v2), not through docker.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testbed } from './testbed.js'

const accept = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

const login = Buffer.from(`${testbed.username}:${testbed.password}`).toString('base64')
const auth = `Basic ${login}`

/** The test bed registry's login as a docker configuration's `auths` holds it. */
export function registryAuths(): Record<string, { auth: string }> {
  return { [testbed.registry]: { auth: login } }
}

/** The repository path inside the registry: the image name without its host. */
const path = (image: string): string => image.slice(image.indexOf('/') + 1)

/** The digest the registry holds for a tag, or undefined when the tag does not exist. */
export async function registryDigest(image: string, tag: string): Promise<string | undefined> {
  const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: accept, Authorization: auth }
  })
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${image}:${tag}`)
  return response.headers.get('docker-content-digest') ?? undefined
}

/** The manifest (or index) the registry holds for a tag, as its raw JSON text. */
export async function registryManifest(image: string, tag: string): Promise<string> {
  const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/manifests/${tag}`, { headers: { Accept: accept, Authorization: auth } })
  const body = await response.text()
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${image}:${tag}`)
  return body
}

/** Every tag of a repository; empty when the repository does not exist. */
export async function registryTags(image: string): Promise<string[]> {
  const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/tags/list`, { headers: { Authorization: auth } })
  // Read every body: an unread one keeps its connection, and the test process, open.
  const body = await response.text()
  if (response.status === 404) return []
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${image}`)
  return (JSON.parse(body) as { tags: string[] | null }).tags ?? []
}

export function uniqueImage(name: string): string {
  return `${testbed.registry}/e2e/${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

/** Pulls `image@digest` from the registry into the engine (with a login of the test's own) and returns that reference. */
export function pullFromRegistry(image: string, digest: string, env: Record<string, string> = {}): string {
  const config = mkdtempSync(join(tmpdir(), 'hashdock-test-pull-'))
  writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: registryAuths() }))
  const ref = `${image}@${digest}`
  try {
    execFileSync('docker', ['--config', config, 'pull', '--quiet', ref], { env: { ...process.env, ...env } })
  } finally {
    rmSync(config, { recursive: true, force: true })
  }
  return ref
}

/** A blob (a config, say) of a repository, as text. */
export async function registryBlob(image: string, digest: string): Promise<string> {
  const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/blobs/${digest}`, { headers: { Authorization: auth } })
  const body = await response.text()
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${image}@${digest}`)
  return body
}

/** A layer of a manifest: its digest and its compressed size in bytes. */
export interface RegistryLayer {
  digest: string
  size: number
}

/** The layers of the image manifest the registry holds for a tag or digest, in order. */
export async function registryLayers(image: string, reference: string): Promise<RegistryLayer[]> {
  const manifest = JSON.parse(await registryManifest(image, reference)) as { layers?: RegistryLayer[] }
  if (!manifest.layers) throw new Error(`${image}${reference.includes(':') ? '@' : ':'}${reference} is not an image manifest`)
  return manifest.layers.map(({ digest, size }) => ({ digest, size }))
}

/**
 * Deletes a repository's links to blobs (the test bed's registry allows deletes), so the next push of
 * the same blobs uploads them again instead of finding them there.
 */
export async function unlinkBlobs(image: string, digests: string[]): Promise<void> {
  for (const digest of digests) {
    const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/blobs/${digest}`, { method: 'DELETE', headers: { Authorization: auth } })
    await response.arrayBuffer()
  }
}

/** Deletes every tag of a repository, by the manifest each names; the repository's blobs stay. */
export async function deleteTags(image: string): Promise<void> {
  for (const tag of await registryTags(image)) {
    const digest = await registryDigest(image, tag)
    if (!digest) continue
    const response = await fetch(`http://${testbed.registry}/v2/${path(image)}/manifests/${digest}`, { method: 'DELETE', headers: { Authorization: auth } })
    await response.arrayBuffer()
  }
}
