/**
 * A service's Compose ports as berth ports: the first TCP port is `port` (with `host_port` when the host
 * port differs), the others `ports: {container: host}`; all of them on 127.0.0.1, whatever host address
 * Compose had. Pure.
 */
import type {ServiceSpec} from '../model.js'
import {INSPECTOR_PORT} from '../render.js'
import type {PortEntry} from './normalize.js'
import type {TemplateInfo} from './templates.js'

export interface PortsImport {
  spec: Pick<ServiceSpec, 'port' | 'host_port' | 'ports' | 'params'>
  notes: string[]
  /** Entries kept under compose: ports as written. */
  keep?: unknown[]
}

export function mapPorts({entries, unreadable}: {entries: PortEntry[]; unreadable: unknown[]}, o: {template: TemplateInfo; networkMode?: string}): PortsImport {
  const out: PortsImport = {spec: {}, notes: []}
  if (o.networkMode !== undefined && o.networkMode !== 'bridge' && o.networkMode !== 'default') {
    const why = o.networkMode === 'host' ? 'the service listens on the host itself' : "the service has no network of its own for the front door to reach (and Compose refuses ports with it)"
    const raw = [...new Set([...entries.map((e) => e.raw), ...unreadable])].map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : JSON.stringify(p)))
    if (raw.length > 0) out.notes.push(`ports ${raw.join(', ')} not imported: with network_mode: ${o.networkMode} ${why}`)
    return out
  }
  const keep: unknown[] = [...unreadable]
  const tcp: PortEntry[] = []
  const wide: string[] = []
  const random: number[] = []
  for (const e of entries) {
    if (e.protocol !== 'tcp' || tcp.some((t) => t.container === e.container)) {
      keep.push(onLoopback(e))
      continue
    }
    if (o.template.name === 'node' && e.container === INSPECTOR_PORT) {
      out.notes.push(`port ${INSPECTOR_PORT} (the Node inspector) not imported: berth publishes the inspector itself, on 127.0.0.1 (berth debug)`)
      continue
    }
    tcp.push(e)
    if (e.hostIp !== '127.0.0.1') wide.push(String(e.host ?? e.container))
    if (e.host === undefined && e.hostText === undefined) random.push(e.container)
    if (e.hostText !== undefined) out.notes.push(`host port ${e.hostText} became ${e.host ?? e.container}${e.host === undefined ? ' (the container port: the variable has no default)' : ' (its default)'}`)
  }
  const [first, ...others] = tcp
  if (first) {
    out.spec.port = first.container
    if ((first.host ?? first.container) !== first.container) out.spec.host_port = first.host
  } else if (o.template.port !== undefined) {
    // Compose published nothing: neither does berth (the template's default port is turned off).
    out.spec.params = {port: null}
    out.notes.push(`no published port, as in the Compose file (params: {port: null} turns off the ${o.template.name} template's ${o.template.port})`)
  }
  if (others.length > 0) out.spec.ports = Object.fromEntries(others.map((e) => [String(e.container), e.host ?? e.container]))
  if (tcp.length > 0) {
    const why = [wide.length > 0 ? `Compose published ${wide.join(', ')} on every address` : '', random.length > 0 ? `${random.join(', ')} had no host port (Compose picked one), now the same number` : '']
    out.notes.push(`ports ${tcp.map((e) => `${e.host ?? e.container}->${e.container}`).join(', ')} on 127.0.0.1 only, through berth's front door${why.some(Boolean) ? ` (${why.filter(Boolean).join('; ')})` : ''}`)
  }
  if (keep.length > 0) {
    out.keep = keep
    out.notes.push(`ports ${keep.map((k) => JSON.stringify(k)).join(', ')} kept under compose: (not TCP, or a container port twice): the stack publishes them itself on 127.0.0.1, so two branches' stacks cannot run at once`)
  }
  return out
}

/** A port berth cannot route, in Compose's long form on 127.0.0.1. */
function onLoopback(e: PortEntry): Record<string, unknown> {
  return {target: e.container, published: String(e.host ?? e.hostText ?? e.container), protocol: e.protocol, host_ip: '127.0.0.1'}
}
