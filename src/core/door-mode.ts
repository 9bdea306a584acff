/**
 * How the front door holds its ports (pure decisions; src/app/door-host.ts asks the engine).
 *
 * - `host`: the door runs in the host's network namespace, listens on BIND:PORT itself and connects to the
 *   active stack's containers at their addresses on the door network (the host reaches bridge addresses).
 *   One userland hop, like a port Docker publishes. Only where the engine shares this machine's network:
 *   a Linux engine on a local unix socket, not rootless, not Docker Desktop or another VM.
 * - `published`: the door runs on its own network and Docker publishes its ports (through docker-proxy);
 *   it reaches the active stack by the door aliases on that network. Works with every engine.
 */
import type {DoorRoute} from './door.js'

export type DoorMode = 'host' | 'published'
export const DOOR_MODES: readonly DoorMode[] = ['host', 'published']

export interface EngineFacts {
  /** `docker info`: OperatingSystem, Name (the engine's host name), KernelVersion, SecurityOptions. */
  operatingSystem?: string
  name?: string
  kernelVersion?: string
  securityOptions?: string[]
}

export interface ModeInput {
  /** BERTH_DOOR_MODE, if set. */
  forced?: string
  /** process.platform of berth. */
  platform: string
  /** The engine's address when one was chosen (DOCKER_HOST or the context's): unix:///..., tcp://..., ssh://... */
  endpoint?: string
  /** This machine: os.hostname() and os.release(). */
  hostname: string
  release: string
  /** Asked only when the rest allows host mode. */
  engine?: EngineFacts
}

export interface ModeChoice {
  mode: DoorMode
  /** Why (for --debug and the README's wording). */
  reason: string
}

/** Whether the mode can be decided without asking the engine (forced, or not a local Linux engine). */
export function modeWithoutEngine(input: Omit<ModeInput, 'engine'>): ModeChoice | undefined {
  if (input.forced) {
    if (!(DOOR_MODES as readonly string[]).includes(input.forced)) throw new Error(`BERTH_DOOR_MODE must be host or published, not ${JSON.stringify(input.forced)}`)
    return {mode: input.forced as DoorMode, reason: 'BERTH_DOOR_MODE'}
  }
  if (input.platform !== 'linux') return {mode: 'published', reason: `the engine runs in a VM on ${input.platform}`}
  if (input.endpoint && !input.endpoint.startsWith('unix://')) return {mode: 'published', reason: `the engine is not on a local socket (${input.endpoint.replace(/\/\/[^@/]*@/, '//')})`}
  return undefined
}

/** The door's mode for this engine: host only where the engine's network is this machine's. */
export function chooseDoorMode(input: ModeInput): ModeChoice {
  const early = modeWithoutEngine(input)
  if (early) return early
  const e = input.engine ?? {}
  if (/docker desktop/i.test(e.operatingSystem ?? '')) return {mode: 'published', reason: 'Docker Desktop runs the engine in a VM'}
  if ((e.securityOptions ?? []).some((o) => /(^|,)name=rootless(,|$)/.test(o))) return {mode: 'published', reason: 'a rootless engine has a network namespace of its own'}
  // Another kernel is a VM (colima, lima, OrbStack); another host name is a VM or a container (a dev
  // container with the host's socket mounted): either way 127.0.0.1 of the engine's host is not ours.
  if (e.kernelVersion !== input.release) return {mode: 'published', reason: `the engine runs another kernel (${e.kernelVersion ?? 'unknown'})`}
  if (e.name !== input.hostname) return {mode: 'published', reason: `the engine runs on another host (${e.name ?? 'unknown'})`}
  return {mode: 'host', reason: 'a local Linux engine'}
}

/** A route as the door reads it (its BERTH_DOOR_ROUTES): kind tcp (default), https or redirect. */
export interface DoorRouteEnv {
  listen: number
  bind: string
  service: string
  host: string
  port: number
  kind?: 'https' | 'redirect'
  /** redirect: the https host port. */
  https?: number
}

/** What the door is told to listen on and where each route goes (its BERTH_DOOR_ROUTES). */
export function doorRoutesEnv(routes: readonly DoorRoute[]): DoorRouteEnv[] {
  return routes.map(({listen, bind, service, host, port, role, https}) => ({
    listen,
    bind,
    service,
    host,
    port,
    ...(role === 'https' || role === 'redirect' ? {kind: role} : {}),
    ...(role === 'redirect' && https ? {https} : {}),
  }))
}

/**
 * The route table a host-mode door reads on SIGHUP: each routed service's addresses on the door network
 * (one per replica; the door takes them in turn). Only containers of the routed stack, attached to the door
 * network, with an address; sorted, so equal tables are equal text.
 */
export function doorTable(services: readonly string[], attached: ReadonlyArray<{service: string; ip: string | undefined}>): Record<string, string[]> {
  const wanted = new Set(services)
  const table: Record<string, string[]> = {}
  for (const c of attached) {
    if (!wanted.has(c.service) || !c.ip) continue
    const list = (table[c.service] ??= [])
    if (!list.includes(c.ip)) list.push(c.ip)
  }
  const sorted: Record<string, string[]> = {}
  for (const service of Object.keys(table).sort()) sorted[service] = table[service].sort(byAddress)
  return sorted
}

/** IPv4 addresses in numeric order (172.20.0.10 after 172.20.0.9). */
function byAddress(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return a.localeCompare(b)
}

/** Labels of the door container: its mode, and its routes (JSON of DoorRoute[], read by status too). */
export const DOOR_MODE_LABEL = 'dev.berth.door.mode'
export {DOOR_ROUTES_LABEL} from './door.js'
/** Where a host-mode door reads its table, inside its container. */
export const DOOR_TABLE_FILE = '/tmp/berth-door-table.json'
