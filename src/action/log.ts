// The core's log, written as GitHub workflow commands; text from the commit is never read as one.
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import type { AnnotationProps, Log } from '../core/log.js'
import { withoutInvisible } from '../core/text.js'

/**
 * The runner reads a line as a command when it starts with `::` or holds `##[` anywhere, and it splits
 * lines at CR as well as LF. Between `::stop-commands::<token>` and `::<token>::` it obeys none, so
 * untrusted output goes between the two; the token is unguessable, so that output cannot resume them.
 */
let fence: string | undefined

function stop(): void {
  fence = randomUUID()
  core.info(`::stop-commands::${fence}`)
}

function resume(): void {
  // A program may have left a line unfinished: the resume token must start a line of its own.
  core.info(`\n::${fence}::`)
  fence = undefined
}

/** Runs a command of our own (annotation, group) even inside a fence, which then closes again. */
function command(emit: () => void): void {
  if (!fence) return emit()
  resume()
  emit()
  stop()
}

/** Whether the runner could read any part of `text` as a command. */
export function looksLikeCommand(text: string): boolean {
  return text.includes('\r') || text.includes('##[') || /(^|\n)\s*::/.test(text)
}

/** Prints text that may hold bytes from the commit, its tests or its services. */
export function printUntrusted(text: string): void {
  if (fence || !looksLikeCommand(text)) return core.info(text)
  stop()
  core.info(text)
  resume()
}

async function fenced<T>(fn: () => Promise<T>): Promise<T> {
  if (fence) return fn()
  stop()
  try {
    return await fn()
  } finally {
    resume()
  }
}

// Annotations show test names and messages from the commit: nothing in them may reorder or hide text.
const annotate = (kind: 'notice' | 'warning' | 'error') => (message: string, props?: AnnotationProps) =>
  command(() => core[kind](withoutInvisible(message), props?.title ? { ...props, title: withoutInvisible(props.title) } : props))

// GitHub cannot nest groups: a group opened inside another closes the outer one first, so it shows at
// the top level (service logs after a failed start, inside Services), and the outer one does not close twice.
let groupOpen = false

export const actionLog: Log = {
  info: printUntrusted,
  debug: message => command(() => core.debug(message)),
  notice: annotate('notice'),
  warning: annotate('warning'),
  error: annotate('error'),
  async group(name, fn) {
    command(() => {
      if (groupOpen) core.endGroup()
      core.startGroup(name)
    })
    groupOpen = true
    try {
      return await fn()
    } finally {
      if (groupOpen) command(() => core.endGroup())
      groupOpen = false
    }
  },
  untrusted: fenced
}
