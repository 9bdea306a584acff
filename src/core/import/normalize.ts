/**
 * Compose's short and long forms of ports and volumes, read into one shape each for the import. Pure.
 */
import path from 'node:path'
import {isPlainObject} from '../merge.js'
import type {Plain} from './compose-file.js'

export interface PortEntry {
  container: number
  /** The host port; undefined: Compose picks one. */
  host?: number
  /** The host port as written when it is not a number (`${WEB_PORT:-8000}`). */
  hostText?: string
  hostIp?: string
  protocol: string
  /** The entry as written. */
  raw: unknown
}

export interface MountEntry {
  type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | 'image'
  /** A volume's name, a bind mount's host path; undefined: an anonymous volume. */
  source?: string
  target: string
  readOnly: boolean
  /** Options berth does not carry (`nocopy`, `:z`, `consistency`, ...), as written. */
  extra: string[]
  raw: unknown
}

const PORT_TEXT = /^(?:(?:\[([0-9a-fA-F:]+)\]|(\d+\.\d+\.\d+\.\d+)):)?(?:([^:]*):)?(\d+(?:-\d+)?)(?:\/(\w+))?$/

/** The variable's default in `${VAR:-8000}` / `${VAR-8000}`, when the text is just that. */
export function defaultOfVariable(text: string): number | undefined {
  const m = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(\d+)\}$/.exec(text)
  return m ? Number(m[1]) : undefined
}

function range(text: string): number[] {
  const [a, b] = text.split('-').map(Number)
  if (b === undefined) return [a]
  return b >= a && b - a < 100 ? Array.from({length: b - a + 1}, (_, i) => a + i) : []
}

/** One `ports:` entry as one or more ports (a range expands); undefined: a form berth cannot read. */
export function parsePort(raw: unknown): PortEntry[] | undefined {
  if (typeof raw === 'number') return [{container: raw, protocol: 'tcp', raw}]
  if (isPlainObject(raw)) {
    const container = Number(raw.target)
    if (!Number.isInteger(container)) return undefined
    const published = raw.published === undefined ? undefined : String(raw.published)
    const entry: PortEntry = {container, protocol: typeof raw.protocol === 'string' ? raw.protocol : 'tcp', raw}
    if (typeof raw.host_ip === 'string') entry.hostIp = raw.host_ip
    if (published !== undefined) Object.assign(entry, hostOf(published))
    return [entry]
  }
  if (typeof raw !== 'string') return undefined
  // ${VAR:-8000} holds a colon: read the text with each ${...} as a token, then put them back.
  const vars: string[] = []
  const masked = raw.trim().replace(/\$\{[^}]*\}/g, (v) => `\u0000${vars.push(v) - 1}\u0000`)
  const m = PORT_TEXT.exec(masked)
  if (!m) return undefined
  const unmask = (t: string | undefined) => t?.replace(/\u0000(\d+)\u0000/g, (_, i: string) => vars[Number(i)])
  const [, ip6, ip4, maskedHost, containerText, protocol] = m
  const hostText = unmask(maskedHost)
  const containers = range(containerText)
  const hostRange = hostText && /^\d+(-\d+)?$/.test(hostText) ? range(hostText) : undefined
  if (containers.length === 0 || (hostRange && hostRange.length !== containers.length && hostRange.length !== 1)) return undefined
  return containers.map((container, i) => {
    const entry: PortEntry = {container, protocol: protocol ?? 'tcp', raw}
    if (ip6 ?? ip4) entry.hostIp = ip6 ?? ip4
    if (hostRange) entry.host = hostRange.length === 1 ? hostRange[0] : hostRange[i]
    else if (hostText) Object.assign(entry, hostOf(hostText))
    return entry
  })
}

function hostOf(text: string): Pick<PortEntry, 'host' | 'hostText'> {
  if (/^\d+$/.test(text)) return {host: Number(text)}
  return {hostText: text, host: defaultOfVariable(text)}
}

/** A short-syntax source that is a host path, not a volume name. */
export function isHostPath(source: string): boolean {
  return /^[./~$]/.test(source) || /^[A-Za-z]:[\\/]/.test(source)
}

/** One `volumes:` entry of a service; undefined: a form berth cannot read. */
export function parseMount(raw: unknown): MountEntry | undefined {
  if (isPlainObject(raw)) {
    const type = typeof raw.type === 'string' ? raw.type : 'volume'
    if (typeof raw.target !== 'string' || !['volume', 'bind', 'tmpfs', 'npipe', 'cluster', 'image'].includes(type)) return undefined
    const extra = Object.keys(raw)
      .filter((k) => !['type', 'source', 'target', 'read_only'].includes(k) && !(type === 'bind' && k === 'bind' && onlyCreateHostPath(raw.bind)))
      .map((k) => `${k}: ${JSON.stringify(raw[k])}`)
    return {type: type as MountEntry['type'], source: typeof raw.source === 'string' ? raw.source : undefined, target: raw.target, readOnly: raw.read_only === true, extra, raw}
  }
  if (typeof raw !== 'string') return undefined
  const parts = raw.split(':')
  // A Windows drive letter (C:\x:/y) is the one colon a source may hold.
  if (parts.length > 1 && /^[A-Za-z]$/.test(parts[0]) && /^[\\/]/.test(parts[1] ?? '')) parts.splice(0, 2, `${parts[0]}:${parts[1]}`)
  if (parts.length === 1) return {type: 'volume', target: parts[0], readOnly: false, extra: [], raw}
  const [source, target, mode] = parts
  if (!target || parts.length > 3) return undefined
  const modes = (mode ?? '').split(',').filter(Boolean)
  const extra = modes.filter((m) => m !== 'ro' && m !== 'rw')
  return {type: isHostPath(source) ? 'bind' : 'volume', source, target, readOnly: modes.includes('ro'), extra, raw}
}

function onlyCreateHostPath(bind: unknown): boolean {
  return isPlainObject(bind) && Object.keys(bind).every((k) => k === 'create_host_path')
}

/** A path of the Compose file (relative to its folder) as a path relative to berth.yml's folder. */
export function rebase(p: string, composeDir: string, root: string): string {
  if (/^[/~$]/.test(p) || /^[A-Za-z]:[\\/]/.test(p) || /^[a-z]+:\/\//.test(p)) return p
  const rel = path.relative(root, path.resolve(composeDir, p)) || '.'
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** A berth key (volume keys: lowercase letters, digits, `-`, `_`) for a Compose name. */
export function berthKey(name: string, max = 41): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, max)
  return slug || 'data'
}

/** The Compose env_file entries: paths and whether each must exist. */
export function envFiles(value: unknown): Array<{path: string; required: boolean}> {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  return list.flatMap((e) => {
    if (typeof e === 'string') return [{path: e, required: true}]
    if (isPlainObject(e) && typeof e.path === 'string') return [{path: e.path, required: e.required !== false}]
    return []
  })
}

/** The image's repository name without registry, namespace and tag: `docker.io/library/node:20` is `node`. */
export function imageRepo(image: string): string {
  const noDigest = image.split('@')[0]
  const last = noDigest.split('/').at(-1) ?? noDigest
  return last.split(':')[0].toLowerCase()
}

export function asPlain(value: unknown): Plain {
  return isPlainObject(value) ? value : {}
}
