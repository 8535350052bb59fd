// The core's log, for a terminal: everything on standard error, which leaves standard output to the
// report or the JSON; a heading per phase, and how long it took.
import { randomUUID } from 'node:crypto'
import type { AnnotationProps, Log } from '../core/log.js'
import { terminalMessage } from './messages.js'
import { painter } from './style.js'

const where = (props?: AnnotationProps): string =>
  props?.file ? ` (${props.file}${props.startLine ? `:${props.startLine}` : ''})` : ''

export interface TerminalLogOptions {
  verbose: boolean
  colour: boolean
  write?: (text: string) => void
}

export function terminalLog({ verbose, colour, write = text => process.stderr.write(text) }: TerminalLogOptions): Log {
  const paint = painter(colour)
  const line = (text: string): void => write(`${text}\n`)
  return {
    info: message => line(message),
    debug: message => {
      if (verbose) line(paint('dim', `debug: ${message}`))
    },
    notice: (message, props) => line(`${paint('bold', 'notice:')} ${terminalMessage(message)}${where(props)}`),
    warning: (message, props) => line(`${paint('yellow', 'warning:')} ${terminalMessage(message)}${where(props)}`),
    error: (message, props) => line(`${paint('red', 'error:')} ${message}${where(props)}`),
    async group(name, fn) {
      line(`\n${paint('bold', `▸ ${name}`)}`)
      const started = Date.now()
      const result = await fn()
      const seconds = (Date.now() - started) / 1000
      // Only long phases: a line after every quick step would be noise.
      if (seconds >= 2) line(paint('dim', `  ${name}: done in ${seconds.toFixed(1)} s`))
      return result
    },
    // A terminal has no workflow commands to guard against, but a workflow's run: step does: the fence
    // goes on the stream the untrusted output goes to.
    untrusted: process.env.GITHUB_ACTIONS === 'true' ? fn => fencedForRunner(fn, line) : fn => fn()
  }
}

/** Run inside a GitHub Actions step, output from the commit goes where the runner obeys no command. */
async function fencedForRunner<T>(fn: () => Promise<T>, line: (text: string) => void): Promise<T> {
  const token = randomUUID()
  line(`::stop-commands::${token}`)
  try {
    return await fn()
  } finally {
    line(`\n::${token}::`)
  }
}
