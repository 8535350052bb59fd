// Extra tags: placeholders filled in from the commit, each result checked as a Docker tag.
import { Input } from './constants.js'
import { InputError } from './errors.js'
import { isValidTag } from './image-ref.js'

export interface TagFacts {
  commit: string
  commitTime: number
  /** The githash input as the user gave it (a branch or tag name, say). */
  ref: string
}

export const PLACEHOLDERS: Record<string, (facts: TagFacts) => string> = {
  githash: f => f.commit,
  short: f => f.commit.slice(0, 7),
  // Branch names carry slashes; a tag cannot.
  ref: f => f.ref.replace(/[^\w.-]/g, '-'),
  date: f => new Date(f.commitTime * 1000).toISOString().slice(0, 10).replace(/-/g, '')
}

/** All tags of one build: the full commit hash first, then the extra ones, without duplicates. */
export function resolveTags(extra: string[], facts: TagFacts): string[] {
  const tags = [facts.commit]
  for (const template of extra) {
    const value = template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(PLACEHOLDERS, name) ? PLACEHOLDERS[name](facts) : whole))
    if (!isValidTag(value)) {
      throw new InputError(Input.Tags, `'${template}' gives '${value}', not a valid tag (letters, digits, _ . -; at most 128)`)
    }
    if (!tags.includes(value)) tags.push(value)
  }
  return tags
}
