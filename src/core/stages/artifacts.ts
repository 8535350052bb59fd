// Files out of build stages (the artifacts input): checked in plan, exported right after the image
// build from the same build, and handed to the adapter only once the tests passed.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Input } from '../constants.js'
import { ARTIFACTS_STAGE } from '../build-inputs.js'
import type { ArtifactFile, Artifacts } from '../workspace.js'
import type { BuildContext } from './context.js'
import { InputError, lastLine } from '../errors.js'
import { run } from '../programs/exec.js'
import type { Log } from '../log.js'
import type { Plan } from './plan.js'
import { buildxArgs } from './buildx-args.js'
import { setTimes } from './context.js'
import { IMAGE_CLOCK } from './strategy.js'






/**
 * One more build on the same builder, with the same context, arguments, secrets and clock, of a copy of
 * the Dockerfile with one stage appended that copies just the requested paths: every stage before it is
 * a cache hit of the image build, and only those paths leave the builder (the local exporter would
 * otherwise send a stage's whole root file system). BuildKit's local exporter sets every timestamp from
 * SOURCE_DATE_EPOCH; they are set to the image clock once more here, so a BuildKit that does not gives
 * the same files.
 */
export async function exportArtifacts(p: Plan, context: BuildContext, workDir: string, log: Log): Promise<Artifacts> {
  const requested = p.build.artifacts
  const dockerfile = join(workDir, 'artifacts.Dockerfile')
  const copies = requested.map(a => `COPY --from=${a.stage} ${JSON.stringify([`/${a.path}`, `/${a.stage}/${a.path}`])}`)
  await writeFile(dockerfile, `${p.dockerfile.text}\n\nFROM scratch AS ${ARTIFACTS_STAGE}\n${copies.join('\n')}\n`)
  const dir = join(workDir, 'artifacts')
  const { args, env } = buildxArgs(p, context, { kind: 'artifacts', dockerfile, stage: ARTIFACTS_STAGE, dest: dir })
  log.info(`Exporting ${requested.map(a => `${a.stage}:${a.path}`).join(', ')}`)
  const r = await run('docker', args, { stream: true, env, allowFailure: true })
  if (r.exitCode !== 0) {
    const line = lastLine(r.stderr || r.stdout).replace(/^ERROR:\s*/, '')
    // BuildKit names a path COPY cannot find by its absolute path in the stage: said as the line was written.
    const missing = requested.find(a => line.includes(`"/${a.path}": not found`))
    if (missing) throw new InputError(Input.Artifacts, `'${missing.stage}:${missing.path}': the stage ${missing.stage} has no /${missing.path}; check the path, relative to the stage's root`)
    throw new Error(`artifacts: the export failed: ${line}`)
  }
  await setTimes(dir, IMAGE_CLOCK)
  const files = await describeFiles(dir)
  // An empty directory would be delivered as nothing at all, and silently.
  const empty = requested.find(a => !files.some(f => f.relativePath === `${a.stage}/${a.path}` || f.relativePath.startsWith(`${a.stage}/${a.path}/`)))
  if (empty) throw new InputError(Input.Artifacts, `'${empty.stage}:${empty.path}' is an empty directory in the stage; name a file or a directory that holds one`)
  // The jobs of a fan-out (export-dir) each upload their platform's files in one workflow run: named apart.
  const platform = p.exportDir ? `-${p.strategy.platforms[0].replace(/\//g, '-')}` : ''
  return { dir, files, name: `hashdock-${p.commit.slice(0, 7)}${platform}` }
}

/** Every file under `dir`, sorted by path; a symlink is refused, since its target is not part of the export. */
async function describeFiles(dir: string): Promise<ArtifactFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files: ArtifactFile[] = []
  for (const entry of entries) {
    if (entry.isDirectory()) continue
    const file = join(entry.parentPath, entry.name)
    const relativePath = relative(dir, file)
    const [stage, ...rest] = relativePath.split('/')
    const name = `${stage}:${rest.join('/')}`
    if (entry.isSymbolicLink() || !entry.isFile()) {
      throw new InputError(Input.Artifacts, `'${name}' is a symlink or special file in the stage; name the file it points to`)
    }
    files.push({ name, relativePath, size: (await lstat(file)).size, sha256: await sha256File(file) })
  }
  return files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0))
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', chunk => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject)
  })
}
