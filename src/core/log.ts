// How the core talks to its user; each adapter (GitHub, terminal) supplies its own.

export interface AnnotationProps {
  title?: string
  file?: string
  startLine?: number
}

export interface Log {
  info(message: string): void
  debug(message: string): void
  notice(message: string, props?: AnnotationProps): void
  warning(message: string, props?: AnnotationProps): void
  error(message: string, props?: AnnotationProps): void
  /** How many annotations of one kind the log's reader is shown; the rest are not sent. All when unset. */
  readonly annotationLimit?: number
  /** Runs fn with its output folded under a heading. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Runs fn whose output comes from the user's tests or services: it must not be read as commands. */
  untrusted<T>(fn: () => Promise<T>): Promise<T>
}

/** How often a long stretch says it is still going: often enough that a log never looks hung. */
const TICK_SECONDS = 10

/**
 * Runs fn; every `every` seconds until it ends, one line from `say` (given the seconds so far), so a
 * stretch that prints nothing of its own — a load, a push, a wait for services — never looks hung.
 */
export async function ticking<T>(log: Log, say: (seconds: number) => string, fn: () => Promise<T>, every = TICK_SECONDS): Promise<T> {
  const started = Date.now()
  const timer = setInterval(() => log.info(say(Math.round((Date.now() - started) / 1000))), every * 1000)
  timer.unref()
  try {
    return await fn()
  } finally {
    clearInterval(timer)
  }
}

/** A size as the log and the reports say it. */
export const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`
