/**
 * Production-like settings of a service in the rendered Compose model: CPU and memory limits, restart,
 * a read-only root filesystem with tmpfs, the user, replicas. They come from the service's own keys
 * (berth.yml, then the environment's override of the service) over the environment's `defaults`, which
 * apply to app services only (template node, or a service with build:): a database keeps its own.
 * Pure.
 */
import {ConfigError, type SourcePos} from './errors.js'
import {deepMerge, hasPath, isPlainObject} from './merge.js'
import type {EnvironmentDefaults, EnvironmentSpec, EnvValue, RuntimeSettings, ServiceSpec, StackFile} from './model.js'
import type {PathSegment, SourceDoc} from './source.js'

export const RUNTIME_KEYS = ['limits', 'restart', 'read_only', 'tmpfs', 'user', 'replicas'] as const

/** Whether the environment's defaults apply to a service. */
export function isAppService(templateName: string, spec: ServiceSpec): boolean {
  return templateName === 'node' || spec.build !== undefined
}

export interface SettingsRequest {
  service: string
  spec: ServiceSpec
  app: boolean
  defaults: EnvironmentDefaults
  /** The USER the built Dockerfile stage declares: null none, undefined not known (not built, or not read). */
  imageUser?: string | null
  src: SourceDoc
  where: (field: string) => PathSegment[]
}

export interface EffectiveSettings extends RuntimeSettings {
  /** Variables of the defaults, under the service's own env. */
  env?: Record<string, EnvValue>
}

/** The settings that apply: the defaults (app services), the service's own keys over them. */
export function effectiveSettings(req: SettingsRequest): EffectiveSettings {
  const {spec, app, defaults} = req
  const own: RuntimeSettings = {}
  for (const key of RUNTIME_KEYS) if (spec[key] !== undefined) (own as Record<string, unknown>)[key] = spec[key]
  if (!app) return own
  const {env, user, ...rest} = defaults
  const out: EffectiveSettings = deepMerge(rest as Record<string, unknown>, own as Record<string, unknown>)
  // replicas of the defaults skip a service pinned to a fixed host port (asked for explicitly, it is an error)
  if (spec.replicas === undefined && spec.host_port !== undefined) delete out.replicas
  // the default user only for a built image that declares none (never root unless asked)
  if (spec.user === undefined && user !== undefined && req.imageUser === null) out.user = user
  if (env && Object.keys(env).length > 0) out.env = env
  return out
}

/** Refuse what cannot work: several replicas of a service pinned to one fixed host port. */
export function checkSettings(req: SettingsRequest, settings: EffectiveSettings): void {
  if ((settings.replicas ?? 1) > 1 && req.spec.host_port !== undefined) {
    throw new ConfigError(
      `service "${req.service}": replicas ${settings.replicas} cannot share the fixed host_port ${req.spec.host_port}`,
      req.src.locate(req.where(req.spec.replicas !== undefined ? 'replicas' : 'host_port')),
      {hints: ['Remove host_port (the front door gives the service its port + the environment offset), or set replicas: 1.']},
    )
  }
}

/** Write the settings into a rendered Compose service (the keys the diff of environments reads). */
export function applySettings(service: Record<string, unknown>, settings: EffectiveSettings): Record<string, unknown> {
  let out = service
  const limits: Record<string, unknown> = {}
  if (settings.limits?.cpus !== undefined && settings.limits.cpus !== null) limits.cpus = settings.limits.cpus
  if (settings.limits?.memory !== undefined && settings.limits.memory !== null) limits.memory = settings.limits.memory
  if (Object.keys(limits).length > 0) out = deepMerge(out, {deploy: {resources: {limits}}})
  for (const key of ['restart', 'read_only', 'tmpfs', 'user'] as const) {
    if (settings[key] !== undefined && settings[key] !== null) out[key] = settings[key]
  }
  if ((settings.replicas ?? 1) > 1) out = deepMerge(out, {deploy: {replicas: settings.replicas}})
  if (isPlainObject(out.deploy) && Object.keys(out.deploy).length === 0) delete out.deploy
  return out
}

/** A CPU count as berth.yml's schema accepts it. */
export const CPUS = /^[0-9]+(\.[0-9]+)?$/
/** A memory size as Docker reads it (512m, 1g, 1.5GiB, 1024). */
export const MEMORY = /^[0-9]+(\.[0-9]+)?\s?([kKmMgGtTpP][iI]?[bB]?|[bB])?$/

/** Bytes of a memory size (Docker's units: k = 1024). */
export function memoryBytes(size: string): number | undefined {
  const m = MEMORY.exec(size.trim())
  if (!m) return undefined
  const unit = (m[2] ?? 'b')[0].toLowerCase()
  const power = {b: 0, k: 1, m: 2, g: 3, t: 4, p: 5}[unit] ?? 0
  return Math.round(parseFloat(size) * 1024 ** power)
}

/** The first problem in an environment profile file's `defaults` (berth.yml's are checked by the schema). */
export function defaultsProblem(d: Record<string, unknown>): {key: string; message: string} | undefined {
  const known = new Set<string>([...RUNTIME_KEYS, 'env'])
  for (const key of Object.keys(d)) if (!known.has(key)) return {key, message: `is not a key of defaults (${[...known].join(', ')})`}
  const limits = d.limits
  if (limits !== undefined && limits !== null) {
    if (!isPlainObject(limits)) return {key: 'limits', message: 'must be a mapping {cpus, memory}'}
    const {cpus, memory} = limits
    if (cpus !== undefined && cpus !== null && !(typeof cpus === 'number' ? cpus > 0 : typeof cpus === 'string' && CPUS.test(cpus))) {
      return {key: 'limits.cpus', message: `must be a number of CPUs such as 0.5 or 2 (got ${JSON.stringify(cpus)})`}
    }
    if (memory !== undefined && memory !== null && !(typeof memory === 'string' && MEMORY.test(memory))) {
      return {key: 'limits.memory', message: `must be a size such as 512m or 1g (got ${JSON.stringify(memory)})`}
    }
  }
  if (d.read_only !== undefined && d.read_only !== null && typeof d.read_only !== 'boolean') return {key: 'read_only', message: 'must be true or false'}
  if (d.tmpfs !== undefined && d.tmpfs !== null && !(Array.isArray(d.tmpfs) && d.tmpfs.every((t) => typeof t === 'string' && t.startsWith('/')))) {
    return {key: 'tmpfs', message: 'must be a list of absolute paths'}
  }
  for (const key of ['restart', 'user'] as const) {
    if (d[key] !== undefined && d[key] !== null && typeof d[key] !== 'string') return {key, message: 'must be a string'}
  }
  const r = d.replicas
  if (r !== undefined && r !== null && !(Number.isInteger(r) && (r as number) >= 1)) return {key: 'replicas', message: 'must be an integer >= 1'}
  if (d.env !== undefined && d.env !== null && !isPlainObject(d.env)) return {key: 'env', message: 'must be a mapping'}
  return undefined
}

/**
 * The first service whose memory limit is above what the engine's machine has (`docker info` MemTotal), with
 * where it was set: undefined when all fit (or the engine does not say).
 */
export function memoryAboveMachine(model: Record<string, unknown>, memTotal: number | undefined): {service: string; memory: string} | undefined {
  if (!memTotal || memTotal <= 0) return undefined
  const services = isPlainObject(model.services) ? model.services : {}
  for (const [service, s] of Object.entries(services)) {
    const memory = isPlainObject(s) && isPlainObject(s.deploy) && isPlainObject(s.deploy.resources) && isPlainObject(s.deploy.resources.limits) ? s.deploy.resources.limits.memory : undefined
    if (typeof memory !== 'string') continue
    const bytes = memoryBytes(memory)
    if (bytes !== undefined && bytes > memTotal) return {service, memory}
  }
  return undefined
}

/**
 * Where a setting of a service was made: the environment's override of the service, the service, then the
 * defaults of the environment and of each one it extends (berth.yml's, then the profile file's).
 */
export function settingPosition(
  stack: {value: StackFile; source: SourceDoc},
  profiles: Map<string, {value: EnvironmentSpec; source: SourceDoc}>,
  env: string,
  service: string,
  key: string[],
): SourcePos | undefined {
  const file = stack.value
  for (const p of [['environments', env, 'services', service, ...key], ['services', service, ...key]]) if (hasPath(file, p)) return stack.source.locate(p)
  const seen = new Set<string>()
  for (let e: string | undefined = env; e && !seen.has(e); ) {
    seen.add(e)
    if (hasPath(file, ['environments', e, 'defaults', ...key])) return stack.source.locate(['environments', e, 'defaults', ...key])
    const profile = profiles.get(e)
    if (profile && hasPath(profile.value, ['defaults', ...key])) return profile.source.locate(['defaults', ...key])
    e = file.environments?.[e]?.extends ?? profile?.value.extends
  }
  return undefined
}

/** A memory limit above the machine's, as a berth.yml error (exit 3) at the line that set it. */
export function memoryError(found: {service: string; memory: string}, memTotal: number, pos: SourcePos | undefined): ConfigError {
  const gib = (memTotal / 1024 ** 3).toFixed(1)
  return new ConfigError(`service "${found.service}": limits.memory ${found.memory} is more than the engine's machine has (${gib} GiB, docker info MemTotal); nothing was started`, pos, {
    hints: [`Lower limits.memory of ${found.service} (e.g. 512m), or give the engine's machine or VM more memory.`],
  })
}
