/** Use case: what runs, from the engine's point of view (containers found by berth's labels). */
import {LABEL} from '../core/naming.js'
import type {ContainerInfo, Engine} from '../docker/engine.js'

export interface PortStatus {
  host: string
  hostPort: number
  containerPort: number
}

export interface ServiceStatus {
  service: string
  role: string
  container: string
  state: string
  health: string
  ports: PortStatus[]
  url?: string
}

export interface StackStatus {
  /** Compose project name. */
  stack: string
  project: string
  env: string
  branch: string
  services: ServiceStatus[]
}

function health(c: ContainerInfo): string {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status ?? '')
  if (m) return m[1] === 'health: starting' ? 'starting' : m[1]
  return c.State === 'running' ? 'no check' : '-'
}

export function toServiceStatus(c: ContainerInfo): ServiceStatus {
  const labels = c.Labels ?? {}
  const ports: PortStatus[] = (c.Ports ?? [])
    .filter((p) => p.PublicPort)
    .map((p) => ({host: p.IP ?? '', hostPort: p.PublicPort, containerPort: p.PrivatePort}))
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
    ...(labels[LABEL.url] && c.State === 'running' ? {url: labels[LABEL.url]} : {}),
  }
}

/** Every berth stack of a project (or of all projects), grouped by Compose project. */
export async function collectStatus(engine: Engine, filter: {project?: string; stack?: string}): Promise<StackStatus[]> {
  const containers = await engine.containers({
    [LABEL.project]: filter.project,
    ...(filter.stack ? {[LABEL.stack]: filter.stack} : {}),
  })
  const stacks = new Map<string, StackStatus>()
  for (const c of containers) {
    const labels = c.Labels ?? {}
    const key = labels['com.docker.compose.project'] ?? labels[LABEL.stack] ?? '?'
    let s = stacks.get(key)
    if (!s) {
      s = {stack: key, project: labels[LABEL.project] ?? '', env: labels[LABEL.env] ?? '', branch: labels[LABEL.branch] ?? '', services: []}
      stacks.set(key, s)
    }
    s.services.push(toServiceStatus(c))
  }
  const out = [...stacks.values()].sort((a, b) => a.stack.localeCompare(b.stack))
  for (const s of out) s.services.sort((a, b) => a.service.localeCompare(b.service))
  return out
}
