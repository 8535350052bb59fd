// Terminal text: colour only where a person reads it, and nothing from a test able to drive the terminal.

export type Colour = 'red' | 'green' | 'yellow' | 'dim' | 'bold'

const CODES: Record<Colour, [number, number]> = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] }

export type Paint = (colour: Colour, text: string) => string

/** Colour on a terminal unless NO_COLOR is set to anything (no-color.org). */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR
}

export function painter(colour: boolean): Paint {
  return colour ? (c, text) => `\x1b[${CODES[c][0]}m${text}\x1b[${CODES[c][1]}m` : (_, text) => text
}

/** Untrusted text (test names, messages, a program's last words) with every escape sequence and control character removed. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(\x07|\x1b\\)?|\x1b./g, '').replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '')
}

/** Untrusted text on one line: cleaned, whitespace collapsed. */
export const oneLine = (text: string): string => plain(text).replace(/\s+/g, ' ').trim()
