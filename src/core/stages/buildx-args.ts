// The one place `docker buildx build` command lines are written: the image's, and the artifact export's,
// which must agree on every option that keys BuildKit's cache, or the export would build again.
import { resolve as resolvePath } from 'node:path'
import type { BuildContext } from './context.js'
import type { BuildSpec, Plan } from './plan.js'
import { IMAGE_CLOCK } from './strategy.js'

/** What the build writes: the image archive (and its metadata), or a stage's files into a directory. */
export type BuildOutput =
  | { kind: 'image'; archive: string; metadataFile: string; cacheArgs: string[] }
  | { kind: 'artifacts'; dockerfile: string; stage: string; dest: string }

export type BuildPlan = Pick<Plan, 'build' | 'target' | 'workspace' | 'strategy' | 'labels' | 'localRef'>

/** The arguments, and the environment the secrets reach buildx through (never an argument). */
export function buildxArgs(p: BuildPlan, context: Pick<BuildContext, 'dockerfile' | 'contextDir' | 'named'>, output: BuildOutput): { args: string[]; env: Record<string, string> } {
  const { strategy, build } = p
  const image = output.kind === 'image'
  const secrets = secretArgs(build.secrets, p.workspace.repoDir)
  const args = [
    'buildx', 'build',
    '--builder', strategy.builder.name,
    // On a terminal, BuildKit's own compact view of the image build; in a log or a pipe, every line.
    '--progress', image && p.workspace.terminal ? 'tty' : 'plain',
    '--file', image ? context.dockerfile : output.dockerfile,
    '--build-arg', `SOURCE_DATE_EPOCH=${IMAGE_CLOCK}`,
    ...build.buildArgs.flatMap(arg => ['--build-arg', arg]),
    ...(image ? Object.entries(p.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]) : []),
    ...(image ? build.annotations.flatMap(a => ['--annotation', a]) : []),
    ...(image && p.target ? ['--target', p.target] : []),
    ...Object.entries(context.named).flatMap(([name, value]) => ['--build-context', `${name}=${value}`]),
    ...secrets.args,
    ...build.ssh.flatMap(s => ['--ssh', s]),
    // The image build just ran every step (no-cache included): the export reuses its results.
    ...runOptions(build).filter(o => image || o !== '--no-cache'),
    `--provenance=${image && strategy.provenance ? 'mode=max' : 'false'}`,
    `--sbom=${image && strategy.sbom}`,
    ...(image ? [...output.cacheArgs, '--metadata-file', output.metadataFile] : []),
    ...(strategy.platforms.length ? ['--platform', strategy.platforms.join(',')] : []),
    ...(image
      ? ['--output', `type=${strategy.exporter},dest=${output.archive},${strategy.exporter === 'docker' ? 'oci-mediatypes=true,' : ''}rewrite-timestamp=true,compression=${strategy.compression},force-compression=true,name=${p.localRef}`]
      : ['--target', output.stage, '--output', `type=local,dest=${output.dest}`]),
    context.contextDir
  ]
  return { args, env: secrets.env }
}

/** BuildKit secrets as buildx takes them: a file by its path, a value through a variable of the run's own. */
function secretArgs(secrets: BuildSpec['secrets'], repoDir: string): { args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {}
  const args = secrets.flatMap((secret, i) => {
    if ('file' in secret) return ['--secret', `id=${secret.id},src=${resolvePath(repoDir, secret.file)}`]
    // A variable of the runner's (secret-envs) is copied too: programs start from an allow-listed
    // environment, so buildx would not see it otherwise.
    const name = `HASHDOCK_SECRET_${i}`
    env[name] = 'value' in secret ? secret.value : (process.env[secret.env] ?? '')
    return ['--secret', `id=${secret.id},env=${name}`]
  })
  return { args, env }
}

/** The options of BuildKit's RUN steps and of the build, as build-push-action passes them. */
function runOptions(b: BuildSpec): string[] {
  return [
    ...(b.noCache ? ['--no-cache'] : []),
    ...(b.pull ? ['--pull'] : []),
    ...(b.network ? ['--network', b.network] : []),
    // host networking is an entitlement the build must ask for; the builder must also allow it.
    ...(b.network === 'host' ? ['--allow', 'network.host'] : []),
    ...(b.shmSize ? ['--shm-size', b.shmSize] : []),
    ...b.ulimit.flatMap(u => ['--ulimit', u]),
    ...b.addHosts.flatMap(h => ['--add-host', h.replace('=', ':')])
  ]
}
