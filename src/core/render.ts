/**
 * Rendering: berth.yml + templates + environment -> one Compose model (a plain object).
 * Pure: file checks and hashing are handed in (RenderIO), nothing here touches a disk or a process.
 */
import path from 'node:path'
import {doorName, doorSpec, type DoorSpec} from './door.js'
import {ConfigError} from './errors.js'
import {resolveEnvironment} from './environments.js'
import {resolveImage} from './images.js'
import {clone, deepMerge, isPlainObject} from './merge.js'
import type {BuildSpec, EnvironmentProfile, EnvironmentSpec, Mode, ServiceSpec, ServiceTemplate, StackContext, StackFile, VolumeKind, VolumeSpec} from './model.js'
import {branchId, composeProjectName, escapeDollars, LABEL, volumeName} from './naming.js'
import {resolvePlaceholders, type Scope} from './placeholders.js'
import type {PathSegment, SourceDoc} from './source.js'
import type {Loaded} from './templates.js'

export const DEFAULT_TEMPLATE = 'generic'
export const DEFAULT_BIND = '127.0.0.1'
/** The Node inspector: this port in the container, published on 127.0.0.1 only, whatever `bind` says. */
export const INSPECTOR_PORT = 9229
export const INSPECTOR_BIND = '127.0.0.1'

export interface RenderIO {
  exists(absPath: string): boolean
  /** A content hash of these files (a missing file hashes as missing). */
  hashFiles(absPaths: string[]): string
}

export interface RenderRequest {
  stack: Loaded<StackFile>
  templates: Map<string, Loaded<ServiceTemplate>>
  profiles: Map<string, Loaded<EnvironmentSpec>>
  env: string
  ctx: StackContext
  io: RenderIO
}

export interface PortBinding {
  service: string
  bind: string
  host: number
  container: number
  role: 'app' | 'extra' | 'inspector'
}

export interface RenderedVolume {
  /** The Docker volume name. */
  name: string
  service: string
  key: string
  kind: VolumeKind
  path: string
  seed: 'base' | 'empty'
  labels: Record<string, string>
}

export interface RenderedService {
  name: string
  template: string
  role: 'app' | 'setup'
  url?: string
}

export interface RenderResult {
  project: string
  env: EnvironmentProfile
  compose: Record<string, unknown>
  services: RenderedService[]
  volumes: RenderedVolume[]
  ports: PortBinding[]
  /** The front door that publishes `ports` and forwards them to this stack while it is the active one. */
  door: DoorSpec
}

interface Located {
  spec: ServiceSpec
  /** Where each field was last set in berth.yml (for error positions). */
  where: (field: string) => PathSegment[]
}

function normalizeVolume(v: string | VolumeSpec): VolumeSpec {
  return typeof v === 'string' ? {path: v} : v
}

function normalizeBuild(build: string | BuildSpec): BuildSpec {
  return typeof build === 'string' ? {context: build} : build
}

export function renderStack(req: RenderRequest): RenderResult {
  const {stack, templates, profiles, ctx, io} = req
  const file = stack.value
  const src = stack.source
  const env = resolveEnvironment(req.env, profiles, file, src)
  const mode: Mode = env.mode
  const project = composeProjectName(file.name, env.name, ctx.branch)
  const bind = env.bind ?? file.bind ?? DEFAULT_BIND
  const door = doorName(file.name, env.name, ctx.root)
  const imageOptions = {images: {...file.images, ...ctx.images}, registry: ctx.registry ?? file.registry}
  const baseLabels: Record<string, string> = {
    [LABEL.project]: escapeDollars(file.name),
    [LABEL.env]: env.name,
    [LABEL.branch]: escapeDollars(ctx.branch ?? ''),
    [LABEL.stack]: project,
  }

  // Services: berth.yml, then the environment's overrides.
  const names = [...new Set([...Object.keys(file.services), ...Object.keys(env.services)])].sort()
  const located = new Map<string, Located>()
  for (const name of names) {
    const base = file.services[name]
    const over = env.services[name]
    const spec = deepMerge((base ?? {}) as Record<string, unknown>, over as Record<string, unknown>) as ServiceSpec
    if (spec.enabled === false) continue
    const ownEnv = file.environments?.[env.name]?.services?.[name] as Record<string, unknown> | undefined
    located.set(name, {
      spec,
      where: (field) => (ownEnv && field in ownEnv ? ['environments', env.name, 'services', name, field] : ['services', name, field]),
    })
  }

  const compose: Record<string, unknown> = {name: project, services: {}, volumes: {}, networks: {default: {labels: {...baseLabels}}}}
  const services = compose.services as Record<string, Record<string, unknown>>
  const topVolumes = compose.volumes as Record<string, unknown>
  const rendered: RenderedService[] = []
  const volumes: RenderedVolume[] = []
  const ports: PortBinding[] = []
  const healthy = new Set<string>()
  const pendingDeps = new Map<string, Located>()
  // Services with the inspector (dev only), by name: the index picks each one's host port.
  const inspectable = [...located]
    .filter(([, {spec}]) => mode === 'dev' && (spec.params?.inspector ?? templates.get(spec.template ?? DEFAULT_TEMPLATE)?.value.params.inspector) === true)
    .map(([name]) => name)

  for (const [name, {spec, where}] of located) {
    const templateName = spec.template ?? DEFAULT_TEMPLATE
    const template = templates.get(templateName)
    if (!template) {
      const known = [...templates.keys()].filter((t) => t !== DEFAULT_TEMPLATE).sort()
      throw new ConfigError(`unknown template "${templateName}" for service "${name}"`, src.locate(where('template')), {
        hints: [`Known templates: ${known.join(', ')}; a project adds its own as templates/services/NAME.yml`],
      })
    }
    const t = template.value
    const sourceDir = path.resolve(ctx.root, spec.source ?? '.')
    if (spec.source !== undefined && !io.exists(sourceDir)) {
      throw new ConfigError(`source folder "${spec.source}" of service "${name}" does not exist (${sourceDir})`, src.locate(where('source')))
    }

    // Parameters: template defaults < service fields < service params.
    const params: Record<string, unknown> = {...t.params}
    for (const key of ['image', 'port', 'command'] as const) if (spec[key] !== undefined) params[key] = spec[key]
    Object.assign(params, spec.params)
    let build: BuildSpec | null = null
    if (spec.build !== undefined) {
      const b = normalizeBuild(spec.build)
      const context = path.resolve(ctx.root, b.context)
      if (!io.exists(context)) {
        throw new ConfigError(`build context "${b.context}" of service "${name}" does not exist (${context})`, src.locate(where('build')), {
          hints: ['Fix the path (it is relative to berth.yml), or remove build: to use an image.'],
        })
      }
      const dockerfile = path.resolve(context, b.dockerfile ?? 'Dockerfile')
      if (!io.exists(dockerfile)) {
        throw new ConfigError(`service "${name}": no Dockerfile at ${dockerfile}`, src.locate(where('build')))
      }
      build = {context: escapeDollars(context), ...(b.dockerfile ? {dockerfile: escapeDollars(b.dockerfile)} : {}), ...(b.target ? {target: b.target} : {})}
      const args: Record<string, unknown> = {}
      if (typeof params.image === 'string') args.BASE_IMAGE = resolveImage(params.image, imageOptions)
      Object.assign(args, b.args)
      build.args = args as BuildSpec['args']
    }

    const scope: Scope = {
      ...params,
      build,
      source: escapeDollars(sourceDir),
      service: {name},
      env: {...env.vars, name: env.name, mode},
      project: {name: escapeDollars(file.name), stack: project},
      branch: {name: escapeDollars(ctx.branch ?? ''), id: branchId(ctx.branch)},
      berth: {runtime: escapeDollars(ctx.runtimeDir ?? '/nonexistent/berth-runtime')},
    }
    const opts = (base: PathSegment[]) => ({source: template.source, basePath: base})
    let service = resolvePlaceholders(clone(t.service), scope, opts(['service'])) ?? {}
    const modeOverlay = t.modes[mode]
    if (modeOverlay) service = deepMerge(service, resolvePlaceholders(clone(modeOverlay), scope, opts(['modes', mode])))

    // A service that builds gets its image named by Compose, never the base image's name.
    if (service.build) delete service.image
    else if (typeof service.image === 'string') service.image = resolveImage(service.image, imageOptions)
    if (!service.image && !service.build) {
      throw new ConfigError(`service "${name}" has neither image nor build`, src.locateKey(['services', name]), {
        hints: ['Set image: (e.g. node:20-bookworm-slim), build: (a folder with a Dockerfile), or a template.'],
      })
    }

    // Environment variables and env files.
    if (spec.env) service.environment = {...(service.environment as Record<string, unknown>), ...spec.env}
    if (spec.env_file) {
      const files = Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]
      service.env_file = files.map((f) => escapeDollars(path.resolve(ctx.root, f)))
    }

    // Ports: the work tree's front door publishes them (on the bind address, 127.0.0.1 unless asked
    // otherwise) and forwards them to the active branch's stack; the stack itself publishes none.
    const publish = (container: number, host: number, role: PortBinding['role'], field: string, on = bind) => {
      if (host > 65535) {
        throw new ConfigError(`service "${name}": host port ${host} (container port ${container} + offsets) is above 65535`, src.locate(where(field)), {
          hints: ['Lower port_offset of the environment, or set host_port explicitly.'],
        })
      }
      ports.push({service: name, bind: on, host, container, role})
    }
    const offset = env.port_offset + (ctx.worktreeOffset ?? 0)
    let url: string | undefined
    if (typeof params.port === 'number') {
      const host = spec.host_port !== undefined ? spec.host_port + (ctx.worktreeOffset ?? 0) : params.port + offset
      publish(params.port, host, 'app', spec.host_port !== undefined ? 'host_port' : 'port')
      if (params.http === true) url = `http://${bind === '0.0.0.0' ? '127.0.0.1' : bind}:${host}/`
    }
    for (const [container, host] of Object.entries(spec.ports ?? {})) publish(Number(container), host + (ctx.worktreeOffset ?? 0), 'extra', 'ports')
    const inspectorIndex = inspectable.indexOf(name)
    const inspectorHost = inspectorIndex >= 0 ? INSPECTOR_PORT + offset + inspectorIndex : undefined
    if (inspectorHost !== undefined) publish(INSPECTOR_PORT, inspectorHost, 'inspector', 'params', INSPECTOR_BIND)

    // Volumes: the template's, then the service's (null removes one), only those for this mode.
    const volSpecs: Record<string, VolumeSpec> = {}
    for (const [key, v] of Object.entries(t.volumes)) volSpecs[key] = clone(v)
    for (const [key, v] of Object.entries(spec.volumes ?? {})) {
      if (v === null) delete volSpecs[key]
      else volSpecs[key] = {...volSpecs[key], ...normalizeVolume(v)}
    }
    const mounts: Array<Record<string, unknown>> = []
    let installKey: string | undefined
    for (const key of Object.keys(volSpecs).sort()) {
      const v = volSpecs[key]
      if (v.modes && !v.modes.includes(mode)) continue
      const kind: VolumeKind = v.kind ?? 'data'
      let contentHash: string | undefined
      if (kind === 'cache') {
        const keys = v.key === undefined ? [] : Array.isArray(v.key) ? v.key : [v.key]
        contentHash = io.hashFiles(keys.map((k) => path.resolve(sourceDir, k)))
        installKey = contentHash
      }
      const docker = volumeName({project: file.name, env: env.name, branch: ctx.branch, service: name, key, kind, contentHash})
      const labels: Record<string, string> = {
        ...baseLabels,
        [LABEL.service]: name,
        [LABEL.volume]: key,
        [LABEL.kind]: kind,
      }
      if (kind !== 'data') {
        labels[LABEL.branch] = ''
        delete labels[LABEL.stack]
      }
      if (kind === 'cache') labels[LABEL.env] = ''
      volumes.push({name: docker, service: name, key, kind, path: v.path, seed: v.seed ?? 'base', labels})
      const fileKey = `${name}-${key}`
      topVolumes[fileKey] = {name: docker, external: true}
      mounts.push({type: 'volume', source: fileKey, target: v.path})
    }
    if (mounts.length > 0) service.volumes = [...((service.volumes as unknown[]) ?? []), ...mounts]

    service.labels = {
      ...(service.labels as Record<string, string>),
      ...baseLabels,
      [LABEL.service]: name,
      [LABEL.role]: 'app',
      [LABEL.door]: door,
      ...(url ? {[LABEL.url]: url} : {}),
      ...(inspectorHost !== undefined ? {[LABEL.inspector]: String(inspectorHost)} : {}),
    }

    // A one-shot setup container (e.g. npm ci into the node_modules volume) the service waits for.
    if (t.setup && (!t.setup.modes || t.setup.modes.includes(mode))) {
      const setupScope = {...scope, install_key: installKey ?? 'none'}
      const setupOverlay = resolvePlaceholders(clone(t.setup.service), setupScope, opts(['setup', 'service'])) ?? {}
      const setup: Record<string, unknown> = {
        image: service.image,
        ...(service.build ? {build: service.build} : {}),
        working_dir: service.working_dir,
        environment: {...(service.environment as Record<string, unknown>), BERTH_INSTALL_KEY: installKey ?? 'none'},
        ...(service.env_file ? {env_file: service.env_file} : {}),
        volumes: service.volumes,
        labels: {...baseLabels, [LABEL.service]: `${name}-setup`, [LABEL.role]: 'setup'},
      }
      services[`${name}-setup`] = deepMerge(setup, setupOverlay)
      rendered.push({name: `${name}-setup`, template: templateName, role: 'setup'})
      service.depends_on = {...(service.depends_on as Record<string, unknown>), [`${name}-setup`]: {condition: 'service_completed_successfully'}}
    }

    if (spec.compose) service = deepMerge(service, spec.compose)
    if (isPlainObject(service.healthcheck)) healthy.add(name)
    services[name] = service
    rendered.push({name, template: templateName, role: 'app', ...(url ? {url} : {})})
    if (spec.depends_on?.length) pendingDeps.set(name, located.get(name)!)
  }

  // depends_on: wait for healthy dependencies, started for the others.
  for (const [name, {spec, where}] of pendingDeps) {
    const deps: Record<string, unknown> = {...(services[name].depends_on as Record<string, unknown>)}
    spec.depends_on!.forEach((dep, i) => {
      if (!services[dep]) {
        const why = located.has(dep) ? '' : file.services[dep] || env.services[dep] ? ` (it is disabled in ${env.name})` : ''
        throw new ConfigError(`service "${name}" depends on unknown service "${dep}"${why}`, src.locate([...where('depends_on'), i]))
      }
      deps[dep] = {condition: healthy.has(dep) ? 'service_healthy' : 'service_started'}
    })
    services[name].depends_on = deps
  }

  // Raw compose fragments last: berth.yml's, then the environment's.
  let model = compose
  if (file.compose) model = deepMerge(model, file.compose)
  if (env.compose) model = deepMerge(model, env.compose)
  if (Object.keys(model.volumes as object).length === 0) delete model.volumes

  return {project, env, compose: model, services: rendered, volumes, ports, door: doorSpec(file.name, env.name, ctx.root, ports)}
}
