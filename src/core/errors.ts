// Errors a user can act on: their message is the one line the step fails with.

/**
 * What the user can do about a problem, when the fix depends on where hashdock runs: a workflow
 * changes its checkout step, a developer runs git. Each adapter words its own hint.
 */
export type Remedy = 'checkout' | 'full-history' | 'password'

/** A problem with one input; the message starts with the input's name and stays true in a workflow and a terminal. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly problem: string,
    readonly remedy?: Remedy
  ) {
    super(`${input}: ${problem}`)
    this.name = 'InputError'
  }
}

/**
 * Something hashdock talks to failed or refused — a registry, a login, the project's services — while
 * the command line itself was right: the message names what it is about (the input that leads to it)
 * and stays one line, but it is a failed run, not a usage error.
 */
export class ServiceError extends Error {
  constructor(
    readonly about: string,
    readonly problem: string
  ) {
    super(`${about}: ${problem}`)
    this.name = 'ServiceError'
  }
}

/**
 * A test-result record that does not hold for the digest asked about: none there, bound to another
 * digest, unsigned, signed by another identity or not matching its signature. One line saying which;
 * a failed check, so exit 1, not a usage error.
 */
export class NotVerified extends Error {
  constructor(
    readonly problem: string,
    /** The only record there is unsigned: what an adapter may offer to accept, in its own words. */
    readonly unsigned = false
  ) {
    super(problem)
    this.name = 'NotVerified'
  }
}

/** An external program failed; the message is its own last words, trimmed to one line. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string
  ) {
    super(`${command} failed (exit ${exitCode}): ${lastLine(stderr) || 'no error output'}`)
    this.name = 'CommandError'
  }
}

/** The meaningful last line of a program's error output (docker ends with "ERROR: …" or "Error …"). */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  const marked = lines.filter(l => /^(error|fatal)\b/i.test(l) || l.startsWith('ERROR'))
  return (marked.at(-1) ?? lines.at(-1) ?? '').slice(0, 500)
}

/** What to do when a program is not there, for the programs hashdock cannot run without. */
const INSTALL: Record<string, string> = {
  docker: 'install Docker Engine (or Docker Desktop), then check that `docker version` answers in this shell',
  git: 'install git',
  skopeo: "install skopeo (apt-get install skopeo; GitHub's Ubuntu runners have it)"
}

/** A program hashdock runs is not installed, or not on PATH: one line saying so, and what to do. */
export class ProgramMissing extends Error {
  constructor(readonly program: string) {
    super(`${program} is not installed, or not on PATH: ${INSTALL[program] ?? `install ${program}`}`)
    this.name = 'ProgramMissing'
  }
}
