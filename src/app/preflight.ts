/**
 * Checks before `up` changes anything: the engine answers, Compose v2 is there, every host port is free
 * (or already held by this stack's front door).
 */
import {DOOR_ROUTES_LABEL} from '../core/door-mode.js'
import {BerthError, ExitCode} from '../core/errors.js'
import type {PortBinding} from '../core/render.js'
import type {ComposePort, ContainerInfo, EnginePort, HostPortsPort} from './ports.js'

export async function checkDocker(engine: Pick<EnginePort, 'ping'>, compose: Pick<ComposePort, 'version'>): Promise<void> {
  // The engine first: with no engine, "compose is missing" would be the wrong advice.
  await engine.ping()
  await compose.version()
}

export async function checkPorts(ports: PortBinding[], stack: string, engine: Pick<EnginePort, 'containers'>, probe: HostPortsPort, door?: string): Promise<void> {
  const seen = new Map<number, PortBinding>()
  for (const p of ports) {
    const other = seen.get(p.host)
    if (other) {
      throw new BerthError(`host port ${p.host} is used twice in this stack (services ${other.service} and ${p.service})`, {
        exitCode: ExitCode.CONFIG,
        hints: ['Give one of them another host_port in berth.yml.'],
      })
    }
    seen.set(p.host, p)
  }
  const running = await engine.containers({}, false)
  // A door of ours left half-started (Ctrl-C, a crash) may hold its ports through docker-proxy: up replaces it.
  const ownDoor = door !== undefined && (await engine.containers({'dev.berth.door': door, 'dev.berth.role': 'door'}, true)).length > 0
  for (const p of ports) {
    const holders = publishing(running, p.host)
    if (holders.some((c) => c.Labels?.['com.docker.compose.project'] === stack || (door !== undefined && c.Labels?.['dev.berth.door'] === door && c.Labels?.['dev.berth.role'] === 'door'))) continue
    const foreign = holders[0]
    if (foreign) {
      const name = (foreign.Names?.[0] ?? foreign.Id).replace(/^\//, '')
      const l = foreign.Labels ?? {}
      const owner = l['dev.berth.stack']
        ? ` (berth stack ${l['dev.berth.stack']})`
        : l['dev.berth.role'] === 'door'
          ? ` (the front door of berth project ${l['dev.berth.project']}, work tree ${l['dev.berth.worktree'] ?? '?'})`
          : l['com.docker.compose.project']
            ? ` (Compose project ${l['com.docker.compose.project']})`
            : ''
      throw portTaken(p, `container ${name}${owner}`)
    }
    if (await probe.canBind(p.bind, p.host)) continue
    const listener = probe.describeListener(p.host)
    if (ownDoor && (listener === undefined || /docker-proxy/.test(listener))) continue
    throw portTaken(p, listener ?? 'another process')
  }
}

/** The containers (of a listing of running ones) that publish a host port, or listen on it as a host-mode door. */
function publishing(running: ContainerInfo[], port: number): ContainerInfo[] {
  return running.filter((c) => (c.Ports ?? []).some((p) => p.PublicPort === port) || hostDoorPorts(c).includes(port))
}

/** The ports a front door in the host's network namespace listens on (its routes label); none for others. */
function hostDoorPorts(c: ContainerInfo): number[] {
  if (c.HostConfig?.NetworkMode !== 'host' || c.Labels?.['dev.berth.role'] !== 'door') return []
  try {
    return (JSON.parse(c.Labels[DOOR_ROUTES_LABEL] ?? '[]') as Array<{listen: number}>).map((r) => r.listen)
  } catch {
    return []
  }
}

function portTaken(p: PortBinding, holder: string): BerthError {
  const what = p.role === 'https' ? ' (its https port)' : p.role === 'redirect' ? ' (its http-to-https redirect)' : ''
  const key = p.role === 'https' ? 'tls: {https_port: N}' : p.role === 'redirect' ? 'tls: {http_port: N}' : 'host_port'
  return new BerthError(`port ${p.host} on ${p.bind} (service ${p.service}${what}) is already in use by ${holder}`, {
    exitCode: ExitCode.PREFLIGHT,
    hints: [`Stop ${holder}, or publish ${p.service} elsewhere: set ${key} under services.${p.service} in berth.yml, or BERTH_PORT_OFFSET=1000 for every port.`],
  })
}

/**
 * Other stacks of the same project and environment (other branches of this work tree) that publish one of
 * these ports: only one of them can run at a time, so `up` stops them (their containers and data stay).
 */
export async function portSiblings(ports: PortBinding[], stack: string, labels: {project: string; env: string}, engine: Pick<EnginePort, 'containers'>): Promise<Array<{stack: string; branch: string}>> {
  const found = new Map<string, string>()
  const running = await engine.containers({}, false)
  for (const p of ports) {
    for (const c of publishing(running, p.host)) {
      const l = c.Labels ?? {}
      const other = l['com.docker.compose.project']
      if (other && other !== stack && l['dev.berth.project'] === labels.project && l['dev.berth.env'] === labels.env) found.set(other, l['dev.berth.branch'] ?? '')
    }
  }
  return [...found].map(([s, branch]) => ({stack: s, branch})).sort((a, b) => a.stack.localeCompare(b.stack))
}
