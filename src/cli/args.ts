// The CLI's flags: the action's inputs, spelled as --flags, read into the same Inputs.
import { parseArgs } from 'node:util'
import { Input } from '../core/constants.js'
import { parseInputs, type Inputs } from '../core/inputs.js'

export interface CliOptions {
  command: string
  inputs: Inputs
  repo: string
  json: boolean
  out: string
}

export const USAGE = `Usage: hashdock build --image REPOSITORY [options]
       hashdock context --out DIR [--githash REF] [--mtime commit|per-file] [--context PATH]

build    builds one commit of a git repository into an image, tests it inside the image, and
         pushes it only when the tests pass. Every option mirrors an input of the GitHub Action.
context  writes the exact build context hashdock would use for that commit into DIR (which must
         not exist), timestamps included, to inspect or time it.

Options:
  --image REPO               image repository, without a tag (required)
  --githash REF              commit to build: hash, tag or branch (default: HEAD)
  --repo DIR                 the git repository (default: the current directory)
  --context PATH             build context inside the repository (default: .)
  --dockerfile PATH          Dockerfile in the repository (default: <context>/Dockerfile)
  --tags TAG                 extra tag; repeat for more ({githash} {short} {ref} {date})
  --build-args KEY=VALUE     build argument; repeat for more
  --target STAGE             Dockerfile stage to build
  --push true|false          push the tested image (default: true)
  --registry-username USER   log in as USER; the password comes from the environment
                             variable HASHDOCK_REGISTRY_PASSWORD or, with
  --registry-password-stdin  from standard input (never from a flag)
  --test-command CMD         unit-test command, run in the image with /bin/sh -c
  --compose-file PATH        compose file whose services integration tests run beside
  --compose-service NAME     the compose service that runs the image under test
  --compose-env KEY=VALUE    variable for the compose file; repeat for more (compose sees no others)
  --compose-trust none|host  host lets the compose file reach the host (privileged, mounts, …)
  --integration-command CMD  integration-test command, run on the compose network
  --test-results DIR         directory of JUnit XML inside the test containers
  --wait-timeout SECONDS     wait for healthy compose services (default: 120)
  --mtime commit|per-file    file timestamps: the commit's, or each file's last change
  --cache registry|none      layer cache kept in the registry as <image>:buildcache (default: none)
  --rebuild true|false       build even when the registry holds this commit from the same inputs
  --reuse true|false         re-use the registry's image of this commit (default: false)
  --out DIR                  (context) where to write the build context
  --json                     print the outputs as JSON
`

const repeatable = new Set<string>([Input.Tags, Input.BuildArgs, Input.ComposeEnv])

export function parseCli(argv: string[], stdin: () => string): CliOptions {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    repo: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
    'registry-password-stdin': { type: 'boolean' },
    out: { type: 'string' }
  }
  for (const name of Object.values(Input)) {
    // --repo says where the repository is; checkout-path is the action's way of saying it.
    if (name !== Input.RegistryPassword && name !== Input.CheckoutPath) options[name] = { type: 'string', multiple: repeatable.has(name) }
  }
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true })
  const command = values.help ? 'help' : (positionals[0] ?? 'help')
  // Only a build logs in; the context command never reads a password.
  const password =
    command !== 'build' ? '' : values['registry-password-stdin'] ? stdin().trim() : (process.env.HASHDOCK_REGISTRY_PASSWORD ?? '')
  delete process.env.HASHDOCK_REGISTRY_PASSWORD // read once; only docker login gets it, on its standard input
  const read = (name: Input): string => {
    if (name === Input.RegistryPassword) return password
    const value = values[name]
    return Array.isArray(value) ? value.join('\n') : typeof value === 'string' ? value : ''
  }
  return {
    command,
    // The context command builds no image, so it needs no image name: any valid one will do.
    inputs:
      command === 'build' ? parseInputs(read) : command === 'context' ? parseInputs(n => (n === Input.Image ? 'context/only' : read(n))) : ({} as Inputs),
    repo: typeof values.repo === 'string' ? values.repo : process.cwd(),
    json: values.json === true,
    out: typeof values.out === 'string' ? values.out : ''
  }
}
