// Delivers the files of --artifacts into --artifacts-dir, each below its stage's directory.
import { statSync } from 'node:fs'
import { copyFile, mkdir, utimes } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { type ArtifactSink, IMAGE_CLOCK } from '../core/index.js'
import { UsageError } from './args.js'

/** A new or existing directory; checked before anything is built, so a typo does not cost a build. */
export function artifactsDir(dir: string): ArtifactSink {
  const root = resolve(dir)
  try {
    if (!statSync(root).isDirectory()) throw new UsageError(`--artifacts-dir: '${dir}' is a file; give a new or existing directory`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return {
    async deliver(artifacts) {
      for (const f of artifacts.files) {
        const from = join(artifacts.dir, f.relativePath)
        const to = join(root, f.relativePath)
        await mkdir(dirname(to), { recursive: true })
        // A file of the same name from an earlier run is replaced; nothing else in the directory is touched.
        await copyFile(from, to)
        // The image clock, as exported: a copy would otherwise carry the time of the copy.
        await utimes(to, IMAGE_CLOCK, IMAGE_CLOCK)
      }
      // As the user wrote it: a relative directory stays relative, as in their shell.
      return `written to ${dir}`
    }
  }
}
