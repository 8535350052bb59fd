// Paths a commit names, judged where they really lead.
import { realpath } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'

/** Whether a path, symlinks followed, lies inside `root`; a path that does not exist yet is judged by its nearest existing parent. */
export function inside(root: string): (path: string) => Promise<boolean> {
  // Asked on the first question, not before: a promise nobody awaits must never be left to fail.
  let rootReal: Promise<string> | undefined
  return async path => {
    const top = await (rootReal ??= realpath(root))
    let probe = resolve(path)
    let rest = ''
    for (;;) {
      try {
        const real = await realpath(probe)
        const full = rest ? resolve(real, rest) : real
        return full === top || full.startsWith(top + sep)
      } catch {
        const parent = dirname(probe)
        if (parent === probe) return false
        rest = rest ? `${probe.slice(parent.length + 1)}${sep}${rest}` : probe.slice(parent.length + 1)
        probe = parent
      }
    }
  }
}
