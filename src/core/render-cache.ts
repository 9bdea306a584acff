/**
 * The render cache's decisions: what identifies a render besides the files it reads (the key), what
 * is stored, and whether a stored render can be used again. Pure: the IO and the stored text are
 * handed in (src/app/render.ts reads and writes .berth/cache/ENV.json).
 *
 * A stored render is used only when its key is equal to the current one AND every recorded input
 * (file texts, folder listings, path checks, lock-file hashes) gives the same answer again.
 * Anything unexpected (unreadable, malformed, another format) is a miss.
 */
import {digest, parseInputLog, replayInputs, startsWith, type InputRead, type ProjectIO} from './inputs.js'
import type {RenderResult} from './render.js'

/** Bump when the stored shape or the meaning of a key field changes. */
export const RENDER_CACHE_FORMAT = 1

/** Environment names that are safe as file names (berth.yml's envName pattern); others are not cached. */
const SAFE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/

export function isCacheableEnv(env: string): boolean {
  return SAFE_NAME.test(env)
}

/** Environment variables read while loading or rendering a project (see project.ts, user-config.ts, git.ts). */
export const KEY_VARS = ['BERTH_IMAGE_MAP', 'BERTH_REGISTRY', 'BERTH_PORT_OFFSET', 'BERTH_BRANCH', 'BERTH_CONFIG', 'XDG_CONFIG_HOME', 'HOME', 'NPM_REGISTRY', 'NPM_CONFIG_USERCONFIG', 'npm_config_userconfig'] as const

/**
 * Everything a render depends on that is not a recorded input: berth itself, where the project and
 * the user config are, and the answers computed before loading (branch, worktree port offset).
 */
export interface RenderCacheKey {
  format: number
  version: string
  /** A fingerprint of berth's code (computed at build time). */
  build: string
  /** berth's package folder (built-in templates, runtime/). */
  berthRoot: string
  /** The project's folder (absolute paths in the result derive from it). */
  root: string
  env: string
  branch: string | null
  worktreeOffset: number
  /** Where the user config is looked for (its text is a recorded input). */
  userConfig: string
  /** Digests of the KEY_VARS values (null: unset); the values themselves are not written to disk. */
  vars: Record<string, string | null>
  /** The engine's API version the render was for (healthcheck start_interval); null: not known (berth render). */
  engineApi?: string | null
}

export interface RenderCacheEntry {
  key: RenderCacheKey
  inputs: InputRead[]
  result: RenderResult
  yaml: string
}

export function keyVars(env: NodeJS.ProcessEnv): Record<string, string | null> {
  return Object.fromEntries(KEY_VARS.map((name) => [name, env[name] === undefined ? null : digest(env[name])]))
}

/** JSON with object keys sorted: equal keys give equal text whatever the order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}

export function sameKey(a: RenderCacheKey, b: RenderCacheKey): boolean {
  return canonical(a) === canonical(b)
}

/**
 * Whether a value survives JSON unchanged (object properties holding undefined are dropped, as YAML
 * output drops them): plain objects, arrays, strings, booleans, finite numbers other than -0, null.
 */
export function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0)
  if (Array.isArray(value)) return value.every((v) => v !== undefined && jsonSafe(v))
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return false
    return Object.values(value as Record<string, unknown>).every((v) => v === undefined || jsonSafe(v))
  }
  return false
}

/** The text to store, or undefined when the result would not read back the same. */
export function serializeEntry(entry: RenderCacheEntry): string | undefined {
  if (!jsonSafe(entry.result)) return undefined
  return JSON.stringify({format: RENDER_CACHE_FORMAT, ...entry})
}

/** A stored entry, or undefined for anything malformed (a miss, never an error). */
export function parseEntry(text: string | undefined): RenderCacheEntry | undefined {
  if (text === undefined) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const e = raw as Record<string, unknown>
  if (e.format !== RENDER_CACHE_FORMAT || typeof e.yaml !== 'string') return undefined
  if (typeof e.key !== 'object' || e.key === null) return undefined
  const inputs = parseInputLog(e.inputs)
  if (!inputs) return undefined
  const r = e.result as Partial<RenderResult> | null
  if (typeof r !== 'object' || r === null || typeof r.project !== 'string' || typeof r.compose !== 'object' || typeof r.env?.name !== 'string') return undefined
  if (!Array.isArray(r.services) || !Array.isArray(r.volumes) || !Array.isArray(r.ports)) return undefined
  return {key: e.key as RenderCacheKey, inputs, result: r as RenderResult, yaml: e.yaml}
}

/**
 * Whether the stored render can be used for `key`: same key, and every recorded input answers the
 * same. `loaded`: the inputs a project already loaded in this process read (its parsed files must be
 * the ones the entry was rendered from); only the rest is asked again.
 */
export function cacheHit(entry: RenderCacheEntry | undefined, key: RenderCacheKey, io: ProjectIO, loaded?: readonly InputRead[]): entry is RenderCacheEntry {
  if (!entry || !sameKey(entry.key, key)) return false
  if (!loaded) return replayInputs(entry.inputs, io)
  return startsWith(entry.inputs, loaded) && replayInputs(entry.inputs.slice(loaded.length), io)
}
