// What the GitHub runner reads as a workflow command, and how text from a commit is kept from being one:
// each line neutralised, and all of it fenced. The action and the CLI (in a workflow's run: step) share it.
import { randomUUID } from 'node:crypto'
import { StringDecoder } from 'node:string_decoder'
import { Writable } from 'node:stream'

/** U+2060 WORD JOINER: invisible, and not white space to .NET's Trim, which the runner trims lines with. */
export const WORD_JOINER = '\u2060'

/** Whether the runner could read any part of `text` as a command. */
export function looksLikeCommand(text: string): boolean {
  return text.includes('\r') || text.includes('##[') || /(^|\n)\s*::/.test(text)
}

/** .NET's white space (Char.IsWhiteSpace), and a few more that trimming elsewhere takes: none may hide a `::`. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  )
}

const COLON = 0x3a
const HASH = 0x23
const BRACKET = 0x5b
const LF = 0x0a
const CR = 0x0d

/**
 * Untrusted text made unreadable as commands, line by line and as it streams. The runner reads a line
 * whose trimmed start is `::`, and any line holding `##[`, and it starts a line at CR as well as LF. A
 * word joiner goes before a line's first `:` when nothing but white space comes before it, and between
 * `##` and `[`: neither parses any more, and the text reads as it did.
 */
export class CommandNeutraliser {
  /** Only white space since the last line break. */
  private lineStart = true
  /** `#` characters just before, counted up to two. */
  private hashes = 0

  push(text: string): string {
    const out: string[] = []
    let from = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (this.lineStart) {
        if (isSpace(c)) continue
        this.lineStart = false
        if (c === COLON) {
          out.push(text.slice(from, i), WORD_JOINER)
          from = i
        }
      }
      if (c === LF || c === CR) {
        this.lineStart = true
        this.hashes = 0
        continue
      }
      if (c === BRACKET && this.hashes === 2) {
        out.push(text.slice(from, i), WORD_JOINER)
        from = i
      }
      this.hashes = c === HASH ? Math.min(this.hashes + 1, 2) : 0
    }
    if (out.length === 0) return text
    out.push(text.slice(from))
    return out.join('')
  }

  /** A line of the program's own was written in between: what comes next starts a line. */
  newLine(): void {
    this.lineStart = true
    this.hashes = 0
  }
}

/** One piece of untrusted text, neutralised as if it started a line. */
export function neutralise(text: string): string {
  return new CommandNeutraliser().push(text)
}

/**
 * JSON the runner cannot read a command in, meaning the same: a pretty-printed line never starts with
 * `::`, and `#` is only ever inside a string, where `\u0023` says the same.
 */
export function commandFreeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replaceAll('#', '\\u0023')
}

/**
 * A stream that writes to `out` what a program prints, neutralised by `neutraliser`: the one that sees
 * every untrusted byte on its way to `out`, so that lines split across writes are still read whole.
 */
export function neutralisingStream(out: NodeJS.WritableStream, neutraliser: CommandNeutraliser): NodeJS.WritableStream {
  const decoder = new StringDecoder('utf8')
  return new Writable({
    // Written at once, in order with anything else written to `out`.
    write(chunk: Buffer, _encoding, done) {
      const text = decoder.write(chunk)
      if (text) out.write(neutraliser.push(text))
      done()
    }
  })
}

/**
 * Between `::stop-commands::<token>` and `::<token>::` the runner obeys no command, and the token is
 * unguessable. The runner echoes it into the log, though, which the commit's author can read: so the
 * lines inside are neutralised as well, and each fence gets a token of its own.
 */
export class CommandFence {
  private token: string | undefined

  /** `line` writes one line where the runner reads commands. */
  constructor(private readonly line: (text: string) => void) {}

  get open(): boolean {
    return this.token !== undefined
  }

  stop(): void {
    this.token = randomUUID()
    this.line(`::stop-commands::${this.token}`)
  }

  resume(): void {
    // A program may have left a line unfinished: the resume token must start a line of its own.
    this.line(`\n::${this.token}::`)
    this.token = undefined
  }

  /** Runs fn with commands stopped; a fence inside another is the same fence. */
  async around<T>(fn: () => Promise<T>): Promise<T> {
    if (this.open) return fn()
    this.stop()
    try {
      return await fn()
    } finally {
      this.resume()
    }
  }

  /** Runs a command of our own (annotation, group) even inside a fence, which then closes again. */
  command(emit: () => void): void {
    if (!this.open) return emit()
    this.resume()
    emit()
    this.stop()
  }
}
