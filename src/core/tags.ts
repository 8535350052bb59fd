// Extra tags: placeholders filled in from the commit, each result checked as a Docker tag.
import semver, { type SemVer } from 'semver'
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { isValidTag } from './image-ref.js'

export interface TagFacts {
  commit: string
  commitTime: number
  /** The githash input as the user gave it (a branch or tag name, say). */
  ref: string
  /** The highest semver tag (v prefix allowed) that points at the commit. */
  version?: SemVer
  /** The branch the commit was built for. */
  branch?: string
  /** The pull request's number, on pull-request events. */
  pr?: number
}

/** A placeholder's value for this commit, or undefined when it has none (a version on an untagged commit). */
type Fill = (facts: TagFacts) => string | undefined

// Branch names carry slashes; a tag cannot.
const tagSafe = (value: string): string => value.replace(/[^\w.-]/g, '-')

// {major} and {minor} name a release line: a prerelease (1.3.0-rc.1) must never move `1` or `1.3`.
const release = (f: TagFacts): SemVer | undefined => (f.version && f.version.prerelease.length === 0 ? f.version : undefined)

export const PLACEHOLDERS: Record<string, Fill> = {
  githash: f => f.commit,
  short: f => f.commit.slice(0, 7),
  ref: f => tagSafe(f.ref),
  date: f => new Date(f.commitTime * 1000).toISOString().slice(0, 10).replace(/-/g, ''),
  version: f => f.version && tagSafe(f.version.version),
  major: f => release(f) && String(release(f)?.major),
  minor: f => release(f) && `${release(f)?.major}.${release(f)?.minor}`,
  patch: f => f.version && String(f.version.patch),
  branch: f => f.branch && tagSafe(f.branch),
  pr: f => (f.pr === undefined ? undefined : `pr-${f.pr}`)
}

export interface ResolvedTags {
  /** The full commit hash first, then the extra tags, without duplicates. */
  tags: string[]
  /** Lines whose placeholders this commit cannot fill, with the reason: skipped, not an error. */
  skipped: { template: string; missing: string[] }[]
}

export function resolveTags(extra: string[], facts: TagFacts): ResolvedTags {
  const tags = [facts.commit]
  const skipped: ResolvedTags['skipped'] = []
  for (const template of extra) {
    const missing: string[] = []
    const value = releaseLine(template).replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!Object.hasOwn(PLACEHOLDERS, name)) return whole
      const filled = PLACEHOLDERS[name](facts)
      if (filled === undefined || filled === '') missing.push(name)
      return filled ?? ''
    })
    if (missing.length) {
      skipped.push({ template, missing })
      continue
    }
    if (!isValidTag(value)) {
      throw new InputError(Input.Tags, `'${template}' gives '${value}', not a valid tag (letters, digits, _ . -; at most 128)`)
    }
    if (!tags.includes(value)) tags.push(value)
  }
  return { tags, skipped }
}

/**
 * metadata-action's `{{major}}.{{minor}}` pattern, as a user moving from it writes it here: `{minor}` already
 * is `1.2`, so `{major}.{minor}` means the same release line, not `1.1.2`.
 */
const releaseLine = (template: string): string => template.replace(/\{major\}\.\{minor\}/g, '{minor}')

/** Why a placeholder has no value, for the notice that says a line was skipped. */
export function whyMissing(name: string): string {
  switch (name) {
    case 'version':
    case 'patch':
      return 'no semver tag (v1.2.3) points at the commit'
    case 'major':
    case 'minor':
      return 'no release semver tag (v1.2.3, not a prerelease) points at the commit'
    case 'branch':
      return 'the commit was not built for a branch'
    case 'pr':
      return 'the run is not for a pull request'
    default:
      return `{${name}} has no value`
  }
}

/** The highest semver version among tag names; undefined when none is one. */
export function highestVersion(tagNames: string[]): SemVer | undefined {
  const versions = tagNames.filter(t => /^v?\d/.test(t)).map(t => semver.parse(t)).filter((v): v is SemVer => v !== null)
  return semver.rsort(versions)[0]
}
