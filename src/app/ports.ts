/**
 * What the use cases need from the outside world, and nothing more. `src/app/` imports only `src/core/`
 * and this file; the adapters in `src/docker/` and `src/infra/` implement these ports, and one
 * composition root (`src/cli/deps.ts`) builds the real ones per command. Tests hand in fakes.
 */
import type Dockerode from 'dockerode'
import type {BaseBranchFacts} from '../core/branches.js'
import type {RepoIO} from '../core/init/detect.js'
import type {ProjectIO} from '../core/inputs.js'
import type {ProjectState} from '../core/state.js'

export type {ProjectState, StackState, VolumeState} from '../core/state.js'

// ---- The engine (dockerode) ---------------------------------------------------------------------

export type ContainerInfo = Dockerode.ContainerInfo
export type ContainerDetails = Dockerode.ContainerInspectInfo
export type VolumeInfo = Dockerode.VolumeInspectInfo & {CreatedAt?: string}
export type NetworkInfo = Dockerode.NetworkInspectInfo
export type ContainerSpec = Dockerode.ContainerCreateOptions
export type Labels = Record<string, string | undefined>

export interface HelperSpec {
  name: string
  image: string
  cmd: string[]
  /** Volumes by name; `bind: true` mounts a folder of the engine's host instead (the volume root, for copy-on-write). */
  mounts: Array<{source: string; target: string; readOnly?: boolean; bind?: boolean}>
  labels: Record<string, string>
}

/** What `docker info` says that berth uses. */
export interface EngineInfo {
  OperatingSystem?: string
  Name?: string
  KernelVersion?: string
  SecurityOptions?: string[]
  /** The engine's identity (copy-on-write's probe is remembered per engine). */
  ID?: string
  /** The engine's data root (/var/lib/docker), its storage driver and its clock (RFC 3339): for berth doctor. */
  DockerRootDir?: string
  Driver?: string
  SystemTime?: string
  ServerVersion?: string
  /** Bytes of memory of the engine's machine (or VM). */
  MemTotal?: number
}

/** What `docker version` says of the engine. */
export interface EngineVersion {
  Version?: string
  ApiVersion?: string
  MinAPIVersion?: string
  Os?: string
  Arch?: string
}

export interface EnginePort {
  /** Throws a BerthError (DOCKER) when the engine cannot be reached. */
  ping(): Promise<void>
  /** `docker info` (asked once). */
  info(): Promise<EngineInfo>
  /** `docker version` of the engine. */
  version(): Promise<EngineVersion>
  /** Whether the engine has this image (nothing is pulled). */
  hasImage(ref: string): Promise<boolean>
  /** The engine's API version ("1.45"), asked once. */
  apiVersion(): Promise<string>
  /** The engine's address as the docker CLI chose it (DOCKER_HOST, the context's), undefined for the default socket. */
  endpoint(): string | undefined
  /** The ID of a local image, undefined when there is none by that reference. */
  imageId(ref: string): Promise<string | undefined>
  containers(labels: Labels, all?: boolean): Promise<ContainerInfo[]>
  inspectContainer(id: string): Promise<ContainerDetails>
  /** The last `tail` lines a container wrote (stdout and stderr, in order), as text. */
  containerLogs(id: string, tail: number): Promise<string>
  createContainer(spec: ContainerSpec): Promise<string>
  startContainer(id: string): Promise<void>
  stopContainer(id: string): Promise<void>
  pauseContainer(id: string): Promise<void>
  unpauseContainer(id: string): Promise<void>
  signalContainer(id: string, signal: string): Promise<void>
  /** Whether it existed. */
  removeContainer(idOrName: string, force?: boolean): Promise<boolean>
  /** Calls the handler for each container that starts with these labels; returns the unsubscribe. */
  onContainerStart(labels: Labels, handler: (id: string, labels: Record<string, string>) => void): Promise<() => void>
  execCapture(id: string, cmd: string[], timeoutMs?: number): Promise<{code: number; stdout: string; stderr: string}>
  execPipe(id: string, cmd: string[], input: NodeJS.ReadableStream, output: NodeJS.WritableStream, errors?: NodeJS.WritableStream): Promise<void>
  /** Run a one-shot container to its end (no network), then remove it. */
  runHelper(spec: HelperSpec): Promise<{code: number; output: string}>
  volumes(labels: Labels): Promise<VolumeInfo[]>
  volume(name: string): Promise<VolumeInfo | undefined>
  ensureVolume(name: string, labels: Record<string, string>): Promise<'created' | 'existed'>
  /** A volume of the local driver with these driver options (an overlay mount); 'existed' if the name is taken. */
  createVolumeWith(name: string, labels: Record<string, string>, driverOpts: Record<string, string>): Promise<'created' | 'existed'>
  removeVolume(name: string): Promise<void>
  volumeSizes(): Promise<Map<string, number>>
  containersUsingVolume(name: string, all?: boolean): Promise<ContainerInfo[]>
  network(name: string): Promise<NetworkInfo | undefined>
  ensureNetwork(name: string, labels: Record<string, string>): Promise<void>
  removeNetwork(name: string): Promise<void>
  removeNetworks(labels: Record<string, string>): Promise<void>
  connect(network: string, container: string, aliases: string[]): Promise<void>
  disconnect(network: string, container: string): Promise<void>
}

/** One step for the warm volume helper: a bash script of runtime/ run with these arguments, /vols being `root`. */
export interface VolumeStep {
  /** The helper image (the one-shot helpers' image). */
  image: string
  /** The engine's volume root (a folder of the engine's host), mounted at /vols. */
  root: string
  /** The script's text (bash -c SCRIPT ARGV...); argv[0] is its name. */
  script: string
  argv: string[]
  /** A named job (a copy, named after its target volume): a run of it left by a killed berth is stopped first. */
  job?: string
  /** Stops the job (Ctrl-C): run resolves once it has ended. */
  stop?: AbortSignal
}

/**
 * A long-lived helper container per engine and helper image (src/docker/volume-helper.ts) in which berth's
 * volume steps run as execs, saving a container's start per step. It exits by itself when unused.
 */
export interface VolumeHelperPort {
  /** The step's exit code and output (stdout and stderr); undefined where no warm helper can be had (the caller runs a one-shot helper instead). */
  run(step: VolumeStep): Promise<{code: number; output: string} | undefined>
  /** Stop a job (a copy) if it still runs, and wait until it has ended. */
  stop(job: {image: string; root: string; job: string}): Promise<void>
}

// ---- The Compose v2 CLI -------------------------------------------------------------------------

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

// ---- git ----------------------------------------------------------------------------------------

export interface WorktreeInfo {
  /** This work tree's git dir (.git, or .git/worktrees/NAME in a linked worktree): holds its HEAD. */
  gitDir: string
  /** The repository's common dir (.git of the main checkout). */
  commonDir: string
  /** Top folder of this work tree. */
  top: string
  linked: boolean
  /** The worktree's name (folder under .git/worktrees), or "" for the main checkout. */
  name: string
}

export interface GitPort {
  /** The branch checked out (BERTH_BRANCH wins), "detached-<sha>" on a detached HEAD, null outside git. */
  currentBranch(root: string): Promise<string | null>
  /** A linked worktree's port block (0 for the main checkout or outside git). */
  worktreeOffset(root: string): Promise<number>
  worktreeInfo(cwd: string): Promise<WorktreeInfo | undefined>
  localBranches(cwd: string): Promise<string[]>
  baseBranchFacts(cwd: string, configured?: string): Promise<BaseBranchFacts>
  dirtyFiles(cwd: string): Promise<string[]>
  branchExists(cwd: string, branch: string): Promise<boolean>
  stash(cwd: string, message: string): Promise<void>
  checkout(cwd: string, branch: string, create: boolean): Promise<void>
  /**
   * A file's text at a branch (or any revision): `file` relative to cwd. undefined when the revision has
   * no such file; throws a BerthError (GIT) when the revision is unknown.
   */
  showFile(cwd: string, rev: string, file: string): Promise<string | undefined>
}

// ---- berth's own files: state, lock, render cache, generated files --------------------------------

/** berth's small state per project (last use of volumes, copies seen complete, warm stacks). Best effort. */
export interface StatePort {
  read(project: string): ProjectState
  /** Read, change and write back atomically; never fails a command. */
  update(project: string, change: (s: ProjectState) => void): void
}

/** One berth command at a time per project. */
export interface LockPort {
  /** Run fn holding the project's lock; waits for another holder (onWait says who), exits LOCKED past the timeout. */
  hold<T>(project: string, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T>
  /** Run fn holding the lock if nobody else holds it now; else do nothing (undefined). */
  holdIfFree<T>(project: string, fn: () => Promise<T>): Promise<T | undefined>
}

/** Where rendered results are kept between runs (.berth/cache/ENV.json); reading and writing never fail. */
export interface CacheStore {
  read(root: string, env: string): string | undefined
  write(root: string, env: string, text: string): void
}

export interface FilesPort {
  /** Everything loading and rendering a project reads (recorded for the render cache). */
  project: ProjectIO
  /** Where the user config is looked for (~/.config/berth/config.yml, $BERTH_CONFIG). */
  userConfigFile: string
  /** Write atomically, only when the content changed (the folder made, .berth ignoring itself in git). */
  writeGenerated(file: string, text: string): boolean
  /** A text file berth reads outside the project (a source map, launch.json); undefined when absent. */
  readOptional(file: string): string | undefined
  /** Write a file of the user's (launch.json), making its folder. */
  writeFile(file: string, text: string): void
  /** Whether a path exists. */
  exists(file: string): boolean
  /** A repository's folders and files as `berth init` reads them (listings with types, texts). */
  repo: RepoIO
  /**
   * Write a file of the user's atomically (a temp file beside it, then renamed or linked in: no partial file is
   * ever left). Without `overwrite`, an existing file is kept and the answer is 'exists'.
   */
  writeNew(file: string, text: string, overwrite: boolean): 'written' | 'exists'
  /** A digest of a build's context (as its .dockerignore filters it) and Dockerfile: the same tree, the same digest. */
  buildContextDigest(context: string, dockerfile: string): string
}

/** Where berth itself is installed, and which build it is. */
export interface InstallPort {
  packageRoot: string
  builtinTemplates: string
  runtimeDir: string
  schemaFile: string
  /** A file of berth's runtime/ folder (scripts run in containers). */
  runtimeScript(name: string): string
  /** berth's version and build fingerprint; undefined when running from source (no render cache then). */
  build?: {version: string; build: string}
  /** The render cache's store; null: none (BERTH_NO_CACHE=1). */
  cache: CacheStore | null
}

// ---- The host ------------------------------------------------------------------------------------

/** Host ports: is one free, and who holds it. */
export interface HostPortsPort {
  canBind(host: string, port: number): Promise<boolean>
  describeListener(port: number): string | undefined
}

/** berth's local certificate authority and the certificates it signs (src/infra/tls.ts). The CA key never leaves this machine. */
export interface TlsPort {
  /** The CA, created once under berth's state folder (ca.crt, and ca.key with mode 0600). */
  ca(): Promise<TlsAuthority>
  /** The project's certificate for localhost, 127.0.0.1 and ::1, signed by the CA; made again only when it is no longer valid. */
  leaf(project: string): Promise<TlsLeaf>
  /** /etc/os-release's ID and ID_LIKE on Linux (which trust commands fit), else undefined. */
  linuxFamily(): string[] | undefined
}

export interface TlsAuthority {
  /** Absolute path of ca.crt. */
  certFile: string
  /** Whether this call created it. */
  created: boolean
  /** SHA-256 fingerprint (AA:BB:...). */
  fingerprint: string
  notAfter: string
}

export interface TlsLeaf {
  /** PEM. */
  cert: string
  key: string
  fingerprint: string
  notAfter: string
}

/** Facts of the machine berth runs on (the front door's mode depends on them). */
export interface MachineFacts {
  platform: string
  hostname: string
  release: string
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

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

/** Ctrl-C and SIGTERM, for use cases that must undo or record what they started. */
export interface InterruptPort {
  /** Calls `handler` on an interrupt until the returned function is called. */
  watch(handler: () => void): () => void
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

/** Watches files (chokidar): node_modules and .berth are ignored when registering, not after. */
export interface FileWatcherPort {
  watch(paths: string[], ignored: (p: string) => boolean, onChange: (file: string) => void): Promise<{close(): Promise<void>}>
}

// ---- Debugging -------------------------------------------------------------------------------------

export interface InspectorTarget {
  id: string
  title: string
  type?: string
  url?: string
  webSocketDebuggerUrl?: string
  devtoolsFrontendUrl?: string
}

/** A DevTools Protocol session. */
export interface CdpSession {
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...params: any[]) => void): unknown
  close(): Promise<void>
}

/** A 127.0.0.1 port on the host, each connection handed to `onSocket`. */
export interface Bridge {
  port: number
  close(): Promise<void>
}

export interface DebugNetPort {
  /** GET /json/list of an inspector (Node targets only). */
  targets(host: string, port: number, timeoutMs?: number): Promise<InspectorTarget[]>
  connect(ws: string): Promise<CdpSession>
  /** Listen on 127.0.0.1:port (0: a free one); each connection is handed over as a duplex stream. */
  listenLoopback(port: number, onSocket: (socket: NodeJS.ReadWriteStream & {destroy(): void}) => void): Promise<Bridge>
}

// ---- berth doctor ---------------------------------------------------------------------------------

/** The docker CLI's choice of engine, as berth doctor reports it. */
export interface DockerContextInfo {
  /** "default" unless a context was chosen. */
  name: string
  /** What chose it: DOCKER_HOST, DOCKER_CONTEXT, the docker config's currentContext, or default (nothing: the local socket). */
  chosenBy: string
  address: string
}

/** Facts of this machine only berth doctor asks for. */
export interface DiagnosticsPort {
  /** Throws a BerthError (DOCKER) when the chosen context does not exist. */
  dockerContext(): DockerContextInfo
  /** `git --version`'s version; undefined when git is not on PATH. */
  gitVersion(): Promise<string | undefined>
  /** A small text file (under /proc), undefined when absent. */
  readText(file: string): string | undefined
  /** Free and total bytes of the file system holding `path` on this machine; undefined when it is not here. */
  diskSpace(path: string): Promise<{free: number; total: number} | undefined>
  /** A PEM certificate's subject and expiry; undefined when the file is absent; throws when it is not a certificate. */
  certificate(file: string): {subject: string; notAfter: Date} | undefined
  /** berth's state folder (its local CA is tls/ca.crt there). */
  stateDir: string
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

/** The docker contexts of this machine, and an engine client for each (berth status --all-contexts). */
export interface ContextsPort {
  /** `docker context ls`: names and endpoints. */
  list(): Promise<Array<{name: string; endpoint: string}>>
  engine(name: string): EnginePort
}

// ---- All of them ------------------------------------------------------------------------------------

export interface Deps {
  engine: EnginePort
  compose: ComposePort
  git: GitPort
  state: StatePort
  lock: LockPort
  files: FilesPort
  install: InstallPort
  hostPorts: HostPortsPort
  clock: Clock
  interrupts: InterruptPort
  reporter: Reporter
  prompt: Prompt
  watcher: FileWatcherPort
  debug: DebugNetPort
  swarm: SwarmPort
  contexts: ContextsPort
  tls: TlsPort
  /** The environment berth runs in (variables berth reads: BERTH_*, DOCKER_*). */
  env: NodeJS.ProcessEnv
  machine: MachineFacts
  /** The warm volume helper; absent (tests, BERTH_VOLUME_HELPER=off): one helper container per step. */
  volumeHelper?: VolumeHelperPort
}
