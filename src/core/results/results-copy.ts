// Test results taken from the tar a test container's `docker cp` writes, on its way: regular files only,
// up to a budget of bytes and files, so what a test wrote can neither fill the runner nor point past itself.
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { extract } from 'tar-stream'
import { RESULT_LIMITS } from './results.js'

/** As much as the results reader could use, and the first file too large for it (which it then names). */
export const COPY_LIMITS = { bytes: RESULT_LIMITS.totalBytes + RESULT_LIMITS.fileBytes, files: 2 * RESULT_LIMITS.files }

/** The copy stopped at its budget; what was copied before stays. */
export class CopyBudgetError extends Error {
  constructor(limits: typeof COPY_LIMITS) {
    super(`more than ${limits.bytes >> 20} MB or ${limits.files} files; results were copied up to there`)
    this.name = 'CopyBudgetError'
  }
}

/**
 * A tar stream's regular files written below `dir`. Symlinks, hard links and devices are left out, as are
 * names that would leave `dir`; an entry past the budget is not written, and the stream fails with
 * CopyBudgetError, which stops the program writing it.
 */
export function resultsExtractor(dir: string, limits = COPY_LIMITS): NodeJS.WritableStream {
  const tar = extract()
  let files = 0
  let bytes = 0
  tar.on('entry', (header, entry, next) => {
    const name = posix.normalize(header.name)
    const inside = name !== '.' && name !== '..' && !name.startsWith('../') && !posix.isAbsolute(name)
    if (header.type !== 'file' || !inside) {
      entry.on('end', () => next())
      entry.resume()
      return
    }
    bytes += header.size
    if (++files > limits.files || bytes > limits.bytes) return next(new CopyBudgetError(limits))
    const target = join(dir, name)
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o644 })))
      .then(() => next(), next)
  })
  return tar
}
