// The CLI's help: an overview of the commands, and each command's own flags.
export const COMMANDS = ['build', 'plan', 'context', 'advise', 'doctor', 'verify'] as const
export type Command = (typeof COMMANDS)[number]

const SUMMARIES: Record<Command, { usage: string; text: string }> = {
  build: {
    usage: 'hashdock build --image REPOSITORY [options]',
    text: `builds one commit of a git repository into an image, tests it inside the
image, and, with --push, pushes it only when the tests pass. Every option
mirrors an input of the GitHub Action; only the default of --push differs
(the action pushes by default).`
  },
  plan: {
    usage: 'hashdock plan --image REPOSITORY [options]   (or: hashdock build --dry-run …)',
    text: `says what hashdock build would do with the same flags, and stops: the
resolved commit, the tags (and the tag lines that give none, with why), the
labels, how it builds, and the exact buildx and skopeo command lines. Builds,
pushes and leaves nothing.`
  },
  context: {
    usage: 'hashdock context --out DIR [--githash REF] [--mtime content|per-file|commit] [--context PATH]',
    text: `writes the exact build context hashdock would use for that commit into
DIR (a new or an empty directory), timestamps included, to inspect or time
it. Needs no engine.`
  },
  advise: {
    usage: 'hashdock advise [--githash REF] [--context PATH] [--dockerfile PATH] [--commits N] [--json]',
    text: `measures the Dockerfile against the repository's history: which steps
lose their layer cache to copies of files they never read, and whether the
image runs as root for no reason. Needs no engine; advice is not a failure
(exit 0).`
  },
  doctor: {
    usage: 'hashdock doctor [--repo DIR] [--json]',
    text: `checks what a build needs here: docker and the engine, its image store,
buildx and the selected builder, compose, skopeo, emulated platforms, the
checkout's history and the registry logins (names only), each with what to
do when it is missing. Exit 1 when no build could run.`
  },
  verify: {
    usage: 'hashdock verify IMAGE@DIGEST --repository OWNER/REPO [--workflow PATH] [--json]',
    text: `checks the test-result record beside a pushed digest: that it is bound to
that digest, that its Sigstore signature holds and was made by a workflow
run of the repository (and workflow) named, and that the record is what
was signed; then prints its commit, commands, result and test counts.
Exit 1, with one line saying why, when anything does not hold.`
  }
}

/** Each flag's value and description; the order is the order of the help. */
const FLAG_HELP: Record<string, [string, string]> = {
  image: ['REPO', 'image repository, without a tag (required); repeat to push to several'],
  githash: ['REF', 'commit to build: hash, tag or branch (default: HEAD)'],
  repo: ['DIR', 'the git repository (default: the current directory)'],
  context: ['PATH', 'build context inside the repository (default: .)'],
  dockerfile: ['PATH', 'Dockerfile in the repository (default: <context>/Dockerfile)'],
  tags: ['TAG', 'extra tag; repeat for more ({githash} {short} {ref} {date} {version}\n{major} {minor} {patch} {branch} {pr})'],
  'force-tags': ['', 'move tags even when they name a newer commit now'],
  'build-args': ['KEY=VALUE', 'build argument; repeat for more'],
  target: ['STAGE', 'Dockerfile stage to build (advise: to measure)'],
  'secret-files': ['ID=PATH', 'a BuildKit secret from a file; repeat for more'],
  'secret-envs': ['ID=ENV', 'a BuildKit secret from an environment variable; repeat for more'],
  secret: ['id=ID,src=PATH', "docker's spelling: id=ID,src=PATH or id=ID,env=VAR"],
  ssh: ['default|ID=PATH', 'SSH agent or keys for RUN --mount=type=ssh; repeat for more'],
  'build-contexts': ['NAME=PATH', 'a named context: a directory of the commit, or docker-image://REF'],
  labels: ['KEY=VALUE', 'image label; repeat for more'],
  annotations: ['KEY=VALUE', 'manifest annotation (or manifest:KEY=VALUE, index:KEY=VALUE)'],
  'no-cache': ['', "build without the builder's cache"],
  pull: ['', 'always pull the base images'],
  network: ['default|none|host', 'network of RUN steps'],
  'shm-size': ['SIZE', '/dev/shm size of RUN steps, e.g. 128m'],
  ulimit: ['TYPE=SOFT[:HARD]', 'ulimit of RUN steps; repeat for more'],
  'add-hosts': ['HOST=IP', 'extra /etc/hosts entry in RUN steps; repeat for more'],
  push: ['', 'push the tested image (default: not pushed; --push false says so)'],
  'registry-username': ['USER', 'log in as USER; the password comes from the environment\nvariable HASHDOCK_REGISTRY_PASSWORD or, with --registry-password-stdin,'],
  'registry-password-stdin': ['', 'from standard input (never from a flag)'],
  'test-command': ['CMD', 'unit-test command, run in the image with /bin/sh -c'],
  'compose-file': ['PATH', 'compose file whose services integration tests run beside'],
  'compose-service': ['NAME', 'the compose service that runs the image under test'],
  'compose-env': ['KEY=VALUE', 'variable for the compose file; repeat for more (compose sees no others)'],
  'compose-trust': ['none|host', 'host lets the compose file reach the host (privileged, mounts, …)'],
  'integration-command': ['CMD', 'integration-test command, run on the compose network'],
  'test-results': ['DIR', 'directory of JUnit XML inside the test containers'],
  'wait-timeout': ['SECONDS', 'wait for healthy compose services (default: 120)'],
  mtime: ['content|per-file|commit', "the build context's file times: from each file's content (default),\neach file's last change, or the commit's"],
  cache: ['registry|none', 'layer cache kept in the registry as <image>:buildcache (default: none)'],
  'cache-mode': ['max|min', "cache every stage's layers, or only the final image's (default: max)"],
  'cache-pull-requests': ['read|write', '(GitHub) a pull request reads the cache, or also writes its own'],
  compression: ['gzip|zstd', 'layer compression (default: zstd; zstd is faster, needs Docker 23+ to pull)'],
  platforms: ['LIST', "platforms to build and test, e.g. linux/amd64,linux/arm64 (default:\nthe builder's native one); one index is pushed if every one passed"],
  'export-dir': ['DIR', 'hand the tested image on: its archive and a record, into DIR, once\nits tests pass (needs --platforms with the one platform built)'],
  'assemble-from': ['DIR', 'build nothing: assemble the images handed on into DIR, one per\nplatform of --platforms, into one index, and push it with --push'],
  builder: ['NAME', 'BuildKit builder (default: the one docker buildx has selected)'],
  'isolate-builder': ['auto|true|false', "build on a builder made for the run (auto: a pull request's\ncommit; the CLI knows no pull request, so auto is false here)"],
  'keep-image': ['', 'keep the tested image in the engine as <image>:<full hash> once the run\npassed, to scan, run or save it afterwards'],
  'verify-reproducible': ['', 'build a second time without any cache and fail unless the digest is\nthe same, naming the first layer and file that differ'],
  'build-login': ['', 'log in even without --push, for private base images'],
  rebuild: ['', 'build even when the registry holds this commit from the same inputs'],
  provenance: ['[=in-image]', 'record how the image was built (SLSA provenance) beside the pushed\ndigest, which stays reproducible; =in-image puts BuildKit\'s inside the\nimage, whose digest then changes on every build'],
  sbom: ['', 'attach an SBOM attestation inside the image; its digest then changes\non every build'],
  reuse: ['', "re-use the registry's image of this commit"],
  artifacts: ['STAGE:PATH', 'a file or directory of a build stage (e.g. builder:/out/app.deb, or\nbuilder:out/app.deb from its root) to take out once the tests pass; repeat'],
  'registry-timeout': ['SECONDS', 'one registry request, or one skopeo copy, before it is retried (default: 300)'],
  'registry-retries': ['N', 'retries of a registry operation that failed transiently (default: 4)'],
  'artifacts-dir': ['DIR', 'where --artifacts go (a new or existing directory), each below its stage'],
  out: ['DIR', 'where to write the build context'],
  commits: ['N', 'first-parent commits to measure (default: 200)'],
  advice: ['', 'advise on the Dockerfile in the report (default: on; --no-advice)'],
  'dry-run': ['', 'say what the build would do, as hashdock plan does, and stop'],
  repository: ['OWNER/REPO', '(verify) the repository whose workflow runs may have signed'],
  workflow: ['PATH', "(verify) the signing workflow: .github/workflows/FILE of --repository,\nor OWNER/REPO/.github/workflows/FILE (a reusable workflow's)"],
  'trusted-root': ['FILE', "(verify) Sigstore trusted root (JSON, or gh attestation trusted-root's\nlines) for another instance than public-good's"],
  'allow-unsigned': ['', '(verify) accept a record without a signature, and say so'],
  json: ['', 'print only the result, as JSON, on standard output; logs and the\nbuild\'s progress go to standard error, as they always do'],
  help: ['', 'show this help'],
  version: ['', "print hashdock's version"]
}

/** Spellings shown beside a flag: docker's, and the one-letter ones. */
const SHOWN_ALIASES: Record<string, string> = {
  tags: '-t, --tag',
  dockerfile: '-f, --file',
  'build-args': '--build-arg',
  platforms: '--platform (repeatable)',
  labels: '--label',
  annotations: '--annotation',
  'add-hosts': '--add-host',
  'build-contexts': '--build-context',
  help: '-h',
  version: '-V'
}

/** Boolean flags: alone they mean true; `--NAME false` and `--no-NAME` mean false. */
const BOOLEAN_NOTE = 'Switches (shown without a value) also take true or false, and have a --no- form: --push,\n--push true, --push=false, --no-push.'

const ENVIRONMENT = `Environment:
  HASHDOCK_REGISTRY_PASSWORD  the registry password, for --registry-username
  HASHDOCK_REGISTRY_LOGINS    more logins, one registry=username:password a line
  HASHDOCK_SECRETS            BuildKit secrets, one id=value a line
  HASHDOCK_DEBUG=1            also show every command hashdock runs
  NO_COLOR                    no colour, even on a terminal`

const EXIT = `Exit status: 0 done, 1 the build, a test or the push failed, 2 the command line or an input is
wrong (a flag, or what it names: a commit, a path, a tag).`

const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`)

/** One command's help: what it does, then only the flags it reads. */
export function commandUsage(command: Command, flagsOf: (command: Command) => string[], switches: string[] = []): string {
  const { usage, text } = SUMMARIES[command]
  const rows = Object.keys(FLAG_HELP)
    .filter(name => flagsOf(command).includes(name))
    .map(name => {
      const [value, description] = FLAG_HELP[name]
      const left = `--${name}${value ? ` ${value}` : ''}`
      const also = SHOWN_ALIASES[name] ? `\n(also ${SHOWN_ALIASES[name]})` : ''
      const pad = left.length >= 27 ? `\n${' '.repeat(29)}` : ' '.repeat(27 - left.length)
      return `  ${left}${pad}${indent(`${description}${also}`, ' '.repeat(29))}`
    })
  const parts = [`Usage: ${usage}`, '', indent(text, ''), '', 'Options:', ...rows]
  if (flagsOf(command).some(name => switches.includes(name))) parts.push('', BOOLEAN_NOTE)
  if (command === 'build') parts.push('', ENVIRONMENT)
  parts.push('', EXIT, '')
  return parts.join('\n')
}

/** `hashdock --help`: the commands, each in a line or three, and where each one's flags are. */
export const USAGE = `Usage: hashdock COMMAND [options]

${COMMANDS.map(c => `${c.padEnd(9)}${indent(SUMMARIES[c].text, ' '.repeat(9))}`).join('\n')}

hashdock COMMAND --help lists a command's flags; hashdock --version prints the version.

${ENVIRONMENT}

${EXIT}
`
