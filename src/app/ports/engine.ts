/** The engine (dockerode's API) and the docker contexts that name engines. (Part of the ports: src/app/ports.ts.) */
import type Dockerode from 'dockerode'

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
  /** Calls the handler each time a container with these labels turns healthy (its health check passes); returns the unsubscribe. */
  onContainerHealthy(labels: Labels, handler: (id: string, labels: Record<string, string>) => void): Promise<() => void>
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

/** The docker contexts of this machine, and an engine client for each (berth status --all-contexts). */
export interface ContextsPort {
  /** `docker context ls`: names and endpoints. */
  list(): Promise<Array<{name: string; endpoint: string}>>
  engine(name: string): EnginePort
}
