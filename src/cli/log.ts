// The core's log, for a terminal: headings for groups, problems on standard error.
import { randomUUID } from 'node:crypto'
import type { AnnotationProps, Log } from '../core/log.js'

const where = (props?: AnnotationProps): string =>
  props?.file ? ` (${props.file}${props.startLine ? `:${props.startLine}` : ''})` : ''

export function terminalLog(verbose: boolean): Log {
  return {
    info: message => console.log(message),
    debug: message => {
      if (verbose) console.error(`debug: ${message}`)
    },
    notice: (message, props) => console.error(`notice: ${message}${where(props)}`),
    warning: (message, props) => console.error(`warning: ${message}${where(props)}`),
    error: (message, props) => console.error(`error: ${message}${where(props)}`),
    async group(name, fn) {
      console.log(`\n== ${name}`)
      return fn()
    },
    // A terminal has no workflow commands to guard against, but a workflow's run: step does.
    untrusted: process.env.GITHUB_ACTIONS === 'true' ? fencedForRunner : fn => fn()
  }
}

/** Run inside a GitHub Actions step, output from the commit goes where the runner obeys no command. */
async function fencedForRunner<T>(fn: () => Promise<T>): Promise<T> {
  const token = randomUUID()
  console.log(`::stop-commands::${token}`)
  try {
    return await fn()
  } finally {
    console.log(`\n::${token}::`)
  }
}
