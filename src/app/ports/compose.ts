/** The docker CLI: Compose v2, and Swarm (the stack commands, the engine's services and tasks). (Part of the ports: src/app/ports.ts.) */

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd?: string
  /** Live output of the child (progress), besides being kept in the result. */
  onStdout?: (chunk: Buffer) => void
  onStderr?: (chunk: Buffer) => void
  /** Give the child our terminal (interactive exec, logs -f). */
  inherit?: boolean
  /** Compose's progress style (its global --progress flag). */
  progress?: 'tty' | 'plain' | 'quiet'
  /** Let the child write to our stderr directly (a terminal: Compose draws its own progress there). */
  inheritStderr?: boolean
  /** Text for the child's stdin (a Compose file given as `-f -`). */
  input?: string
  /** Stop the child (SIGTERM) when this aborts; the run then resolves or fails as the child ends. */
  signal?: AbortSignal
}

export interface ComposeTarget {
  project: string
  file?: string
  projectDir?: string
}

export interface ComposePort {
  /** The Compose v2 version; throws a BerthError (DOCKER) when only v1 or nothing is there. */
  version(): Promise<string>
  /** Throws a BerthError (COMPOSE) with Compose's own words when it fails. */
  run(target: ComposeTarget, args: string[], options?: RunOptions): Promise<RunResult>
  /** Hand the terminal to Compose; its exit code. `plain`: its output is not a terminal (no control codes in it). */
  passthrough(target: ComposeTarget, args: string[], options?: {plain?: boolean}): Promise<number>
}

// ---- Docker Swarm (the docker CLI's stack commands, the engine's services and tasks) -----------------

export interface SwarmState {
  /** inactive, active, pending, error, locked */
  state: string
  /** This engine is a manager (can deploy stacks). */
  manager: boolean
  nodes: number
}

export interface SwarmServiceStatus {
  id: string
  /** The stack's name for it (its com.docker.stack.namespace label removed): "web". */
  name: string
  image: string
  wanted: number
  /** Tasks running the service's current spec (healthy when it has a healthcheck). */
  running: number
  update?: {state: string; startedAt?: string; message?: string}
  ports: Array<{published: number; target: number; mode: string}>
  /** Whether each task of the current spec is that spec (a copy of the service's task template). */
  specKey: string
}

export interface SwarmTask {
  id: string
  service: string
  slot?: number
  state: string
  desired: string
  error?: string
  message?: string
  at?: string
  specKey: string
}

export interface SwarmPort {
  info(): Promise<SwarmState>
  /** `docker stack config -c -`: throws a BerthError (CONFIG) with the CLI's words when the file is refused. */
  checkStack(yaml: string): Promise<void>
  /** `docker stack deploy --prune --with-registry-auth`; env: variables the file references. */
  deployStack(name: string, yaml: string, env: Record<string, string>, resolveImages: boolean): Promise<void>
  removeStack(name: string): Promise<void>
  services(stack: string): Promise<SwarmServiceStatus[]>
  tasks(stack: string): Promise<SwarmTask[]>
  taskLogs(taskId: string, lines: number): Promise<string>
  /** The image's id on this engine; undefined when it is not here. */
  imageId(ref: string): Promise<string | undefined>
  ensureSecret(name: string, value: string, labels: Record<string, string>): Promise<'created' | 'existed'>
  removeSecret(name: string): Promise<void>
  secrets(labels: Record<string, string>): Promise<string[]>
  /** Stack names with berth labels (dev.berth.project), with their labels. */
  stacks(): Promise<Array<{name: string; labels: Record<string, string>; services: number}>>
}
