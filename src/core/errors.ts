/**
 * Errors the user can act on. Every failure berth knows about becomes a BerthError with one message,
 * optional hints ("Try this: ...") and a documented exit code (see README, "Exit codes").
 */
export const ExitCode = {
  OK: 0,
  /** Unexpected failure: a bug or an unknown error from outside. */
  FAILURE: 1,
  /** Bad command line: unknown flag, unknown environment, missing argument. */
  USAGE: 2,
  /** berth.yml, a template or the user config is invalid (file:line:column in the message). */
  CONFIG: 3,
  /** Docker is not usable: engine unreachable, docker CLI or Compose v2 missing. */
  DOCKER: 4,
  /** A pre-flight check failed: a host port is taken, a required file is missing. */
  PREFLIGHT: 5,
  /** docker compose ran and failed (its own error is in the message), or up stopped it: a service exited, restarted or kept answering 5xx. */
  COMPOSE: 6,
  /** git refused or the work tree is not in the expected state. */
  GIT: 7,
  /** Another berth command holds the project's lock. */
  LOCKED: 8,
  /** Refused: it would overwrite or lose data (a volume that exists already). */
  REFUSED: 9,
  /** A Swarm deploy did not converge: an update rolled back, or a service's tasks kept failing. */
  DEPLOY: 10,
  /** Interrupted by Ctrl-C (SIGINT) after cleaning up. */
  INTERRUPTED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface BerthErrorOptions {
  exitCode?: ExitCodeValue
  hints?: string[]
  cause?: unknown
}

export class BerthError extends Error {
  readonly exitCode: ExitCodeValue
  readonly hints: string[]

  constructor(message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'BerthError'
    this.exitCode = options.exitCode ?? ExitCode.FAILURE
    this.hints = options.hints ?? []
  }
}

/** A position in a source file, 1-based. */
export interface SourcePos {
  file: string
  line: number
  col: number
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`
}

/** An invalid berth.yml, template or config file: the message starts with file:line:column. */
export class ConfigError extends BerthError {
  readonly pos?: SourcePos

  constructor(message: string, pos?: SourcePos, options: Omit<BerthErrorOptions, 'exitCode'> = {}) {
    super(pos ? `${formatPos(pos)}: ${message}` : message, {...options, exitCode: ExitCode.CONFIG})
    this.name = 'ConfigError'
    this.pos = pos
  }
}

export function isBerthError(error: unknown): error is BerthError {
  return error instanceof BerthError
}
