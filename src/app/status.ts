/** Use case: what runs, from the engine's point of view (containers found by berth's labels). */
import {LABEL} from '../core/naming.js'
import {DOOR_ROUTES_LABEL} from '../core/door.js'
import type {ContainerInfo, EnginePort} from './ports.js'

export interface PortStatus {
  host: string
  hostPort: number
  containerPort: number
  /** https: the front door terminates TLS here; redirect: it answers http with a redirect to the https port. */
  kind?: 'https' | 'redirect'
}

export interface ServiceStatus {
  service: string
  role: string
  container: string
  state: string
  health: string
  ports: PortStatus[]
  /** The service's page: its https URL where the environment has tls (qa, stage), else http. */
  url?: string
  /** Host port of the Node inspector (127.0.0.1), from the container's label. */
  inspector?: number
}

export interface StackStatus {
  /** Compose project name. */
  stack: string
  project: string
  env: string
  branch: string
  services: ServiceStatus[]
  /**
   * Whether the work tree's front door routes to this stack now (its ports are this stack's). A stack
   * of another branch kept warm is paused and not routed.
   */
  routed: boolean
  /** Problems worth a look, e.g. a Node inspector published on a non-loopback address. */
  warnings: string[]
}

const INSPECTOR_CONTAINER_PORT = 9229

function loopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1' || ip === 'localhost'
}

/** Warnings for a stack: an inspector reachable from other machines lets them run code in the app. */
export function stackWarnings(containers: ContainerInfo[]): string[] {
  const out: string[] = []
  for (const c of containers) {
    const service = c.Labels?.[LABEL.service] ?? (c.Names?.[0] ?? c.Id).replace(/^\//, '')
    for (const p of c.Ports ?? []) {
      if (p.PrivatePort === INSPECTOR_CONTAINER_PORT && p.PublicPort && !loopback(p.IP ?? '')) {
        const msg = `${service}: Node inspector port 9229 is published on ${p.IP || '0.0.0.0'}:${p.PublicPort}: anyone who reaches it can run code in the app; publish it on 127.0.0.1 only`
        if (!out.includes(msg)) out.push(msg)
      }
    }
  }
  return out
}

function health(c: ContainerInfo): string {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status ?? '')
  if (m) return m[1] === 'health: starting' ? 'starting' : m[1]
  return c.State === 'running' ? 'no check' : '-'
}

/** The routes of each running door, by door name (from the door's label). */
export type DoorRoutes = Map<string, Array<{listen: number; bind: string; service?: string; host: string; port: number; role?: string}>>

/** The ports through which a container is reached: the door's routes to it while it is attached, and any it publishes itself. */
function portsOf(c: ContainerInfo, doors: DoorRoutes): PortStatus[] {
  const labels = c.Labels ?? {}
  const door = labels[LABEL.door]
  const routes = door && c.State === 'running' && c.NetworkSettings?.Networks?.[door] ? (doors.get(door) ?? []) : []
  // `service` is in the routes of doors made by this berth; older ones named the service in `host`.
  const routed = routes
    .filter((r) => (r.service ?? r.host) === labels[LABEL.service])
    .map((r) => ({host: r.bind, hostPort: r.listen, containerPort: r.port, ...(r.role === 'https' || r.role === 'redirect' ? {kind: r.role} : {})}))
  const own = (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({host: p.IP ?? '', hostPort: p.PublicPort, containerPort: p.PrivatePort}))
  return [...routed, ...own]
}

export function toServiceStatus(c: ContainerInfo, doors: DoorRoutes = new Map()): ServiceStatus {
  const labels = c.Labels ?? {}
  const ports: PortStatus[] = portsOf(c, doors)
    .filter((p, i, all) => all.findIndex((q) => q.host === p.host && q.hostPort === p.hostPort) === i)
    .sort((a, b) => a.containerPort - b.containerPort)
  const exit = /^Exited \((\d+)\)/.exec(c.Status ?? '')
  return {
    service: labels[LABEL.service] ?? labels['com.docker.compose.service'] ?? '?',
    role: labels[LABEL.role] ?? 'app',
    container: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
    state: exit ? `exited (${exit[1]})` : c.State,
    health: health(c),
    ports,
    ...(labels[LABEL.url] && c.State === 'running' && ports.length > 0 ? {url: labels[LABEL.url]} : {}),
    ...(labels[LABEL.inspector] ? {inspector: Number(labels[LABEL.inspector])} : {}),
  }
}

/** Every berth stack of a project (or of all projects), grouped by Compose project. */
export async function collectStatus(engine: Pick<EnginePort, 'containers'>, filter: {project?: string; stack?: string}): Promise<StackStatus[]> {
  // The whole project (or engine): the doors that route to the stack are not part of it.
  const containers = await engine.containers({[LABEL.project]: filter.project})
  const stacks = new Map<string, StackStatus>()
  const byStack = new Map<string, ContainerInfo[]>()
  const doors: DoorRoutes = new Map()
  for (const c of containers) {
    if (c.Labels?.[LABEL.role] !== 'door' || c.State !== 'running') continue
    try {
      doors.set(c.Labels[LABEL.door] ?? '', JSON.parse(c.Labels[DOOR_ROUTES_LABEL] ?? '[]'))
    } catch {
      // a door with an unreadable label routes nothing berth can show
    }
  }
  for (const c of containers) {
    const labels = c.Labels ?? {}
    if (labels[LABEL.role] === 'door' || (filter.stack && labels[LABEL.stack] !== filter.stack)) continue
    const key = labels['com.docker.compose.project'] ?? labels[LABEL.stack] ?? '?'
    let s = stacks.get(key)
    if (!s) {
      s = {stack: key, project: labels[LABEL.project] ?? '', env: labels[LABEL.env] ?? '', branch: labels[LABEL.branch] ?? '', services: [], routed: false, warnings: []}
      stacks.set(key, s)
      byStack.set(key, [])
    }
    byStack.get(key)!.push(c)
    const service = toServiceStatus(c, doors)
    if (service.ports.length > 0 && labels[LABEL.door]) s.routed = true
    s.services.push(service)
  }
  const out = [...stacks.values()].sort((a, b) => a.stack.localeCompare(b.stack))
  for (const s of out) {
    s.services.sort((a, b) => a.service.localeCompare(b.service))
    s.warnings = stackWarnings(byStack.get(s.stack) ?? [])
  }
  return out
}
