/**
 * The semantic diff of two rendered environments (`berth diff`): per service, each compared key
 * (facts.ts) side by side; maps entry by entry. Pure.
 */
import {FACT_KEYS, MAP_KEYS, serviceFacts, serviceRoles, type DiffSide, type FactKey, type MountFact, type ServiceFacts} from './facts.js'
import {parityWarnings, type ParityWarning} from './parity.js'

/** One difference: the key (`environment.NODE_ENV`, `mounts./src`, `limits.memory`, `image`), each side's value (null: absent). */
export interface Change {
  key: string
  a: unknown
  b: unknown
  /** Set when only the Docker volume's name differs (it does per environment and branch; not a parity problem). */
  note?: 'volume name'
}

export interface ServiceDiff {
  service: string
  /** Where the service is: in both environments, or in one only. */
  in: 'both' | 'a' | 'b'
  a: ServiceFacts | null
  b: ServiceFacts | null
  changes: Change[]
  /** The keys (FACT_KEYS) with no difference at all. */
  same: FactKey[]
}

export interface SideInfo {
  env: string
  mode: string
  branch: string | null
  project: string
}

export interface DiffReport {
  a: SideInfo
  b: SideInfo
  services: ServiceDiff[]
  /** One-shot setup helpers (e.g. web-setup), left out of the comparison. */
  setup: {a: string[]; b: string[]}
  warnings: ParityWarning[]
}

/** Structural equality of JSON-like values (key order ignored). */
export function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false
  if (Array.isArray(x) !== Array.isArray(y)) return false
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameValue(v, y[i]))
  const xo = x as Record<string, unknown>
  const yo = y as Record<string, unknown>
  const keys = new Set([...Object.keys(xo), ...Object.keys(yo)])
  return [...keys].every((k) => sameValue(xo[k], yo[k]))
}

function withoutVolume(m: MountFact): MountFact {
  const {volume: _volume, ...rest} = m
  return rest
}

function mapChanges(key: FactKey, a: Record<string, unknown> | null, b: Record<string, unknown> | null): Change[] {
  const am = a ?? {}
  const bm = b ?? {}
  const changes: Change[] = []
  for (const entry of [...new Set([...Object.keys(am), ...Object.keys(bm)])].sort()) {
    const x = am[entry] ?? null
    const y = bm[entry] ?? null
    if (sameValue(x, y)) continue
    const change: Change = {key: `${key}.${entry}`, a: x, b: y}
    if (key === 'mounts' && x && y && sameValue(withoutVolume(x as MountFact), withoutVolume(y as MountFact))) change.note = 'volume name'
    changes.push(change)
  }
  return changes
}

/** The differences between two services' facts, and the keys with none. */
export function compareFacts(a: ServiceFacts, b: ServiceFacts): {changes: Change[]; same: FactKey[]} {
  const changes: Change[] = []
  const same: FactKey[] = []
  for (const key of FACT_KEYS) {
    const found = MAP_KEYS.has(key)
      ? mapChanges(key, a[key] as Record<string, unknown> | null, b[key] as Record<string, unknown> | null)
      : sameValue(a[key], b[key])
        ? []
        : [{key, a: a[key], b: b[key]}]
    if (found.length) changes.push(...found)
    else same.push(key)
  }
  return {changes, same}
}

export function sideInfo(side: DiffSide): SideInfo {
  return {env: side.env, mode: side.mode, branch: side.branch, project: side.result.project}
}

/** Compare two rendered environments, service by service, with the parity warnings between them. */
export function diffEnvironments(a: DiffSide, b: DiffSide, salt: string): DiffReport {
  const ra = serviceRoles(a.result)
  const rb = serviceRoles(b.result)
  const names = [...new Set([...ra.app, ...rb.app])].sort()
  const services: ServiceDiff[] = names.map((service) => {
    const fa = ra.app.includes(service) ? serviceFacts(a, service, salt) : null
    const fb = rb.app.includes(service) ? serviceFacts(b, service, salt) : null
    if (!fa || !fb) return {service, in: fa ? 'a' : 'b', a: fa, b: fb, changes: [], same: []}
    return {service, in: 'both', a: fa, b: fb, ...compareFacts(fa, fb)}
  })
  return {a: sideInfo(a), b: sideInfo(b), services, setup: {a: ra.setup, b: rb.setup}, warnings: parityWarnings(a, b)}
}
