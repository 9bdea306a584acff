/**
 * A whole Compose file (override merged, extends resolved) as a berth stack: the services mapped one by
 * one, named volumes as per-branch (or --shared) volumes, networks, secrets and configs kept under the
 * top-level compose:. Every service, port and volume is imported or named in the summary. Pure.
 */
import path from 'node:path'
import {BerthError, ConfigError, ExitCode, type SourcePos} from '../errors.js'
import {deepMerge, isPlainObject} from '../merge.js'
import type {ServiceSpec, StackFile} from '../model.js'
import {dependsMap, type Plain} from './compose-file.js'
import {parseMount, rebase} from './normalize.js'
import {mapService, nullsAsEmpty, type ImportEnv} from './service.js'
import type {TemplateInfo} from './templates.js'

export interface StackImportInput {
  compose: Plain
  root: string
  composeDir: string
  templates: Map<string, TemplateInfo>
  shared?: string[]
  name?: string
  locate(path: readonly (string | number)[]): SourcePos
  locateKey(path: readonly (string | number)[]): SourcePos
  exists(absPath: string): boolean
  read(absPath: string): string | undefined
}

export interface KeptComment {
  /** Path of the node in berth.yml the comment goes before. */
  path: string[]
  text: string
}

export interface StackImport {
  stack: StackFile
  summary: string[]
  comments: KeptComment[]
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/
/** A volume definition with any of these is not berth's to manage: it stays a Compose volume. */
const COMPOSE_VOLUME_KEYS = ['external', 'name', 'driver', 'driver_opts', 'labels']

export function importStack(input: StackImportInput): StackImport {
  const {compose} = input
  const services = compose.services as Record<string, Plain>
  const summary: string[] = []
  const comments: KeptComment[] = []
  const top: Plain = {}
  const usage = volumeUsage(services)
  const declared = isPlainObject(compose.volumes) ? compose.volumes : {}
  const composeVolumes = new Set([...usage].filter(([name, users]) => users.size > 1 || COMPOSE_VOLUME_KEYS.some((k) => isPlainObject(declared[name]) && k in (declared[name] as Plain))).map(([n]) => n))
  const shared = new Set(input.shared ?? [])
  for (const s of shared) {
    if (!usage.has(s)) {
      throw new BerthError(`--shared ${s}: the Compose file has no named volume "${s}"`, {
        exitCode: ExitCode.USAGE,
        hints: [usage.size > 0 ? `Its named volumes: ${[...usage.keys()].sort().join(', ')}` : 'It has no named volumes.'],
      })
    }
    if (composeVolumes.has(s)) summary.push(`--shared ${s}: it stays a Compose volume (see below), which all branches share anyway`)
  }
  const env: ImportEnv = {root: input.root, composeDir: input.composeDir, templates: input.templates, shared, composeVolumes, exists: input.exists, read: input.read, locate: input.locate}

  const out: Record<string, ServiceSpec> = {}
  const environments: NonNullable<StackFile['environments']> = {}
  const healthy = new Set<string>()
  for (const [name, svc] of Object.entries(services)) {
    if (!SERVICE_NAME.test(name)) {
      throw new ConfigError(`service name "${name}" cannot be a berth service name`, input.locateKey(['services', name]), {
        hints: ['Rename it in the Compose file (lowercase letters, digits, "-" and "_", starting with a letter or digit), then import again.'],
      })
    }
    const r = mapService(name, svc, env)
    out[name] = r.spec
    if (r.healthy) healthy.add(name)
    if (r.devCompose) environments.dev = {compose: deepMerge(environments.dev?.compose ?? {}, r.devCompose)}
    for (const env of r.prodCompose ? ['qa', 'stage'] : []) {
      environments[env] = {services: {...environments[env]?.services, [name]: {compose: r.prodCompose}}}
    }
    summary.push(...r.notes.map((n) => `${name}: ${n}`))
    if (r.kept.length > 0) {
      summary.push(`${name}: kept verbatim under compose: ${r.kept.map((k) => k.key).join(', ')}`)
      comments.push({path: ['services', name, 'compose'], text: keptText(r.kept)})
    }
  }
  summary.push(...waitNotes(services, out, healthy))

  for (const [name, users] of usage) {
    if (composeVolumes.has(name)) {
      top.volumes = {...(top.volumes as Plain), [name]: nullsAsEmpty(declared[name] ?? {})}
      const why = users.size > 1 ? `used by ${[...users].sort().join(' and ')}` : 'external, named or with a driver'
      summary.push(`volume ${name}: kept as a Compose volume under compose: volumes (${why}); not per branch, and not created by berth`)
    }
  }
  for (const name of Object.keys(declared)) if (!usage.has(name)) summary.push(`volume ${name}: declared but used by no service, not imported`)
  topLevel(input, top, summary)
  if (Object.keys(top).length > 0) comments.push({path: ['compose'], text: ' kept verbatim from the Compose file: ' + Object.keys(top).join(', ')})

  const stack: StackFile = {name: stackName(input), services: out}
  if (Object.keys(environments).length > 0) {
    stack.environments = environments
    comments.push({path: ['environments'], text: ' kept verbatim from the Compose file for one mode only: see the summary'})
  }
  if (Object.keys(top).length > 0) stack.compose = top
  return {stack, summary, comments}
}

function keptText(kept: Array<{key: string; why: string}>): string {
  return kept.map((k) => ` kept verbatim: ${k.key} (${k.why})`).join('\n')
}

/** Named volumes and the services that mount each. */
function volumeUsage(services: Record<string, Plain>): Map<string, Set<string>> {
  const usage = new Map<string, Set<string>>()
  for (const [name, svc] of Object.entries(services)) {
    for (const raw of Array.isArray(svc.volumes) ? svc.volumes : []) {
      const m = parseMount(raw)
      if (m?.type === 'volume' && m.source) usage.set(m.source, (usage.get(m.source) ?? new Set()).add(name))
    }
  }
  return usage
}

/** Where berth waits for healthy where Compose waited for started (berth waits for healthy whenever there is a healthcheck). */
function waitNotes(services: Record<string, Plain>, out: Record<string, ServiceSpec>, healthy: Set<string>): string[] {
  const notes: string[] = []
  for (const [name, svc] of Object.entries(services)) {
    const deps = dependsMap(svc.depends_on)
    for (const dep of out[name].depends_on ?? []) {
      if (!(dep in services)) continue
      const condition = isPlainObject(deps[dep]) ? (deps[dep] as Plain).condition : 'service_started'
      if (condition !== 'service_healthy' && healthy.has(dep)) notes.push(`${name}: waits for ${dep} to be healthy (berth does so for a dependency with a healthcheck; Compose waited for it to start)`)
      if (condition === 'service_healthy' && !healthy.has(dep)) notes.push(`${name}: ${dep} has no healthcheck in berth: waits for it to start only`)
    }
  }
  return notes
}

function topLevel(input: StackImportInput, top: Plain, summary: string[]): void {
  for (const [key, value] of Object.entries(input.compose)) {
    if (key === 'services' || key === 'volumes' || key === 'name') continue
    if (key === 'version') summary.push(`version: ${JSON.stringify(value)} dropped (obsolete in Compose v2)`)
    else if (key.startsWith('x-')) summary.push(`${key} dropped (an extension field; the anchors that used it are resolved)`)
    else if ((key === 'secrets' || key === 'configs') && isPlainObject(value)) {
      top[key] = nullsAsEmpty(rebaseFiles(value, input))
      summary.push(`${key}: kept verbatim under compose: ${key}`)
    } else {
      top[key] = nullsAsEmpty(value)
      summary.push(`${key}: kept verbatim under compose: ${key}${key === 'networks' ? ' (the services keep their networks: under their own compose:)' : ''}`)
    }
  }
}

function rebaseFiles(value: Plain, input: StackImportInput): Plain {
  const out: Plain = {}
  for (const [k, v] of Object.entries(value)) out[k] = isPlainObject(v) && typeof v.file === 'string' ? {...v, file: rebase(v.file, input.composeDir, input.root)} : v
  return out
}

function stackName(input: StackImportInput): string {
  const candidates = [input.name, typeof input.compose.name === 'string' ? input.compose.name : undefined, path.basename(input.root)]
  for (const c of candidates) {
    if (c === undefined || c.includes('$')) continue
    const slug = c.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63)
    if (STACK_NAME.test(slug)) return slug
  }
  return 'app'
}
