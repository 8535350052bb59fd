// What advice on a Dockerfile says: facts measured on the repository, with the line and the fix.

interface AdviceBase {
  /** Repository path of the Dockerfile, and the 1-based line the advice is about. */
  dockerfile: string
  line: number
  instruction: string
  suggestion: string
}

/** A copy of often-changed files stands before an expensive step that reads rarely changed ones. */
export interface LayerOrderAdvice extends AdviceBase {
  kind: 'layer-order'
  commits: number
  /** Commits among them that changed this instruction's sources. */
  changed: number
  step: {
    line: number
    instruction: string
    /** Repository paths the step really reads, at the commit; empty when it reads none. */
    inputs: string[]
    /** Commits that changed any of those inputs. */
    changed: number
  }
  /** Commits whose build ran the step again, as the Dockerfile stands: any file copied before it changed. */
  rebuilt: number
  /** Per cent of builds that reuse the step's layer now, and once only its inputs come before it. */
  hitRate: { now: number; after: number }
}

/** The final stage runs as root, and nothing in the Dockerfile says it needs to. */
export interface RootAdvice extends AdviceBase {
  kind: 'root'
  stage: string
}

/** A step runs a tool that writes the wall clock into what it makes: two builds of one commit differ. */
export interface ClockAdvice extends AdviceBase {
  kind: 'clock'
  stage: string
  tool: string
}

export type Advice = LayerOrderAdvice | RootAdvice | ClockAdvice

export interface AdviceReport {
  commit: string
  dockerfile: string
  /** Where .dockerignore rules came from, when any did. */
  dockerignore?: string
  /** First-parent commits examined: fewer than asked for when the history (or the clone) is shorter. */
  commits: number
  advice: Advice[]
}
