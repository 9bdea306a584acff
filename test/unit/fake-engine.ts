// An engine and a Compose CLI in memory, for unit tests of the use cases: containers, volumes and networks
// as plain records, every call logged, and `compose up` making one running container per service.
import {BerthError, ExitCode} from '../../src/core/errors.js'
import type {ComposePort, ComposeTarget, ContainerInfo, EnginePort, HelperSpec, Labels, VolumeInfo} from '../../src/app/ports.js'

interface FakeContainer {
  Id: string
  Names: string[]
  Labels: Record<string, string>
  State: string
  Status: string
  networks: Set<string>
  healthcheck?: {Test: string[]}
}

function matches(labels: Record<string, string> | undefined, filter: Labels): boolean {
  return Object.entries(filter).every(([k, v]) => (v === undefined ? labels?.[k] !== undefined : labels?.[k] === v))
}

export class FakeEngine implements EnginePort {
  readonly calls: string[] = []
  readonly containersById = new Map<string, FakeContainer>()
  readonly volumesByName = new Map<string, Record<string, string>>()
  readonly networks = new Set<string>()
  /** What a copy-on-write step prints (runtime/cow.sh), by step. */
  cowOutput: Record<string, string> = {freeze: 'moved', probe: 'ready', 'probe-check': 'ok', empty: 'not-empty', state: 'moved', sizes: ''}
  /** What a helper container prints (by helper kind: clone, check). */
  helperOutput: Record<string, string> = {check: 'complete'}
  private next = 1

  private log(what: string): void {
    this.calls.push(what)
  }

  addContainer(name: string, labels: Record<string, string>, state = 'running'): string {
    const id = `c${this.next++}`.padEnd(12, '0')
    this.containersById.set(id, {Id: id, Names: [`/${name}`], Labels: labels, State: state, Status: state === 'running' ? 'Up 1 second (healthy)' : 'Exited (0)', networks: new Set()})
    return id
  }

  private find(idOrName: string): FakeContainer | undefined {
    return this.containersById.get(idOrName) ?? [...this.containersById.values()].find((c) => c.Names[0] === `/${idOrName}`)
  }

  private listed(c: FakeContainer): ContainerInfo {
    return {Id: c.Id, Names: c.Names, Labels: c.Labels, State: c.State, Status: c.Status, NetworkSettings: {Networks: Object.fromEntries([...c.networks].map((n) => [n, {}]))}, Ports: [], Mounts: []} as unknown as ContainerInfo
  }

  async ping(): Promise<void> {
    this.log('ping')
  }
  /** Like Docker Desktop: the front door is published (a host-mode door needs a local Linux engine). */
  async info() {
    return {OperatingSystem: 'Docker Desktop', Name: 'fake', KernelVersion: '6.0'}
  }
  endpoint(): string | undefined {
    return undefined
  }
  /** Local images by reference (what `compose build` or `up` made). */
  readonly images = new Map<string, string>()
  async imageId(ref: string): Promise<string | undefined> {
    return this.images.get(ref)
  }

  async version() {
    return {Version: '26.1.0', ApiVersion: '1.45', Os: 'linux', Arch: 'amd64'}
  }
  async hasImage(ref: string): Promise<boolean> {
    return this.images.has(ref)
  }
  /** What apiVersion() answers. */
  api = '1.45'
  async apiVersion(): Promise<string> {
    return this.api
  }
  /** What containerLogs() answers, by container id. */
  logs: Record<string, string> = {}
  async containerLogs(id: string, tail: number): Promise<string> {
    return (this.logs[id] ?? '').split('\n').slice(-tail).join('\n')
  }
  async containers(labels: Labels, all = true): Promise<ContainerInfo[]> {
    return [...this.containersById.values()].filter((c) => (all || c.State === 'running' || c.State === 'paused') && matches(c.Labels, labels)).map((c) => this.listed(c))
  }
  async inspectContainer(id: string) {
    const c = this.find(id)
    if (!c) throw Object.assign(new Error(`no such container ${id}`), {statusCode: 404})
    return {Id: c.Id, Config: {Labels: c.Labels, Healthcheck: c.healthcheck}, State: {Running: c.State === 'running', Health: {Status: 'healthy'}}} as never
  }
  async createContainer(spec: {name?: string; Labels?: Record<string, string>}): Promise<string> {
    this.log(`create ${spec.name}`)
    return this.addContainer(spec.name ?? 'anon', spec.Labels ?? {}, 'created')
  }
  async startContainer(id: string): Promise<void> {
    this.log(`start ${this.find(id)?.Names[0].slice(1)}`)
    this.find(id)!.State = 'running'
  }
  async stopContainer(id: string): Promise<void> {
    this.log(`stop ${id}`)
    this.find(id)!.State = 'exited'
  }
  /** How many pauses fail first, as the cgroup freezer does under load ("unable to freeze"). */
  pauseFailures = 0
  /** Containers that use a volume (by volume name). */
  users: Record<string, string[]> = {}
  async pauseContainer(id: string): Promise<void> {
    if (this.pauseFailures > 0) {
      this.pauseFailures--
      throw new Error('OCI runtime pause failed: unable to freeze: unknown')
    }
    this.log(`pause ${this.find(id)?.Labels['com.docker.compose.service'] ?? id}`)
    this.find(id)!.State = 'paused'
  }
  async unpauseContainer(id: string): Promise<void> {
    const c = this.find(id)
    if (!c || c.State !== 'paused') throw new Error('not paused')
    this.log(`unpause ${c.Labels['com.docker.compose.service'] ?? id}`)
    c.State = 'running'
  }
  async signalContainer(id: string, signal: string): Promise<void> {
    this.log(`signal ${id} ${signal}`)
  }
  async removeContainer(idOrName: string): Promise<boolean> {
    const c = this.find(idOrName)
    if (c) this.containersById.delete(c.Id)
    return Boolean(c)
  }
  async onContainerHealthy(): Promise<() => void> {
    return () => undefined
  }
  /** What `exec` answers (by the command's first word after node -e, else the program). */
  execOutput: (cmd: string[]) => string = () => ''
  async execCapture(id: string, cmd: string[]): Promise<{code: number; stdout: string; stderr: string}> {
    this.log(`exec ${id} ${cmd[0]}`)
    return {code: 0, stdout: this.execOutput(cmd), stderr: ''}
  }
  async execPipe(): Promise<void> {}
  async runHelper(spec: HelperSpec): Promise<{code: number; output: string}> {
    const kind = spec.labels['dev.berth.helper'] ?? 'helper'
    this.log(`helper ${kind} ${spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`).join(' ')}`)
    // berth's copy-on-write steps (runtime/cow.sh STEP ...): what each step prints, by step
    if (kind === 'cow' || kind === 'probe') {
      const step = spec.cmd[4] ?? ''
      this.log(`cow ${step} ${spec.cmd.slice(5).join(' ')}`)
      // branch: freeze, unless the source's upper folder is empty (as the empty step would say)
      const said = step === 'branch' ? (this.cowOutput.empty === 'empty' ? 'untouched' : this.cowOutput.freeze) : this.cowOutput[step]
      return {code: 0, output: said ?? ''}
    }
    return {code: 0, output: this.helperOutput[kind] ?? ''}
  }
  async volumes(labels: Labels): Promise<VolumeInfo[]> {
    return [...this.volumesByName].filter(([, l]) => matches(l, labels)).map(([Name, Labels]) => ({Name, Labels}) as VolumeInfo)
  }
  async volume(name: string): Promise<VolumeInfo | undefined> {
    const labels = this.volumesByName.get(name)
    return labels ? ({Name: name, Labels: labels, CreatedAt: '2026-01-01T00:00:00Z', Mountpoint: `/var/lib/docker/volumes/${name}/_data`} as VolumeInfo) : undefined
  }
  async ensureVolume(name: string, labels: Record<string, string>): Promise<'created' | 'existed'> {
    if (this.volumesByName.has(name)) return 'existed'
    this.log(`volume ${name}`)
    this.volumesByName.set(name, labels)
    return 'created'
  }
  /** Driver options of volumes made with createVolumeWith (overlay mounts). */
  volumeOpts = new Map<string, Record<string, string>>()
  async createVolumeWith(name: string, labels: Record<string, string>, driverOpts: Record<string, string>): Promise<'created' | 'existed'> {
    if (this.volumesByName.has(name)) return 'existed'
    this.log(`overlay volume ${name}`)
    this.volumesByName.set(name, labels)
    this.volumeOpts.set(name, driverOpts)
    return 'created'
  }
  async removeVolume(name: string): Promise<void> {
    this.log(`rm volume ${name}`)
    this.volumesByName.delete(name)
  }
  async volumeSizes(): Promise<Map<string, number>> {
    return new Map()
  }
  async containersUsingVolume(name: string): Promise<ContainerInfo[]> {
    return (this.users[name] ?? []).filter((id) => this.containersById.has(id)).map((id) => this.listed(this.containersById.get(id)!))
  }
  async network(name: string) {
    return this.networks.has(name) ? ({Name: name} as never) : undefined
  }
  async ensureNetwork(name: string): Promise<void> {
    if (!this.networks.has(name)) this.log(`network ${name}`)
    this.networks.add(name)
  }
  async removeNetwork(name: string): Promise<void> {
    this.networks.delete(name)
  }
  async removeNetworks(): Promise<void> {}
  async connect(network: string, container: string, aliases: string[]): Promise<void> {
    this.log(`connect ${aliases.join(',')}`)
    this.find(container)!.networks.add(network)
  }
  async disconnect(network: string, container: string): Promise<void> {
    this.log(`disconnect ${this.find(container)?.Labels['com.docker.compose.service']}`)
    this.find(container)!.networks.delete(network)
  }
}

/** Compose in memory: `up` makes (or starts) one running container per service named in `services`. */
export class FakeCompose implements ComposePort {
  readonly runs: string[][] = []
  /** Compose's stderr for a command that should fail (by its first argument). */
  failing: Record<string, string> = {}
  constructor(
    private readonly engine: FakeEngine,
    private readonly services: (target: ComposeTarget) => Array<{name: string; labels: Record<string, string>}> = () => [],
  ) {}
  async version(): Promise<string> {
    return '2.26.1'
  }
  async run(target: ComposeTarget, args: string[]) {
    this.runs.push(args)
    this.engine.calls.push(`compose ${args[0]}`)
    const stderr = this.failing[args[0]]
    if (stderr) throw new BerthError(`docker compose ${args[0]} failed (exit 15):\n  ${stderr}`, {exitCode: ExitCode.COMPOSE})
    if (args[0] === 'up') {
      for (const s of this.services(target)) {
        const existing = (await this.engine.containers({'com.docker.compose.project': target.project, 'com.docker.compose.service': s.name}))[0]
        if (existing) await this.engine.startContainer(existing.Id)
        else this.engine.addContainer(`${target.project}-${s.name}-1`, {...s.labels, 'com.docker.compose.project': target.project, 'com.docker.compose.service': s.name}, s.labels['dev.berth.role'] === 'setup' ? 'exited' : 'running')
      }
    }
    return {code: 0, stdout: '', stderr: ''}
  }
  async passthrough(): Promise<number> {
    return 0
  }
}
