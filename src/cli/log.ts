// The core's log, for a terminal: everything on standard error, which leaves standard output to the
// report or the JSON; a heading per phase, and how long it took.
import type { AnnotationProps, Log } from '../core/index.js'
import { CommandFence, neutralise, type CommandNeutraliser } from '../action/workflow-commands.js'
import { terminalMessage } from './messages.js'
import { painter } from './style.js'

const where = (props?: AnnotationProps): string =>
  props?.file ? ` (${props.file}${props.startLine ? `:${props.startLine}` : ''})` : ''

export interface TerminalLogOptions {
  verbose: boolean
  colour: boolean
  write?: (text: string) => void
  /**
   * Given when a GitHub runner reads the output (the CLI in a workflow's run: step): the neutraliser of
   * everything untrusted written there, which the log's own lines keep in step. Untrusted output is then
   * fenced as well, and the log's lines, which quote the commit's names, neutralised.
   */
  runner?: CommandNeutraliser
}

export function terminalLog({ verbose, colour, write = text => process.stderr.write(text), runner }: TerminalLogOptions): Log {
  const paint = painter(colour)
  const raw = (text: string): void => {
    write(`${text}\n`)
    runner?.newLine()
  }
  const line = (text: string): void => raw(runner ? neutralise(text) : text)
  const fence = new CommandFence(raw)
  return {
    info: message => line(message),
    debug: message => {
      if (verbose) line(paint('dim', `debug: ${message}`))
    },
    notice: (message, props) => line(`${paint('bold', 'notice:')} ${terminalMessage(message)}${where(props)}`),
    warning: (message, props) => line(`${paint('yellow', 'warning:')} ${terminalMessage(message)}${where(props)}`),
    error: (message, props) => line(`${paint('red', 'error:')} ${message}${where(props)}`),
    // The report lists the failed tests: the first ten are enough in the log above it.
    annotationLimit: 10,
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
    untrusted: runner ? fn => fence.around(fn) : fn => fn()
  }
}
