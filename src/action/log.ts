// The core's log, written as GitHub workflow commands.
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import type { Log } from '../core/log.js'

// GitHub cannot nest groups: a group opened inside another closes the outer one first, so it shows at
// the top level (service logs after a failed start, inside Services), and the outer one does not close twice.
let groupOpen = false

export const actionLog: Log = {
  info: message => core.info(message),
  debug: message => core.debug(message),
  notice: (message, props) => core.notice(message, props),
  warning: (message, props) => core.warning(message, props),
  error: (message, props) => core.error(message, props),
  async group(name, fn) {
    if (groupOpen) core.endGroup()
    core.startGroup(name)
    groupOpen = true
    try {
      return await fn()
    } finally {
      if (groupOpen) core.endGroup()
      groupOpen = false
    }
  },
  async untrusted(fn) {
    // Between these markers the runner ignores workflow commands, so test output cannot set outputs,
    // add masks or end groups. The token is unguessable, so the output cannot resume them either.
    const token = randomUUID()
    core.info(`::stop-commands::${token}`)
    try {
      return await fn()
    } finally {
      core.info(`::${token}::`)
    }
  }
}
