// The OCI image and distribution formats as hashdock reads and writes them: media types, descriptors, digests.
import { createHash } from 'node:crypto'

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
/** Docker's manifest and manifest list, which some builders and registries still hand out for OCI's. */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'

/** OCI 1.1's empty config: an artifact has no image configuration. */
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') }

/** os/arch[/variant], as an index entry and an image configuration give it. */
export type Platform = {
  os: string
  architecture: string
  variant?: string
}

/** What names a blob or a manifest: an index's entry, a manifest's config, layer or subject. */
export type Descriptor = {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  platform?: Platform
  annotations?: Record<string, string>
}

/** An image manifest: one platform's image, or an artifact (then with a subject it refers to). */
export type Manifest = {
  schemaVersion: number
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

/** An image index (or Docker's manifest list): the platforms' manifests, or a digest's referrers. */
export type Index = {
  schemaVersion: number
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

/** The fields of an image configuration hashdock reads. */
export type ImageConfig = Platform & {
  created?: string
  history?: { created_by?: string; empty_layer?: boolean }[]
}

/** The digest of `bytes`: sha256:<hex>. */
export const digestOf = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** Whether `text` is a digest as hashdock takes one: sha256: and 64 lowercase hex digits. */
export const isDigest = (text: string): boolean => /^sha256:[0-9a-f]{64}$/.test(text)

/** The hex of a sha256 digest, as an in-toto subject names it. */
export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')

/** Where an OCI layout keeps the blob `digest`: blobs/sha256/<hex>. */
export const blobPath = (digest: string): string => `blobs/${digest.replace(':', '/')}`

/** The tag a registry without the referrers API lists a digest's referrers under (OCI 1.1's fallback). */
export const fallbackTag = (digest: string): string => digest.replace(':', '-')

export const isIndex = (mediaType: string): boolean => mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST

/** Whether an index's entry is BuildKit's attestation manifest for an image beside it, not an image. */
export const isAttestationManifest = (d: Descriptor): boolean => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'

/** The entries an index's bytes list; none when it lists none. */
export const indexEntries = (bytes: Buffer): Descriptor[] => (JSON.parse(bytes.toString('utf8')) as Partial<Index>).manifests ?? []

/** os/arch[/variant]; arm64's v8 is its only variant, so it is left out as buildx does. */
export function platformName(p: Platform): string {
  const variant = p.variant && !(p.architecture === 'arm64' && p.variant === 'v8') ? `/${p.variant}` : ''
  return `${p.os}/${p.architecture}${variant}`
}
