// The corpus (test/corpus): the Dockerfile shapes users write, each built through the action on a parent
// commit and a child that changes application code only, in every mtime mode the action accepts.
import { afterAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { CACHE_DEPENDENT_MTIME, MTIME_MODES } from '../../src/core/inputs.js'
import { runAction, type ActionRun } from './action.js'
import type { TestEngine } from './engines.js'
import { registryBlob, registryManifest, uniqueImage } from './registry.js'
import { buildContexts, corpusDir, corpusInputs, corpusSamples, sampleRepo, type CorpusSample } from './corpus.js'
import { testbed } from './testbed.js'

interface Image {
  layers: string[]
  /** The history entries that made a layer, in the layers' order. */
  steps: string[]
}

async function image(name: string, digest: string): Promise<Image> {
  const manifest = JSON.parse(await registryManifest(name, digest)) as { config: { digest: string }; layers: { digest: string }[] }
  const config = JSON.parse(await registryBlob(name, manifest.config.digest)) as { history?: { created_by?: string; empty_layer?: boolean }[] }
  const steps = (config.history ?? []).filter(h => !h.empty_layer).map(h => h.created_by ?? '')
  return { layers: manifest.layers.map(l => l.digest), steps }
}

/** How many layers come before the final stage's first step that reads changed files (all of them when none does). */
export function unchangedLayers(img: Image, firstChanged: string | null): number {
  if (firstChanged === null) return img.layers.length
  const at = img.steps.findIndex(s => s.includes(firstChanged))
  if (at < 0) throw new Error(`no layer of the image was made by a step naming '${firstChanged}': ${JSON.stringify(img.steps)}`)
  return at
}

/** The mtime mode a user gets without setting it: action.yml's default, read now, so a new default is picked up. */
export function defaultMtime(): string {
  const action = parse(readFileSync(fileURLToPath(new URL('../../action.yml', import.meta.url)), 'utf8')) as { inputs: Record<string, { default?: string }> }
  const mode = action.inputs.mtime.default
  if (!mode || !(MTIME_MODES as readonly string[]).includes(mode)) throw new Error(`action.yml's mtime default '${mode}' is not one of ${MTIME_MODES.join(', ')}`)
  return mode
}

export interface CorpusOptions {
  /** The mtime modes each sample is built in; all the action accepts unless given. */
  modes?: (sample: CorpusSample) => readonly string[]
}

export function corpusSuite(engine: TestEngine, options: CorpusOptions = {}): void {
  const credentials = { 'registry-username': testbed.username, 'registry-password': testbed.password }
  const runIds: string[] = []

  describe.each(corpusSamples)(`${engine.name} corpus: $name`, sample => {
    const modes = options.modes?.(sample) ?? MTIME_MODES
    const repo = sampleRepo(sample)
    const workspace = repo.origin.clone()

    describe.each(buildContexts(join(corpusDir, sample.name)).flatMap(target => modes.map(mtime => ({ ...target, mtime }))))('context $context, mtime $mtime', target => {
      const img = uniqueImage(`corpus-${engine.name}-${sample.name}${target.context === '.' ? '' : `-${target.context.replace(/\W/g, '')}`}-${target.mtime}`)

      async function build(commit: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
        const run = await runAction({
          workspace,
          sha: commit,
          env: engine.env,
          inputs: { ...corpusInputs(target, { image: img, commit, mtime: target.mtime, base: testbed.baseRef }), ...credentials, ...inputs }
        })
        runIds.push(run.state['hashdock-run-id'])
        expect({ errors: run.errors, exitCode: run.exitCode }).toEqual({ errors: [], exitCode: 0 })
        return run
      }

      let cold: string | undefined
      let coldRun: ActionRun | undefined
      let parent: Promise<string> | undefined
      /** The parent, built on a cold builder that writes the registry cache: the builder stays warm with it. */
      const parentDigest = (): Promise<string> => {
        parent ??= (async () => {
          engine.coldBuilder()
          return (await build(repo.parent, { cache: 'registry' })).outputs.digest
        })()
        return parent
      }
      const coldDigest = (): string => {
        if (!cold) throw new Error('the cold build did not run')
        return cold
      }

      test('two cold builds of the child give one digest', async () => {
        engine.coldBuilder()
        const first = await build(repo.child)
        engine.coldBuilder()
        const second = await build(repo.child)
        cold = first.outputs.digest
        coldRun = first
        expect(cold).toMatch(/^sha256:[0-9a-f]{64}$/)
        expect(second.outputs.digest).toBe(cold)
      })

      if (CACHE_DEPENDENT_MTIME.includes(target.mtime)) {
        // A mode that does not promise one digest whatever was cached must say so in the run itself.
        test('the run says its digest can depend on what the builder had cached', () => {
          if (!coldRun) throw new Error('the cold build did not run')
          expect(coldRun.stdout).toMatch(/^::notice::mtime: commit gives every file the commit's time, so a file copied by two steps .* can give this commit another digest/m)
        })
      } else {
        ;(engine.cachesAcrossRuns ? test : test.skip)('built right after its parent on a warm builder, the child has the cold digest', async () => {
          await parentDigest()
          const warm = await build(repo.child)
          expect(warm.outputs.digest).toBe(coldDigest())
        })

        test("a cold builder fed the parent's registry cache gives the cold digest", async () => {
          await parentDigest()
          engine.coldBuilder()
          const fed = await build(repo.child, { cache: 'registry' })
          expect(fed.outputs.digest).toBe(coldDigest())
        })
      }

      test('parent and child share every layer before the first step that reads the changed file', async () => {
        const [before, after] = [await image(img, await parentDigest()), await image(img, coldDigest())]
        const shared = unchangedLayers(after, sample.firstChanged[target.context] ?? null)
        expect(after.steps).toEqual(before.steps)
        expect(after.layers.slice(0, shared)).toEqual(before.layers.slice(0, shared))
        // The step that reads the changed file writes a layer of its own.
        if (shared < after.layers.length) expect(after.layers[shared]).not.toBe(before.layers[shared])
      })
    })
  })

  afterAll(() => {
    // Nothing left behind: no loaded image, no builder of a run.
    for (const id of runIds.filter(Boolean)) {
      expect(engine.docker('image', 'ls', '--quiet', '--filter', `reference=hashdock-run-${id}`)).toBe('')
      expect(() => engine.docker('buildx', 'inspect', `hashdock-${id}`)).toThrow()
    }
  })
}
