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
  /** Runs fn with its output folded under a heading. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Runs fn whose output comes from the user's tests or services: it must not be read as commands. */
  untrusted<T>(fn: () => Promise<T>): Promise<T>
}
