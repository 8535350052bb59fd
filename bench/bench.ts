// `npm run bench`: measures hashdock on a real-sized image against plain `docker buildx build` and
// `docker push` on the same builder, and its per-file context against git restore-mtime, and prints
// every figure side by side in one run: medians, spread and ratios against the targets of the README.
// Each table is also saved as JSON in bench/results/, from which `npm run perf-tables` writes the
// tables of docs/performance.md.
import { availableParallelism, loadavg } from 'node:os'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { testbed } from '../test/support/testbed.js'
import { cacheBench } from './cache.js'
import { contextBench } from './context.js'
import { corpusBench } from './corpus.js'
import { enginesBench, jobBench } from './engines.js'
import { builderFacts, imageBench, leverBench } from './image.js'
import { Bench, root, run } from './kit.js'
import { platformsBench } from './platforms.js'
import { markdownTable, resultName, saveResult, type BenchTable } from './results.js'

/** The sections, in the order they run; a table's number is its section's place here. */
const SECTIONS = ['image', 'levers', 'context', 'platforms', 'engines', 'job', 'cache', 'corpus'] as const
type Section = (typeof SECTIONS)[number]

const usage = `Usage: npm run bench -- [--runs N] [--builder NAME] [--large-repo URL-or-clone] [--only SECTIONS] [--engines TEXT] [--cache-commits N]

  --runs N            runs of each measurement (default 3); medians, min–max in brackets
  --builder NAME      the builder of the image and levers sections (default: the selected one);
                      the bench empties its cache, so give it one nobody else uses
  --large-repo SRC    a clone with full history (or its URL) for the context section; without it, skipped
  --only SECTIONS     comma-separated, of ${SECTIONS.join(',')} (default: all)
  --engines TEXT      with engines and job: only the columns whose title holds TEXT (e.g. "today's runners")
  --cache-commits N   with cache: how many commits the sequence has (default 20)

It needs the test bed (scripts/testbed.env) and empties the caches of the builders it measures on:
run it when no test is running. Each table is saved to bench/results/<section>.json (with --engines,
<section>-<TEXT>.json); npm run perf-tables writes them into docs/performance.md.`

function options() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        runs: { type: 'string', default: '3' },
        builder: { type: 'string', default: '' },
        'large-repo': { type: 'string', default: '' },
        only: { type: 'string', default: SECTIONS.join(',') },
        engines: { type: 'string', default: '' },
        'cache-commits': { type: 'string', default: '20' }
      }
    }).values
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`)
    process.exit(2)
  }
}

const flags = options()
if (flags.help) {
  console.log(usage)
  process.exit(0)
}
const runs = Number(flags.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: --runs: give a whole number of runs, 1 or more, not '${flags.runs}'`)
  process.exit(2)
}
const parts = new Set(flags.only.split(','))

async function main(bench: Bench): Promise<void> {
  const docker = run('docker', ['version', '--format', '{{.Server.Version}}']).out
  const buildx = run('docker', ['buildx', 'version']).out.split(/\s+/)[1]
  const gitVersion = run('git', ['--version']).out.replace('git version ', '')
  const load = loadavg()[0].toFixed(1)
  const environment = `docker ${docker}, buildx ${buildx}, git ${gitVersion}, node ${process.version}, ${availableParallelism()} CPUs (load average ${load} at the start); median of ${runs} run${runs === 1 ? '' : 's'} each (\`--runs ${runs}\`), min–max in brackets.`
  console.log(environment)
  // Each table as soon as it is measured: a later part that fails leaves the earlier ones printed and saved.
  const print = (section: Section, table: BenchTable, save = true): void => {
    console.log(`\n#### ${SECTIONS.indexOf(section) + 1}. ${table.title}\n\n${markdownTable(table.head, table.rows)}`)
    if (!save) return
    const name = resultName(section, section === 'engines' || section === 'job' ? flags.engines : '')
    const file = saveResult(name, { environment, ...table })
    console.error(`[bench] saved ${relative(root, file)}`)
  }
  if (parts.has('image') || parts.has('levers')) {
    const b = builderFacts(bench.options.builder)
    // A builder of the engine's own reads the engine's images; any other reads the base from the registry.
    const fixture = (name: string) => bench.fixture(b.driver === 'docker' ? testbed.baseImage : testbed.baseRef, name, bench.dockerConfig())
    if (parts.has('image')) print('image', await imageBench(bench, b, fixture))
    if (parts.has('levers')) print('levers', await leverBench(bench, b, fixture))
  }
  if (parts.has('context')) {
    const { table, measured } = contextBench(bench)
    print('context', table, measured)
  }
  if (parts.has('platforms')) print('platforms', platformsBench(bench))
  if (parts.has('engines')) print('engines', await enginesBench(bench))
  if (parts.has('job')) print('job', await jobBench(bench))
  if (parts.has('cache')) print('cache', await cacheBench(bench))
  if (parts.has('corpus')) print('corpus', await corpusBench(bench))
}

const bench = new Bench({ runs, builder: flags.builder, largeRepo: flags['large-repo'], engines: flags.engines, cacheCommits: Number(flags['cache-commits']) })
try {
  await main(bench)
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await bench.cleanUp()
}
