// Text from a commit or its tests, made safe to show: no characters that reorder or hide what a reader sees.

/** Bidirectional controls (Trojan Source) and zero-width characters, which make shown text differ from what it is. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u061c\u180e]/g

export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '')
}
