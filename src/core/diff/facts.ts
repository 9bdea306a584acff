/**
 * What `berth diff` compares, read from a rendered environment (RenderResult): per service, the keys
 * that make two environments behave differently, normalised (defaults filled in, lists keyed) and
 * with secrets masked. Pure.
 */
import path from 'node:path'
import {isPlainObject} from '../merge.js'
import type {Mode} from '../model.js'
import {LABEL} from '../naming.js'
import type {RenderResult} from '../render.js'
import {showText, showValue} from './mask.js'

/** One side of a comparison: a rendered environment, and where it came from. */
export interface DiffSide {
  env: string
  mode: Mode
  branch: string | null
  /** The project folder (bind mounts under it are shown relative to it). */
  root: string
  result: RenderResult
}

export type Scalar = string | number | boolean | null
/** A mount: a bind (source: host path), a named volume (source: its key; volume: the Docker volume), a tmpfs. */
export interface MountFact {
  type: string
  source: string | null
  read_only: boolean
  /** The Docker volume's name (differs per environment and branch: shown, never a parity problem). */
  volume?: string
}

/** The compared keys of a service. Maps (environment, ports, mounts, limits, healthcheck, build) are compared entry by entry. */
export interface ServiceFacts {
  image: string | null
  build: Record<string, string> | null
  command: string[] | string | null
  environment: Record<string, string>
  /** Container port -> ADDRESS:HOST_PORT (through the front door, or a port a compose fragment publishes). */
  ports: Record<string, string>
  /** Container path -> mount. */
  mounts: Record<string, MountFact>
  tmpfs: string[] | null
  limits: Record<string, string> | null
  read_only: boolean
  user: string | null
  healthcheck: Record<string, Scalar | string[]> | null
  /** The Node inspector: ADDRESS:HOST_PORT, or "unpublished" when an --inspect flag is set without berth's port. */
  inspector: string | null
  replicas: number
  restart: string | null
}

export const FACT_KEYS = ['image', 'build', 'command', 'environment', 'ports', 'mounts', 'tmpfs', 'limits', 'read_only', 'user', 'healthcheck', 'inspector', 'replicas', 'restart'] as const
export type FactKey = (typeof FACT_KEYS)[number]
/** Keys whose value is a map compared entry by entry (change keys `environment.NODE_ENV`, `mounts./src`). */
export const MAP_KEYS: ReadonlySet<FactKey> = new Set(['build', 'environment', 'ports', 'mounts', 'limits', 'healthcheck'])

type Plain = Record<string, unknown>

export function composeServices(result: RenderResult): Record<string, Plain> {
  const services = result.compose.services
  return isPlainObject(services) ? (services as Record<string, Plain>) : {}
}

/** The app services (compared) and the one-shot setup helpers (left out), each sorted. */
export function serviceRoles(result: RenderResult): {app: string[]; setup: string[]} {
  const setupNames = new Set(result.services.filter((s) => s.role === 'setup').map((s) => s.name))
  const app: string[] = []
  const setup: string[] = []
  for (const [name, svc] of Object.entries(composeServices(result))) {
    const labels = isPlainObject(svc.labels) ? svc.labels : {}
    if (setupNames.has(name) || labels[LABEL.role] === 'setup') setup.push(name)
    else app.push(name)
  }
  return {app: app.sort(), setup: setup.sort()}
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

/** The environment as strings (Compose's list form too); a variable without a value is passed from the shell. */
export function rawEnvironment(svc: Plain): Record<string, string> {
  const env = svc.environment
  const out: Record<string, string> = {}
  if (Array.isArray(env)) {
    for (const item of env) {
      const text = String(item)
      const eq = text.indexOf('=')
      if (eq < 0) out[text] = '(from the shell)'
      else out[text.slice(0, eq)] = text.slice(eq + 1)
    }
  } else if (isPlainObject(env)) {
    for (const [k, v] of Object.entries(env)) out[k] = v === null || v === undefined ? '(from the shell)' : typeof v === 'string' ? v : String(v)
  }
  return out
}

/** A published port of a service, from the front door's table or a compose fragment's `ports:`. */
export interface PublishedPort {
  bind: string
  host: number | string
  container: number | string
  role: 'app' | 'extra' | 'inspector' | 'compose'
}

/** Compose's short syntax `[IP:][HOST:]CONTAINER[/proto]` and long syntax, with Docker's default address 0.0.0.0. */
function composePorts(svc: Plain): PublishedPort[] {
  if (!Array.isArray(svc.ports)) return []
  const out: PublishedPort[] = []
  for (const p of svc.ports) {
    if (isPlainObject(p)) {
      out.push({bind: typeof p.host_ip === 'string' && p.host_ip ? p.host_ip : '0.0.0.0', host: p.published === undefined ? '(random)' : str(p.published), container: str(p.target), role: 'compose'})
      continue
    }
    out.push(shortPort(String(p)))
  }
  return out
}

/** `80`, `8080:80`, `127.0.0.1:8080:80`, `[::1]:8080:80/udp`; a port without a host port gets a random one. */
function shortPort(spec: string): PublishedPort {
  let text = spec.replace(/\/(tcp|udp|sctp)$/, '')
  let ip = ''
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(text)
  if (bracket) [ip, text] = [bracket[1], bracket[2]]
  const parts = text.split(':')
  const container = parts.at(-1) ?? text
  const host = parts.length >= 2 ? parts.at(-2)! : '(random)'
  if (parts.length >= 3) ip = parts.slice(0, -2).join(':')
  return {bind: ip || '0.0.0.0', host: host || '(random)', container, role: 'compose'}
}

export function publishedPorts(side: Pick<DiffSide, 'result'>, name: string): PublishedPort[] {
  const svc = composeServices(side.result)[name] ?? {}
  return [...side.result.ports.filter((p) => p.service === name), ...composePorts(svc)]
}

/** Bind mounts of a service (Compose's short syntax `SRC:DST[:ro]` too). */
export function rawMounts(svc: Plain): Array<{type: string; source: string | null; target: string; read_only: boolean}> {
  if (!Array.isArray(svc.volumes)) return []
  return svc.volumes.map((v) => {
    if (isPlainObject(v)) {
      return {type: String(v.type ?? 'volume'), source: typeof v.source === 'string' ? v.source : null, target: String(v.target), read_only: v.read_only === true}
    }
    const [source, target, opts] = String(v).split(':')
    if (target === undefined) return {type: 'volume', source: null, target: source, read_only: false}
    const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~')
    return {type: bind ? 'bind' : 'volume', source, target, read_only: /(^|,)ro(,|$)/.test(opts ?? '')}
  })
}

/** The image a service runs on: its image, or the BASE_IMAGE build argument of a built one. */
export function baseImage(svc: Plain): {image: string; key: string} | undefined {
  if (isPlainObject(svc.build)) {
    const args = isPlainObject(svc.build.args) ? svc.build.args : {}
    if (typeof args.BASE_IMAGE === 'string') return {image: args.BASE_IMAGE, key: 'build.args.BASE_IMAGE'}
    return undefined
  }
  return typeof svc.image === 'string' ? {image: svc.image, key: 'image'} : undefined
}

function showPath(root: string, p: string): string {
  const rel = path.relative(root, p)
  if (rel === '') return '.'
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : `./${rel}`
}

function buildFacts(side: DiffSide, svc: Plain, salt: string): Record<string, string> | null {
  const b = svc.build
  if (b === undefined || b === null) return null
  if (!isPlainObject(b)) return {context: showPath(side.root, path.resolve(side.root, String(b)))}
  const out: Record<string, string> = {}
  for (const key of ['context', 'dockerfile', 'target'] as const) if (b[key] !== undefined) out[key] = String(b[key])
  if (out.context) out.context = showPath(side.root, path.resolve(side.root, out.context))
  if (isPlainObject(b.args)) for (const [k, v] of Object.entries(b.args)) out[`args.${k}`] = showValue(k, v === null ? '' : String(v), salt)
  return out
}

function mountFacts(side: DiffSide, svc: Plain): Record<string, MountFact> {
  const top = isPlainObject(side.result.compose.volumes) ? side.result.compose.volumes : {}
  const out: Record<string, MountFact> = {}
  for (const m of rawMounts(svc)) {
    const fact: MountFact = {type: m.type, source: m.type === 'bind' && m.source ? showPath(side.root, m.source) : m.source, read_only: m.read_only}
    const def = m.type === 'volume' && m.source ? top[m.source] : undefined
    if (isPlainObject(def) && typeof def.name === 'string') fact.volume = def.name
    out[m.target] = fact
  }
  return out
}

function limitsFacts(svc: Plain): Record<string, string> | null {
  const deploy = isPlainObject(svc.deploy) ? svc.deploy : {}
  const resources = isPlainObject(deploy.resources) ? deploy.resources : {}
  const limits = isPlainObject(resources.limits) ? resources.limits : {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(limits)) if (v !== null && v !== undefined) out[k] = String(v)
  if (svc.mem_limit !== undefined && out.memory === undefined) out.memory = String(svc.mem_limit)
  if (svc.cpus !== undefined && out.cpus === undefined) out.cpus = String(svc.cpus)
  if (svc.pids_limit !== undefined && out.pids === undefined) out.pids = String(svc.pids_limit)
  return Object.keys(out).length ? out : null
}

function healthFacts(svc: Plain, salt: string): ServiceFacts['healthcheck'] {
  const h = svc.healthcheck
  if (!isPlainObject(h)) return null
  const out: Record<string, Scalar | string[]> = {}
  for (const [k, v] of Object.entries(h)) {
    if (k === 'test') out.test = Array.isArray(v) ? v.map((w) => showText(String(w), salt)) : showText(String(v), salt)
    else out[k] = v === null || typeof v !== 'object' ? (v as Scalar) : JSON.stringify(v)
  }
  return out
}

/** Where the service's Node inspector is: berth's (dev) port, or an --inspect flag set some other way. */
function inspectorFact(side: DiffSide, name: string, svc: Plain, env: Record<string, string>): string | null {
  const port = side.result.ports.find((p) => p.service === name && p.role === 'inspector')
  if (port) return `${port.bind}:${port.host}`
  const labels = isPlainObject(svc.labels) ? svc.labels : {}
  if (labels[LABEL.inspector] !== undefined) return `127.0.0.1:${String(labels[LABEL.inspector])}`
  const command = Array.isArray(svc.command) ? svc.command.join(' ') : String(svc.command ?? '')
  if (/--inspect/.test(`${env.NODE_OPTIONS ?? ''} ${command}`) || /inspector\.cjs/.test(env.NODE_OPTIONS ?? '')) return 'unpublished'
  return null
}

/** The compared facts of one service of a rendered environment. */
export function serviceFacts(side: DiffSide, name: string, salt: string): ServiceFacts {
  const svc = composeServices(side.result)[name] ?? {}
  const raw = rawEnvironment(svc)
  const environment: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) environment[k] = showValue(k, v, salt)
  const ports: Record<string, string> = {}
  for (const p of publishedPorts(side, name)) if (p.role !== 'inspector') ports[String(p.container)] = `${p.bind}:${p.host}`
  const deploy = isPlainObject(svc.deploy) ? svc.deploy : {}
  const command = svc.command
  const tmpfs = svc.tmpfs === undefined || svc.tmpfs === null ? null : (Array.isArray(svc.tmpfs) ? svc.tmpfs.map(String) : [String(svc.tmpfs)]).sort()
  return {
    image: typeof svc.image === 'string' ? svc.image : null,
    build: buildFacts(side, svc, salt),
    command: Array.isArray(command) ? command.map((w) => showText(String(w), salt)) : typeof command === 'string' ? showText(command, salt) : null,
    environment,
    ports,
    mounts: mountFacts(side, svc),
    tmpfs,
    limits: limitsFacts(svc),
    read_only: svc.read_only === true,
    user: svc.user === undefined || svc.user === null ? null : String(svc.user),
    healthcheck: healthFacts(svc, salt),
    inspector: inspectorFact(side, name, svc, raw),
    replicas: typeof deploy.replicas === 'number' ? deploy.replicas : typeof svc.scale === 'number' ? svc.scale : 1,
    restart: typeof svc.restart === 'string' ? svc.restart : null,
  }
}
