// Hands a tested image on to a later job: the archive that was tested, byte for byte, and a record of what it is.
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestSuite } from '../results/junit.js'
import type { Built } from './build.js'
import type { Plan } from './plan.js'
import type { TestRun } from '../results/results.js'

/** What a record says it is: an assembly reads no other JSON of the directory. */
export const RECORD_KIND = 'hashdock/tested-image'

/** The record beside a handed-on archive: which platform's image it is, of which commit, and the tests it passed. */
export interface HandedOnRecord {
  kind: typeof RECORD_KIND
  /** os/arch[/variant] the image was built and tested for. */
  platform: string
  /** Digest of the platform image's manifest: what its tests ran. */
  digest: string
  commit: string
  reproducible: boolean
  /** The archive's file name, in the same directory. */
  archive: string
  /** Every test run of the image; each passed, or nothing was handed on. */
  tests: Omit<TestRun, 'resultsDir'>[]
  /** The test results those runs wrote, read here: the assembly's attestation names their cases. */
  suites: TestSuite[]
}

/** File names of a platform's archive and record: one pair per platform, so jobs can share a directory. */
function handOnNames(platform: string): { archive: string; record: string } {
  const slug = platform.replace(/\//g, '-')
  return { archive: `${slug}.tar`, record: `${slug}.json` }
}

/**
 * Writes the archive, then the record: a directory holding a record holds its whole archive. Only a
 * run whose every test passed hands on, and only the image those tests ran.
 */
export async function handOn(p: Plan, built: Built, tests: TestRun[], suites: TestSuite[], dir: string): Promise<string> {
  const [platform] = p.strategy.platforms
  // One platform's image, or the one image of an index that holds its attestations too.
  const digest = built.platforms[0]?.digest ?? built.digest
  if (!tests.length || !tests.every(t => t.passed && t.digest === digest)) {
    throw new Error(`the ${platform} image ${digest} is not the one every passing test ran: nothing was handed on`)
  }
  const names = handOnNames(platform)
  await mkdir(dir, { recursive: true })
  const archive = join(dir, names.archive)
  // Copied under a temporary name first, so a cut-short copy never sits under the archive's own name.
  await copyFile(built.archive, `${archive}.partial`)
  await rename(`${archive}.partial`, archive)
  const record: HandedOnRecord = {
    kind: RECORD_KIND,
    platform,
    digest,
    commit: p.commit,
    reproducible: built.reproducible,
    archive: names.archive,
    tests: tests.map(({ resultsDir: _, ...run }) => run),
    suites
  }
  await writeFile(join(dir, names.record), `${JSON.stringify(record, null, 2)}\n`)
  return archive
}
