// The corpus (test/corpus): its samples, the build contexts of each, and a parent and child commit of
// one. Read by the corpus suite (corpus-suite.ts) and by the bench; no test framework here.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { FixtureRepo } from './repo.js'

export const corpusDir = fileURLToPath(new URL('../corpus', import.meta.url))

export interface CorpusSample {
  name: string
  /** The application file the child commit changes (a comment line appended). */
  change: string
  /**
   * Per build context (as the compose file names it, '.' without one): the first step of the final
   * stage that reads the changed file, as its history entry names it; null when no step does.
   */
  firstChanged: Record<string, string | null>
}

export const corpusSamples: CorpusSample[] = [
  { name: 'python-flask', change: 'app.py', firstChanged: { '.': 'COPY . /app' } },
  { name: 'python-init', change: 'service/routes.py', firstChanged: { '.': 'COPY . .' } },
  { name: 'node-npm', change: 'src/lib/greeting.js', firstChanged: { '.': 'COPY --chown=node:node . .' } },
  { name: 'go-modules', change: 'greeting.go', firstChanged: { '.': 'COPY /docker-gs-ping /docker-gs-ping' } },
  { name: 'java-maven', change: 'src/main/java/org/example/clinic/OwnerController.java', firstChanged: { '.': 'COPY build/target/extracted/application/ ./' } },
  { name: 'buildkit-link', change: 'cmd/tool/run.go', firstChanged: { '.': 'COPY / /usr/bin/' } },
  { name: 'vendor-archive', change: 'app/handlers.py', firstChanged: { '.': 'COPY app/ ./app/' } },
  { name: 'compose-services', change: 'backend/routes/index.js', firstChanged: { './backend': 'COPY . .', './frontend': null } }
]

/** The sample every mode is built for in the test suite: the shape Docker's guides teach, one file copied in two steps. */
export const EVERY_MODE_SAMPLE = 'python-flask'

/** The build contexts of a sample: its compose file's built services, or the sample itself. */
export function buildContexts(sampleDir: string): { context: string; dockerfile?: string }[] {
  const file = ['compose.yaml', 'compose.yml', 'docker-compose.yml'].map(f => join(sampleDir, f)).find(existsSync)
  if (!file) return [{ context: '.' }]
  const services = (parse(readFileSync(file, 'utf8')) as { services: Record<string, { build?: string | { context?: string; dockerfile?: string } }> }).services
  return Object.values(services)
    .filter(s => s.build !== undefined)
    .map(s => (typeof s.build === 'string' ? { context: s.build } : { context: s.build?.context ?? '.', dockerfile: s.build?.dockerfile }))
}

/** A comment line in the changed file's language: the child changes code, never behaviour. */
function appendComment(path: string, text: string): string {
  return `${text}${/\.(py|sh|ini)$/.test(path) ? '#' : '//'} changed in the child commit\n`
}

/** Parent and child of one sample: the child changes only its application file. */
export function sampleRepo(sample: CorpusSample): { origin: FixtureRepo; parent: string; child: string } {
  const origin = new FixtureRepo().copy(join(corpusDir, sample.name))
  const parent = origin.commit(`${sample.name}: parent`, '2024-01-01T00:00:00Z')
  const before = readFileSync(join(origin.dir, sample.change), 'utf8')
  const child = origin.write(sample.change, appendComment(sample.change, before)).commit(`${sample.name}: application code`, '2024-02-01T00:00:00Z')
  return { origin, parent, child }
}


/**
 * The action's inputs for one build of a sample's commit: its build context, the mtime mode, the test
 * bed's base image, pushed (so layers can be compared and the registry cache written) and never reused.
 */
export function corpusInputs(target: { context: string; dockerfile?: string }, run: { image: string; commit: string; mtime: string; base: string }): Record<string, string> {
  return {
    image: run.image,
    githash: run.commit,
    mtime: run.mtime,
    'build-args': `BASE=${run.base}`,
    rebuild: 'true',
    push: 'true',
    context: target.context,
    ...(target.dockerfile ? { dockerfile: join(target.context, target.dockerfile) } : {})
  }
}
