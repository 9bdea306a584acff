/** The people at the terminal: progress and messages (stderr), questions. (Part of the ports: src/app/ports.ts.) */

/** Progress and messages for people, on stderr; results go to stdout (the command's job). */
export interface Reporter {
  /** Whether progress goes to a terminal (Compose may then draw its own). */
  readonly tty: boolean
  /** A step under way ("Rendering dev", "Starting 3 services"). */
  step(message: string): void
  info(message: string): void
  warn(message: string): void
  /** Raw output of a child process (compose's progress), passed through. */
  passthrough(chunk: string | Buffer): void
  /** Timed lines for --debug / BERTH_DEBUG=1 only. */
  trace?(message: string): void
  /** On a terminal only: draw these lines in place of the ones drawn last (berth up's view of the services). */
  live?(lines: string[]): void
  /** Leave the lines drawn last as they are; later output goes below them. */
  endLive?(): void
}

/** Asks the user questions; each answer is undefined when nobody can answer (no terminal). */
export interface Prompt {
  confirm(message: string, defaultValue?: boolean): Promise<boolean | undefined>
  /** Whether someone can answer (stdin and stderr are a terminal). */
  canAsk(): boolean
  /** A line of text; `validate` returns an error message or true. */
  input(message: string, options?: {default?: string; validate?: (value: string) => string | true}): Promise<string | undefined>
  select<T>(message: string, choices: Array<PromptChoice<T>>, defaultValue?: T): Promise<T | undefined>
  checkbox<T>(message: string, choices: Array<PromptChoice<T> & {checked?: boolean}>): Promise<T[] | undefined>
}

export interface PromptChoice<T> {
  name: string
  value: T
  description?: string
}
