// Assembles one index from the tested images other jobs handed on, each checked against its record.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Built } from './build.js'
import { Input } from '../constants.js'
import { InputError } from '../errors.js'
import { RECORD_KIND, type HandedOnRecord } from './hand-on.js'
import type { Log } from '../log.js'
import { blobPath, digestOf, isDigest, OCI_INDEX, type Descriptor } from '../oci.js'
import { archivedImage, type ArchivedImage } from '../programs/oci-archive.js'
import type { Plan } from './plan.js'
import { copyLocally } from '../programs/registry.js'
import type { TestSuite } from '../results/junit.js'
import type { TestRun } from '../results/results.js'

/**
 * Reads every record in `dir`, checks that together they are exactly the platforms asked for, of this
 * commit, each tested and passed, and each archive the image its record names; then writes one OCI
 * layout whose index lists those images in the order of `platforms`, so the same archives always give
 * the same index digest. The layout is what publish pushes, byte for byte.
 */
export async function assemble(p: Plan, dir: string, workDir: string, log: Log): Promise<{ built: Built; tests: TestRun[]; suites: TestSuite[] }> {
  const started = Date.now()
  const records = await readRecords(dir)
  const wanted = p.strategy.platforms
  const byPlatform = new Map<string, { file: string; record: HandedOnRecord }>()
  for (const r of records) {
    const twice = byPlatform.get(r.record.platform)
    if (twice) throw new InputError(Input.AssembleFrom, `${r.record.platform} is handed on twice (${twice.file} and ${r.file}); keep one image per platform`)
    if (!wanted.includes(r.record.platform)) throw new InputError(Input.AssembleFrom, `${r.file} holds a ${r.record.platform} image, which platforms does not list (${wanted.join(',')})`)
    byPlatform.set(r.record.platform, r)
  }
  const missing = wanted.filter(w => !byPlatform.has(w))
  if (missing.length) {
    throw new InputError(Input.AssembleFrom, `holds no tested image for ${missing.join(', ')}: its job failed, or did not hand its image on; nothing was pushed`)
  }
  const commits = [...new Set(records.map(r => r.record.commit))]
  if (commits.length > 1) {
    throw new InputError(Input.AssembleFrom, `the images are of different commits (${records.map(r => `${r.record.platform}: ${r.record.commit.slice(0, 12)}`).join(', ')}); assemble the images of one commit`)
  }
  if (commits[0] !== p.commit) {
    throw new InputError(Input.AssembleFrom, `the images are of commit ${commits[0].slice(0, 12)}, not ${p.commit.slice(0, 12)} (githash); assemble them for the commit they were built from`)
  }

  for (const { file, record } of records) {
    const failed = record.tests.filter(t => !t.passed)
    if (!record.tests.length || failed.length) {
      throw new InputError(Input.AssembleFrom, `${file}: the ${record.platform} image ${failed.length ? 'failed its tests' : 'ran no test'}; only a tested image is assembled`)
    }
  }
  for (const { file, record } of records) {
    if (!(await stat(join(dir, record.archive)).catch(() => undefined))?.isFile()) {
      throw new InputError(Input.AssembleFrom, `${file} names ${record.archive}, which is not in the directory; download every file the platform job handed on`)
    }
  }

  const layout = join(workDir, 'assembled')
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true })
  const images: ArchivedImage[] = []
  let size = 0
  for (const platform of wanted) {
    const { file, record } = byPlatform.get(platform) as { file: string; record: HandedOnRecord }
    const archive = join(dir, record.archive)
    const image = await archivedImage(archive).catch((error: unknown) => {
      throw new InputError(Input.AssembleFrom, `${file}: ${(error as Error).message ?? String(error)}`)
    })
    if (image.digest !== record.digest || image.platform !== platform) {
      throw new InputError(Input.AssembleFrom, `${file} names the ${platform} image ${record.digest}, but ${record.archive} holds the ${image.platform} image ${image.digest}; nothing was pushed`)
    }
    log.info(`${platform}: ${image.digest}, tested (${record.tests.map(t => t.kind).join(', ')})`)
    // skopeo checks every blob's digest on the way; the manifests keep theirs.
    await copyLocally(['copy', '--quiet', '--all', '--preserve-digests', `oci-archive:${archive}`, `oci:${layout}:${basename(record.archive, '.tar')}`], `assembling the ${platform} image`, message =>
      new InputError(Input.AssembleFrom, `${record.archive} could not be read: ${message}; download every file the platform job handed on, unchanged`)
    )
    images.push(image)
    size += (await stat(archive)).size
  }

  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: images.flatMap(i => i.descriptors) }))
  const top: Descriptor = { mediaType: OCI_INDEX, digest: digestOf(index), size: index.length }
  await writeFile(join(layout, blobPath(top.digest)), index)
  // The index alone at the top, so the layout is one image: the assembled index.
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [top] }))
  const built: Built = {
    digest: top.digest,
    configDigest: '',
    archive: layout,
    size,
    reproducible: records.every(r => r.record.reproducible),
    seconds: (Date.now() - started) / 1000,
    metadata: {},
    platforms: images.map(i => ({ platform: i.platform, digest: i.digest, configDigest: i.configDigest }))
  }
  const inOrder = wanted.map(w => (byPlatform.get(w) as { record: HandedOnRecord }).record)
  return { built, tests: inOrder.flatMap(r => r.tests), suites: inOrder.flatMap(r => r.suites) }
}

/** Every record of the directory, by file name; a JSON file that is not one is left alone. */
async function readRecords(dir: string): Promise<{ file: string; record: HandedOnRecord }[]> {
  const names = await readdir(dir).catch(() => {
    throw new InputError(Input.AssembleFrom, `'${dir}' is not a directory; give the directory the platform jobs' images were downloaded into`)
  })
  const records: { file: string; record: HandedOnRecord }[] = []
  for (const file of names.filter(n => n.endsWith('.json')).sort()) {
    let record: Partial<HandedOnRecord>
    try {
      record = JSON.parse(await readFile(join(dir, file), 'utf8')) as Partial<HandedOnRecord>
    } catch {
      throw new InputError(Input.AssembleFrom, `${file} is not JSON; a record of a handed-on image was expected`)
    }
    if (record.kind !== RECORD_KIND) continue
    const valid =
      typeof record.platform === 'string' &&
      isDigest(record.digest ?? '') &&
      /^[0-9a-f]{40,64}$/.test(record.commit ?? '') &&
      // A file of the same directory: a record never points elsewhere.
      typeof record.archive === 'string' && record.archive === basename(record.archive) && record.archive.endsWith('.tar') &&
      Array.isArray(record.tests) &&
      // What the summary shows of each: only values of the kinds a test run has.
      record.tests.every(t => ['unit', 'integration'].includes(t.kind) && typeof t.passed === 'boolean' && typeof t.exitCode === 'number' && typeof t.seconds === 'number' && typeof t.command === 'string') &&
      Array.isArray(record.suites) &&
      record.suites.every(s => typeof s.name === 'string' && Array.isArray(s.cases) && s.cases.every(c => typeof c.name === 'string' && ['passed', 'failed', 'skipped'].includes(c.status)))
    if (!valid) throw new InputError(Input.AssembleFrom, `${file} is not a complete record of a handed-on image`)
    records.push({ file, record: record as HandedOnRecord })
  }
  return records
}
