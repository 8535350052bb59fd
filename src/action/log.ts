// The core's log, written as GitHub workflow commands; text from the commit is never read as one.
import * as core from '@actions/core'
import { type AnnotationProps, type ExecOutput, type Log, withoutInvisible } from '../core/index.js'
import { CommandFence, CommandNeutraliser, looksLikeCommand, neutralise, neutralisingStream } from './workflow-commands.js'

// Everything written to standard output: our own lines, and what programs print, neutralised on its way.
const untrustedLines = new CommandNeutraliser()

/** Writes a line of our own: what a program prints after it starts a line. */
function say(text: string): void {
  core.info(text)
  untrustedLines.newLine()
}

const fence = new CommandFence(say)

/** Where programs print: standard error joined to standard output, so the runner sees one order. */
export const actionExecOutput: ExecOutput = {
  stdout: neutralisingStream(process.stdout, untrustedLines),
  stderr: neutralisingStream(process.stdout, untrustedLines),
  // Command lines, with every build argument, only with step debug logging; a command of our own, even in a fence.
  command: line => actionLog.debug(line)
}

/** Prints text that may hold bytes from the commit, its tests or its services: neutralised, and fenced. */
export function printUntrusted(text: string): void {
  const safe = neutralise(text)
  if (fence.open || !looksLikeCommand(text)) return say(safe)
  fence.stop()
  say(safe)
  fence.resume()
}

/** A command of our own, even inside a fence; a line of its own, so what follows starts a line. */
function ownCommand(emit: () => void): void {
  fence.command(() => {
    emit()
    untrustedLines.newLine()
  })
}

// Annotations show test names and messages from the commit: nothing in them may reorder or hide text.
const annotate = (kind: 'notice' | 'warning' | 'error') => (message: string, props?: AnnotationProps) =>
  ownCommand(() => core[kind](withoutInvisible(message), props?.title ? { ...props, title: withoutInvisible(props.title) } : props))

// GitHub cannot nest groups: a group opened inside another closes the outer one first, so it shows at
// the top level (service logs after a failed start, inside Services), and the outer one does not close twice.
let groupOpen = false

export const actionLog: Log = {
  info: printUntrusted,
  debug: message => ownCommand(() => core.debug(message)),
  notice: annotate('notice'),
  warning: annotate('warning'),
  error: annotate('error'),
  // GitHub shows at most ten error annotations of a step.
  annotationLimit: 10,
  async group(name, fn) {
    ownCommand(() => {
      if (groupOpen) core.endGroup()
      core.startGroup(name)
    })
    groupOpen = true
    try {
      return await fn()
    } finally {
      if (groupOpen) ownCommand(() => core.endGroup())
      groupOpen = false
    }
  },
  untrusted: fn => fence.around(fn)
}
