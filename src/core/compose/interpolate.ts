// Compose's variable substitution (`$NAME`, `${NAME:-default}`, `${NAME?error}`, `$$`), done by hashdock
// so compose is never asked to read a commit's file with an environment of its own.

export type Variables = Record<string, string>

/** Raised for `${NAME?message}` with NAME unset, and for text compose could not read either. */
export class InterpolationError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/** Substitutes every variable of `text`; one left-to-right pass, so the time is linear in the text. */
export function interpolate(text: string, vars: Variables): string {
  return substitute(text, 0, vars, false).value
}

/** Every string of a parsed YAML value interpolated (keys are not, as in compose). */
export function interpolateAll(value: unknown, vars: Variables): unknown {
  if (typeof value === 'string') return interpolate(value, vars)
  if (Array.isArray(value)) return value.map(v => interpolateAll(v, vars))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)]))
  return value
}

/** Reads from `start` until the end, or (nested) until the `}` that closes a `${…}`; returns where it stopped. */
function substitute(text: string, start: number, vars: Variables, nested: boolean): { value: string; end: number } {
  let out = ''
  let i = start
  while (i < text.length) {
    const c = text[i]
    if (nested && c === '}') return { value: out, end: i }
    if (c !== '$') {
      out += c
      i++
      continue
    }
    const next = text[i + 1]
    if (next === '$') {
      out += '$'
      i += 2
    } else if (next === '{') {
      const braced = expression(text, i + 2, vars)
      out += braced.value
      i = braced.end + 1
    } else {
      const name = NAME.exec(text.slice(i + 1, i + 1 + 256))?.[0]
      if (name) {
        out += vars[name] ?? ''
        i += 1 + name.length
      } else {
        out += '$'
        i++
      }
    }
  }
  if (nested) throw new InterpolationError(`'${text.slice(0, 80)}' has a \${ without its closing }`)
  return { value: out, end: i }
}

/** `NAME`, then an optional operator and a word that may itself hold variables; stops at the closing `}`. */
function expression(text: string, start: number, vars: Variables): { value: string; end: number } {
  const name = NAME.exec(text.slice(start, start + 256))?.[0]
  if (!name) throw new InterpolationError(`'${text.slice(0, 80)}' has an invalid \${…} expression`)
  let i = start + name.length
  const set = Object.hasOwn(vars, name)
  const value = set ? vars[name] : undefined
  if (text[i] === '}') return { value: value ?? '', end: i }
  if (i >= text.length) throw new InterpolationError(`'${text.slice(0, 80)}' has a \${ without its closing }`)
  const colon = text[i] === ':'
  if (colon) i++
  const op = text[i]
  if (op !== '-' && op !== '?' && op !== '+') throw new InterpolationError(`'${text.slice(0, 80)}' has an invalid \${…} expression`)
  const word = substitute(text, i + 1, vars, true)
  // With a colon, an empty value counts as unset.
  const present = colon ? !!value : set
  if (op === '-') return { value: present ? value! : word.value, end: word.end }
  if (op === '+') return { value: present ? word.value : '', end: word.end }
  if (!present) throw new InterpolationError(`variable ${name} is required: ${word.value || `set ${name}`}`)
  return { value: value!, end: word.end }
}
