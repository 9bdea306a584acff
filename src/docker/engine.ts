/**
 * The Docker engine through dockerode: queries, volumes, inspect, networks, events (exec and helper containers:
 * engine-exec.ts). dockerode is imported on first use, so commands that never reach the engine do not pay for it.
 */
import type Dockerode from 'dockerode'
import {BerthError, ExitCode} from '../core/errors.js'
import {describeEndpoint, dockerodeOptions, resolveEngineEndpoint} from './context.js'
import {demux, execCapture, execPipe, runHelper} from './engine-exec.js'
import {traceEngineCalls} from './engine-trace.js'

import type {ContainerInfo, EngineInfo, EnginePort, EngineVersion, HelperSpec, VolumeInfo} from '../app/ports.js'

export type {ContainerInfo, VolumeInfo} from '../app/ports.js'

export function unreachable(cause: unknown, address = describeEndpoint({context: 'default'})): BerthError {
  const detail = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause)
  return new BerthError(`cannot reach the Docker engine at ${address} (${detail})`, {
    exitCode: ExitCode.DOCKER,
    hints: ['Start Docker (for example: sudo systemctl start docker), or point DOCKER_HOST at a running engine.', 'Check with: docker info'],
    cause,
  })
}

function labelFilters(labels: Record<string, string | undefined>): string[] {
  return Object.entries(labels).map(([k, v]) => (v === undefined ? k : `${k}=${v}`))
}

export class Engine implements EnginePort {
  private client?: Promise<Dockerode>

  /** Where the engine is, for messages (the docker CLI's choice: DOCKER_HOST, else the current context). */
  private address = describeEndpoint({context: 'default'})

  constructor(
    private readonly factory?: () => Promise<Dockerode>,
    /** Where DOCKER_HOST / DOCKER_CONTEXT are read (another context's engine: its own). */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  docker(): Promise<Dockerode> {
    this.client ??= (this.factory ?? (() => this.connectLikeTheCli()))()
    return this.client
  }

  /** The engine the docker CLI and Compose use, so berth and Compose never look at two different engines. */
  private async connectLikeTheCli(): Promise<Dockerode> {
    const endpoint = resolveEngineEndpoint(this.env)
    this.address = describeEndpoint(endpoint)
    const options = dockerodeOptions(endpoint)
    const Docker = (await import('dockerode')).default
    const docker = options ? new Docker(options as Dockerode.DockerOptions) : new Docker()
    await quietSocketAgent(docker)
    return traceEngineCalls(docker)
  }

  private pinged?: Promise<void>

  /** Throws a BerthError (DOCKER) when the engine cannot be reached. Asked once per engine object. */
  ping(): Promise<void> {
    this.pinged ??= (async () => {
      const docker = await this.docker()
      try {
        await docker.ping()
      } catch (error) {
        throw unreachable(error, this.address)
      }
    })()
    return this.pinged
  }

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what()
    } catch (error) {
      const e = error as NodeJS.ErrnoException & {statusCode?: number}
      if (!e.statusCode && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES')) throw unreachable(error, this.address)
      throw error
    }
  }

  async containers(labels: Record<string, string | undefined>, all = true): Promise<ContainerInfo[]> {
    const docker = await this.docker()
    return this.call(() => docker.listContainers({all, filters: {label: labelFilters(labels)}}))
  }

  async inspectContainer(id: string): Promise<Dockerode.ContainerInspectInfo> {
    const docker = await this.docker()
    return this.call(() => docker.getContainer(id).inspect())
  }

  async volumes(labels: Record<string, string | undefined>): Promise<VolumeInfo[]> {
    const docker = await this.docker()
    const res = await this.call(() => docker.listVolumes({filters: {label: labelFilters(labels)}}))
    return (res.Volumes ?? []) as VolumeInfo[]
  }

  async imageId(ref: string): Promise<string | undefined> {
    const docker = await this.docker()
    try {
      return (await docker.getImage(ref).inspect()).Id
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return undefined
      throw error
    }
  }

  async volume(name: string): Promise<VolumeInfo | undefined> {
    const docker = await this.docker()
    try {
      return (await docker.getVolume(name).inspect()) as VolumeInfo
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return undefined
      throw error
    }
  }

  /**
   * Run a command in a running container (argv array, no shell) and collect its output. With a timeout
   * (ms), a command still running then is given up on: its stream is closed and it counts as failed (-1),
   * as Docker counts a health probe that overruns its timeout.
   */
  async execCapture(id: string, cmd: string[], timeoutMs?: number): Promise<{code: number; stdout: string; stderr: string}> {
    return execCapture(await this.docker(), (what) => this.call(what), id, cmd, timeoutMs)
  }

  /**
   * Run a command in a running container with its stdin and stdout as a byte stream (no TTY, so binary
   * safe): what is written to `input` reaches the command's stdin, its stdout goes to `output`.
   */
  async execPipe(id: string, cmd: string[], input: NodeJS.ReadableStream, output: NodeJS.WritableStream, errors?: NodeJS.WritableStream): Promise<void> {
    return execPipe(await this.docker(), (what) => this.call(what), id, cmd, input, output, errors)
  }

  /** Create a volume if it is not there; an existing one is kept as it is (data is never touched). */
  async ensureVolume(name: string, labels: Record<string, string>): Promise<'created' | 'existed'> {
    if (await this.volume(name)) return 'existed'
    const docker = await this.docker()
    await this.call(() => docker.createVolume({Name: name, Labels: labels}))
    return 'created'
  }

  async createVolumeWith(name: string, labels: Record<string, string>, driverOpts: Record<string, string>): Promise<'created' | 'existed'> {
    if (await this.volume(name)) return 'existed'
    const docker = await this.docker()
    await this.call(() => docker.createVolume({Name: name, Driver: 'local', DriverOpts: driverOpts, Labels: labels}))
    return 'created'
  }

  // --- volumes and helper containers (per-branch data) ---

  async removeVolume(name: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getVolume(name).remove())
  }

  /** Containers that mount a volume (running only unless all). */
  async containersUsingVolume(name: string, all = false): Promise<ContainerInfo[]> {
    const docker = await this.docker()
    return this.call(() => docker.listContainers({all, filters: {volume: [name]}}))
  }

  async pauseContainer(id: string): Promise<void> {
    // One try: "unable to freeze" (runc on cgroup v1, processes forking) is retried by the use cases (app/pause.ts).
    const docker = await this.docker()
    await this.call(() => docker.getContainer(id).pause())
  }

  async unpauseContainer(id: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getContainer(id).unpause())
  }

  // --- the front door (src/app/door.ts) ---

  /** The engine's address as the docker CLI chose it (DOCKER_HOST, else the current context's). */
  endpoint(): string | undefined {
    return resolveEngineEndpoint(this.env).host ?? this.env.DOCKER_HOST
  }

  /** The engine's `docker info` (asked once per engine object). */
  info(): Promise<EngineInfo> {
    this.infoAnswer ??= (async () => {
      const docker = await this.docker()
      return this.call(() => docker.info())
    })()
    return this.infoAnswer
  }

  private infoAnswer?: Promise<EngineInfo>

  /** `docker version` of the engine. */
  async version(): Promise<EngineVersion> {
    const docker = await this.docker()
    return this.call(() => docker.version())
  }

  async hasImage(ref: string): Promise<boolean> {
    const docker = await this.docker()
    try {
      await this.call(() => docker.getImage(ref).inspect())
      return true
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return false
      throw error
    }
  }

  /** The engine's API version (`docker version`'s ApiVersion), asked once per engine object. */
  apiVersion(): Promise<string> {
    this.apiAnswer ??= this.version().then((v) => v.ApiVersion ?? '')
    return this.apiAnswer
  }

  private apiAnswer?: Promise<string>

  /** The last `tail` lines of a container's output (stdout and stderr interleaved as written). */
  async containerLogs(id: string, tail: number): Promise<string> {
    const docker = await this.docker()
    const raw = (await this.call(() => docker.getContainer(id).logs({stdout: true, stderr: true, follow: false, tail}))) as unknown as Buffer
    const info = await this.inspectContainer(id).catch(() => undefined)
    // A container with a terminal (tty: true) writes a raw stream, without frame headers.
    return info?.Config?.Tty ? raw.toString('utf8') : demux(raw)
  }

  async network(name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
    const docker = await this.docker()
    try {
      return await docker.getNetwork(name).inspect()
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return undefined
      throw error
    }
  }

  async ensureNetwork(name: string, labels: Record<string, string>): Promise<void> {
    if (await this.network(name)) return
    const docker = await this.docker()
    try {
      await this.call(() => docker.createNetwork({Name: name, Labels: labels, CheckDuplicate: true}))
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode !== 409) throw error // created meanwhile
    }
  }

  async removeNetwork(name: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getNetwork(name).remove()).catch((error: {statusCode?: number}) => {
      if (error.statusCode !== 404) throw error
    })
  }

  /** Remove the networks with these labels (those still in use stay). */
  async removeNetworks(labels: Record<string, string>): Promise<void> {
    const docker = await this.docker()
    const nets = await this.call(() => docker.listNetworks({filters: {label: labelFilters(labels)}}))
    for (const n of nets) await this.removeNetwork(n.Name).catch(() => undefined)
  }

  async stopContainer(id: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getContainer(id).stop()).catch((error: {statusCode?: number}) => {
      if (error.statusCode !== 304 && error.statusCode !== 404) throw error // already stopped, or gone
    })
  }

  /**
   * Follow the engine's health events for containers with these labels, calling the handler on each
   * "healthy", until the returned function is called. Resolves once the engine has accepted the
   * subscription: no later one is missed.
   */
  async onContainerHealthy(labels: Record<string, string | undefined>, handler: (id: string, labels: Record<string, string>) => void): Promise<() => void> {
    const docker = await this.docker()
    const stream = (await this.call(() => docker.getEvents({filters: {type: ['container'], event: ['health_status'], label: labelFilters(labels)}}))) as NodeJS.ReadableStream & {destroy(): void}
    let buffer = ''
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i).trim()
        buffer = buffer.slice(i + 1)
        if (!line) continue
        let event: {id?: string; Action?: string; status?: string; Actor?: {ID?: string; Attributes?: Record<string, string>}}
        try {
          event = JSON.parse(line)
        } catch {
          continue
        }
        // "health_status: healthy" (or ": unhealthy", ": starting" on newer engines).
        if ((event.Action ?? event.status)?.trim() !== 'health_status: healthy') continue
        const id = event.Actor?.ID ?? event.id
        if (id) handler(id, event.Actor?.Attributes ?? {})
      }
    })
    stream.on('error', () => undefined)
    return () => stream.destroy()
  }

  /** Attach a container to a network under extra DNS names; already attached counts as done. */
  async connect(network: string, container: string, aliases: string[]): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getNetwork(network).connect({Container: container, EndpointConfig: {Aliases: aliases}})).catch((error: {statusCode?: number; message?: string}) => {
      if (!(error.statusCode === 403 && /already exists|already attached/i.test(error.message ?? ''))) throw error
    })
  }

  /** Detach a container from a network; not attached (or gone) counts as done. */
  async disconnect(network: string, container: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getNetwork(network).disconnect({Container: container, Force: true})).catch((error: {statusCode?: number}) => {
      if (error.statusCode !== 404 && error.statusCode !== 403 && error.statusCode !== 500) throw error
    })
  }

  async createContainer(spec: Dockerode.ContainerCreateOptions): Promise<string> {
    const docker = await this.docker()
    const c = await this.call(() => docker.createContainer(spec))
    return c.id
  }

  async startContainer(id: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getContainer(id).start()).catch((error: {statusCode?: number}) => {
      if (error.statusCode !== 304) throw error // already started
    })
  }

  async signalContainer(id: string, signal: string): Promise<void> {
    const docker = await this.docker()
    await this.call(() => docker.getContainer(id).kill({signal}))
  }

  async removeContainer(idOrName: string, force = false): Promise<boolean> {
    const docker = await this.docker()
    try {
      await docker.getContainer(idOrName).remove({force, v: false})
      return true
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return false
      throw error
    }
  }

  /** Sizes of volumes in bytes, from the engine's disk usage (may take a moment on big volumes). */
  async volumeSizes(): Promise<Map<string, number>> {
    const docker = await this.docker()
    const df = (await this.call(() => docker.df())) as {Volumes?: Array<{Name: string; UsageData?: {Size?: number}}>}
    return new Map((df.Volumes ?? []).map((v) => [v.Name, v.UsageData?.Size ?? -1]))
  }

  /**
   * Run a one-shot helper container (argv command, no shell unless the argv asks for one) with
   * volumes mounted; returns its exit code and output. The container is removed afterwards.
   */
  async runHelper(spec: HelperSpec): Promise<{code: number; output: string}> {
    return runHelper(await this.docker(), (what) => this.call(what), spec)
  }
}

/**
 * Over a unix socket (or a Windows pipe) there is no TLS, so no server name: without one given, Node's http
 * agent derives it from the Host header for every request, and the first net.isIP compiles a very large
 * regular expression (5-15 ms of every engine command). The agent is Node's global one otherwise
 * (keep-alive, lifo, 5 s), with the server name given as none.
 */
async function quietSocketAgent(docker: Dockerode): Promise<void> {
  const modem = docker.modem as {socketPath?: unknown; host?: unknown; agent?: unknown}
  if (!modem.socketPath || modem.host || modem.agent) return
  const {Agent} = await import('node:http')
  modem.agent = new Agent({keepAlive: true, scheduling: 'lifo', timeout: 5000, servername: ''} as ConstructorParameters<typeof Agent>[0])
}
