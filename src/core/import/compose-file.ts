/**
 * A Compose file read for import: parsed with the `yaml` library with positions (merge keys on, so `<<: *x`
 * is resolved as Compose resolves it), checked to be Compose, and what the import must say about its form
 * (anchors, merge keys, `version:`). Pure: the text is handed in.
 */
import {isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node} from 'yaml'
import {ConfigError, type SourcePos} from '../errors.js'
import {isPlainObject} from '../merge.js'

export type Plain = Record<string, unknown>

export interface ComposeFile {
  /** The file name as shown to the user. */
  file: string
  /** The plain value: a mapping with `services`. */
  value: Plain
  /** Where the node at a path starts (the nearest existing parent otherwise). */
  locate(path: readonly (string | number)[]): SourcePos
  /** Where the key of the pair at a path starts. */
  locateKey(path: readonly (string | number)[]): SourcePos
  /** Positions of the first anchor and the first merge key, when the file has them. */
  anchor?: SourcePos
  mergeKey?: SourcePos
}

/** Aliases may expand to at most this many nodes (a "billion laughs" is refused, not expanded). */
const MAX_ALIAS_COUNT = 10_000

export function parseComposeText(text: string, file: string): ComposeFile {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, merge: true, prettyErrors: false})
  const posAt = (offset: number): SourcePos => ({file, ...lineCounter.linePos(offset)})
  const first = doc.errors[0]
  if (first) throw new ConfigError(`not valid YAML: ${first.message.split('\n')[0]}`, posAt(first.pos[0]))
  const locate = (path: readonly (string | number)[]) => posAt(nodeAt(doc, path)?.range?.[0] ?? 0)
  const locateKey = (path: readonly (string | number)[]) => posAt(nodeAt(doc, path, true)?.range?.[0] ?? 0)
  let value: unknown
  try {
    value = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
  } catch (error) {
    throw new ConfigError(`cannot be read: ${(error as Error).message.split('\n')[0]}`, posAt(0))
  }
  const result: ComposeFile = {file, value: checkCompose(value, locate), locate, locateKey}
  visit(doc, {
    Node(_key, node) {
      if (!result.anchor && (node as Node).anchor) result.anchor = posAt((node as Node).range?.[0] ?? 0)
      if (!result.anchor && isAlias(node)) result.anchor = posAt(node.range?.[0] ?? 0)
    },
    Pair(_key, pair) {
      if (!result.mergeKey && isScalar(pair.key) && (pair.key.source === '<<' || pair.key.value === '<<' || String(pair.key.value) === 'Symbol(<<)')) result.mergeKey = posAt(pair.key.range?.[0] ?? 0)
    },
  })
  return result
}

function nodeAt(doc: Document, path: readonly (string | number)[], key = false): Node | undefined {
  let current: unknown = doc.contents
  for (const [i, segment] of path.entries()) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
      if (!pair || !isNode(pair.value) || (key && i === path.length - 1)) return isNode(pair?.key) ? pair.key : (current as Node)
      current = pair.value
    } else if (isSeq(current) && typeof segment === 'number' && isNode(current.items[segment])) {
      current = current.items[segment]
    } else {
      break
    }
  }
  return isNode(current) ? current : undefined
}

/** Service keys of the Compose file format v1 (2014-2015: services at the top level, no `services:`). */
const V1_SERVICE_KEYS = ['image', 'build', 'command', 'links', 'ports', 'volumes', 'environment']

function checkCompose(value: unknown, locate: ComposeFile['locate']): Plain {
  const hint = ['Point --from at a docker-compose.yml or compose.yaml (a mapping with services:).']
  if (!isPlainObject(value)) throw new ConfigError('not a Compose file: expected a mapping with services:', locate([]), {hints: hint})
  if (value.services === undefined) {
    const v1 = Object.entries(value).some(([, v]) => isPlainObject(v) && V1_SERVICE_KEYS.some((k) => k in v))
    if (v1) {
      throw new ConfigError('a Compose file of format v1 (services at the top level, no services: key) cannot be imported', locate([]), {
        hints: ['Move the services under a services: key (format v2 and later), then import it again.'],
      })
    }
    throw new ConfigError('not a Compose file: it has no services: key', locate([]), {hints: hint})
  }
  if (!isPlainObject(value.services) || Object.keys(value.services).length === 0) {
    throw new ConfigError('services: must be a mapping of at least one service', locate(['services']), {hints: hint})
  }
  for (const [name, service] of Object.entries(value.services)) {
    if (!isPlainObject(service)) throw new ConfigError(`service "${name}" must be a mapping`, locate(['services', name]))
  }
  if (value.include !== undefined) {
    throw new ConfigError('include: (other Compose files) cannot be imported', locate(['include']), {
      hints: ['Import the included files one by one, or merge them into one file first (docker compose config > one.yml).'],
    })
  }
  return value
}

// ---- The Compose way of merging (override files, extends) ---------------------------------------

/** Lists Compose replaces rather than appends. */
const REPLACED = new Set(['command', 'entrypoint', 'test'])
/** Lists of `KEY=VALUE` Compose merges as mappings. */
const KEYED = new Set(['environment', 'labels', 'annotations', 'sysctls', 'args', 'extra_hosts'])

/** `KEY=VALUE` list items as a mapping (a bare `KEY` maps to null: the value comes from the shell). */
export function listToMap(value: unknown): Plain | undefined {
  if (isPlainObject(value)) return value
  if (!Array.isArray(value)) return undefined
  const out: Plain = {}
  for (const item of value) {
    const text = String(item)
    const eq = text.indexOf('=')
    if (eq < 0) out[text] = null
    else out[text.slice(0, eq)] = text.slice(eq + 1)
  }
  return out
}

function mountTarget(entry: unknown): string | undefined {
  if (isPlainObject(entry)) return typeof entry.target === 'string' ? entry.target : undefined
  if (typeof entry !== 'string') return undefined
  const parts = entry.split(':')
  return parts.length === 1 ? parts[0] : parts[1]
}

/** A service over another, as Compose merges an override file or `extends`. */
export function mergeServices(base: Plain, over: Plain): Plain {
  const out: Plain = {...base}
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key]
    if (prior === undefined || value === null) out[key] = value
    else if (KEYED.has(key) && listToMap(prior) && listToMap(value)) out[key] = {...listToMap(prior), ...listToMap(value)}
    else if (key === 'depends_on' && Array.isArray(prior) !== Array.isArray(value)) out[key] = {...dependsMap(prior), ...dependsMap(value)}
    else if ((key === 'volumes' || key === 'devices') && Array.isArray(prior) && Array.isArray(value)) out[key] = mergeByTarget(prior, value)
    else if (isPlainObject(prior) && isPlainObject(value)) out[key] = key === 'build' || key === 'healthcheck' ? mergeServices(prior, value) : {...prior, ...mergeDeep(prior, value)}
    else if (Array.isArray(prior) && Array.isArray(value) && !REPLACED.has(key)) out[key] = uniqueConcat(prior, value)
    else if (key === 'build' && typeof prior === 'string' && isPlainObject(value)) out[key] = mergeServices({context: prior}, value)
    else out[key] = value
  }
  return out
}

function mergeDeep(base: Plain, over: Plain): Plain {
  const out: Plain = {...base}
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeDeep(out[k] as Plain, v) : v
  return out
}

export function dependsMap(value: unknown): Plain {
  if (Array.isArray(value)) return Object.fromEntries(value.map((s) => [String(s), {condition: 'service_started'}]))
  return isPlainObject(value) ? value : {}
}

function mergeByTarget(base: unknown[], over: unknown[]): unknown[] {
  const targets = new Set(over.map(mountTarget))
  return [...base.filter((e) => !targets.has(mountTarget(e))), ...over]
}

function uniqueConcat(base: unknown[], over: unknown[]): unknown[] {
  const seen = new Set(base.map((v) => JSON.stringify(v)))
  return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)))]
}

/** Two whole files: services merged as above, the other top-level mappings key by key. */
export function mergeFiles(base: Plain, over: Plain): Plain {
  const out: Plain = {...base}
  for (const [key, value] of Object.entries(over)) {
    if (key === 'services' && isPlainObject(value) && isPlainObject(base.services)) {
      const services: Plain = {...base.services}
      for (const [name, svc] of Object.entries(value)) {
        services[name] = isPlainObject(services[name]) && isPlainObject(svc) ? mergeServices(services[name] as Plain, svc) : svc
      }
      out.services = services
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = mergeDeep(out[key] as Plain, value)
    } else {
      out[key] = value
    }
  }
  return out
}
