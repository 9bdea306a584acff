/**
 * Rendering: berth.yml + templates + environment -> one Compose model (a plain object).
 * Pure: file checks and hashing are handed in (RenderIO), nothing here touches a disk or a process.
 */
import path from 'node:path'
import {resolveBuild} from './build.js'
import {doorName, doorSpec, type DoorSpec} from './door.js'
import {ConfigError} from './errors.js'
import {resolveEnvironment} from './environments.js'
import {withStartInterval} from './healthcheck.js'
import {addBuildSecrets, applyImageSource, namesRegistryImage, type RegistryImage} from './image-source.js'
import {resolveImage} from './images.js'
import {clone, deepMerge, isPlainObject, mergeOwned} from './merge.js'
import type {EnvironmentProfile, EnvironmentSpec, Mode, MountSpec, ServiceSpec, ServiceTemplate, StackContext, StackFile, VolumeKind, VolumeSpec} from './model.js'
import {branchId, builtImageName, composeProjectName, escapeDollars, LABEL, volumeName} from './naming.js'
import {resolvePlaceholders, type Scope} from './placeholders.js'
import {applySettings, checkSettings, effectiveSettings, isAppService, type SettingsRequest} from './runtime-settings.js'
import type {PathSegment, SourceDoc} from './source.js'
import {checkTemplateParams, extraPorts, templateConfigs} from './template-extras.js'
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
  /** A file's text (a Dockerfile: its stages and USER); without it Dockerfiles are not read. */
  readText?(absPath: string): string
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
  /** https: the door terminates TLS and proxies HTTP to the container port; redirect: it answers 308 to `https`. */
  role: 'app' | 'extra' | 'inspector' | 'https' | 'redirect'
  /** A redirect's target: the https host port of the same service. */
  https?: number
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
  /** Services with image_from: registry (prod mode), checked by up before anything starts. */
  registryImages?: RegistryImage[]
}

interface Located {
  spec: ServiceSpec
  /** Where each field was last set in berth.yml (for error positions). */
  where: (field: string) => PathSegment[]
}

function normalizeVolume(v: string | VolumeSpec): VolumeSpec {
  return typeof v === 'string' ? {path: v} : v
}

/** What every service's render reads, and what the stack's render collects. */
interface StackRender {
  req: RenderRequest
  file: StackFile
  src: SourceDoc
  env: EnvironmentProfile
  mode: Mode
  project: string
  bind: string
  door: string
  imageOptions: {images: Record<string, string>; registry?: string}
  baseLabels: Record<string, string>
  located: Map<string, Located>
  /** Services with the inspector (dev only), by name: the index picks each one's host port. */
  inspectable: string[]
  services: Record<string, Record<string, unknown>>
  topVolumes: Record<string, unknown>
  topConfigs: Record<string, unknown>
  rendered: RenderedService[]
  volumes: RenderedVolume[]
  ports: PortBinding[]
  healthy: Set<string>
  registryImages: RegistryImage[]
}

/** One service being rendered: its spec, template, parameters and placeholder scope. */
interface ServiceRender {
  name: string
  spec: ServiceSpec
  where: Located['where']
  templateName: string
  template: Loaded<ServiceTemplate>
  sourceDir: string
  params: Record<string, unknown>
  scope: Scope
  /** The USER the built Dockerfile stage declares (null: none; undefined: not built or not read). */
  imageUser?: string | null
}

export function renderStack(req: RenderRequest): RenderResult {
  const st = startStack(req)
  for (const [name, located] of st.located) renderService(st, name, located)
  wireDependsOn(st)
  // Raw compose fragments last: berth.yml's, then the environment's.
  let model: Record<string, unknown> = {name: st.project, services: st.services, volumes: st.topVolumes, networks: {default: {labels: {...st.baseLabels}}}}
  if (st.file.compose) model = deepMerge(model, st.file.compose)
  if (st.env.compose) model = deepMerge(model, st.env.compose)
  if (Object.keys(st.topConfigs).length > 0) model.configs = {...st.topConfigs, ...(model.configs as object)}
  if (Object.keys(model.volumes as object).length === 0) delete model.volumes
  addBuildSecrets(model, st.registryImages, st.req.ctx.npm, st.req.ctx.root, (p) => st.req.io.exists(p))
  // Probes every 250 ms during the start period on engines that know start_interval (API 1.44+).
  model = withStartInterval(model, req.ctx.engineApi)
  const registryImages = st.registryImages.length > 0 ? {registryImages: st.registryImages} : {}
  return {project: st.project, env: st.env, compose: model, services: st.rendered, volumes: st.volumes, ports: st.ports, door: doorSpec(st.file.name, st.env.name, st.req.ctx.root, st.ports), ...registryImages}
}

/** The environment resolved, names and labels of the stack, and its services located (berth.yml, then the environment's overrides). */
function startStack(req: RenderRequest): StackRender {
  const {stack, templates, profiles, ctx} = req
  const file = stack.value
  const src = stack.source
  const env = resolveEnvironment(req.env, profiles, file, src)
  const mode: Mode = env.mode
  const project = composeProjectName(file.name, env.name, ctx.branch)
  const located = locateServices(file, env)
  const inspectable = [...located]
    .filter(([, {spec}]) => mode === 'dev' && (spec.params?.inspector ?? templates.get(spec.template ?? DEFAULT_TEMPLATE)?.value.params.inspector) === true)
    .map(([name]) => name)
  return {
    req,
    file,
    src,
    env,
    mode,
    project,
    bind: env.bind ?? file.bind ?? DEFAULT_BIND,
    door: doorName(file.name, env.name, ctx.root),
    imageOptions: {images: {...file.images, ...ctx.images}, registry: ctx.registry ?? file.registry},
    baseLabels: {
      [LABEL.project]: escapeDollars(file.name),
      [LABEL.env]: env.name,
      [LABEL.branch]: escapeDollars(ctx.branch ?? ''),
      [LABEL.stack]: project,
    },
    located,
    inspectable,
    services: {},
    topVolumes: {},
    topConfigs: {},
    rendered: [],
    volumes: [],
    ports: [],
    healthy: new Set(),
    registryImages: [],
  }
}

function locateServices(file: StackFile, env: EnvironmentProfile): Map<string, Located> {
  const names = [...new Set([...Object.keys(file.services), ...Object.keys(env.services)])].sort()
  const located = new Map<string, Located>()
  for (const name of names) {
    const spec = mergedSpec((file.services[name] ?? {}) as Record<string, unknown>, env.services[name] as Record<string, unknown> | undefined)
    if (spec.enabled === false) continue
    const ownEnv = file.environments?.[env.name]?.services?.[name] as Record<string, unknown> | undefined
    located.set(name, {
      spec,
      where: (field) => (ownEnv && field in ownEnv ? ['environments', env.name, 'services', name, field] : ['services', name, field]),
    })
  }
  return located
}

/**
 * A service's spec: berth.yml's, the environment's override merged in (deepMerge). Its `env` is only read
 * (spread into the service's environment): when the override has none, berth.yml's object is used as it is,
 * not copied (a 50,000-entry env took ~0.1 s to copy).
 */
function mergedSpec(base: Record<string, unknown>, overlay: Record<string, unknown> | undefined): ServiceSpec {
  if (!isPlainObject(base.env) || (overlay && 'env' in overlay)) return deepMerge(base, overlay) as ServiceSpec
  const spec: Record<string, unknown> = deepMerge<Record<string, unknown>>({...base, env: undefined}, overlay)
  spec.env = base.env
  return spec as ServiceSpec
}

function renderService(st: StackRender, name: string, {spec, where}: Located): void {
  const sr = prepareService(st, name, spec, where)
  const t = sr.template.value
  const opts = (base: PathSegment[]) => ({source: sr.template.source, basePath: base})
  let service = resolvePlaceholders(clone(t.service), sr.scope, opts(['service'])) ?? {}
  const modeOverlay = t.modes[st.mode]
  if (modeOverlay) service = deepMerge(service, resolvePlaceholders(clone(modeOverlay), sr.scope, opts(['modes', st.mode])))

  // image_from: registry runs image: (resolved), not a build. A service that builds is tagged per project, service,
  // environment and branch, never the base image's name.
  const registry = applyImageSource({name, spec, env: st.env, service, imageOptions: st.imageOptions, src: st.src, root: st.req.ctx.root, project: st.project, where})
  if (registry) st.registryImages.push(registry)
  else if (service.build) service.image = builtImageName(st.file.name, name, st.env.name, st.req.ctx.branch)
  else if (typeof service.image === 'string') service.image = resolveImage(service.image, st.imageOptions)
  if (!service.image && !service.build) {
    throw new ConfigError(`service "${name}" has neither image nor build`, st.src.locateKey(['services', name]), {
      hints: ['Set image: (e.g. node:20-bookworm-slim), build: (a folder with a Dockerfile), or a template.'],
    })
  }

  // Production-like settings: the environment's defaults (app services) under the service's own keys.
  const settingsReq: SettingsRequest = {service: name, spec, app: isAppService(sr.templateName, spec), defaults: st.env.defaults ?? {}, imageUser: sr.imageUser, src: st.src, where}
  const settings = effectiveSettings(settingsReq)
  checkSettings(settingsReq, settings)
  service = applySettings(service, settings)

  // Environment variables (the template's, the environment's defaults, the service's) and env files.
  if (settings.env) service.environment = {...(service.environment as Record<string, unknown>), ...settings.env}
  if (spec.env) service.environment = {...(service.environment as Record<string, unknown>), ...spec.env}
  if (spec.env_file) {
    const files = Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]
    service.env_file = files.map((f) => escapeDollars(path.resolve(st.req.ctx.root, f)))
  }

  const {url, inspectorHost} = publishPorts(st, sr)
  const {mounts, installKey} = renderVolumes(st, sr)
  mounts.push(...otherMounts(st, sr))
  if (mounts.length > 0) service.volumes = [...((service.volumes as unknown[]) ?? []), ...mounts]
  else if (Array.isArray(service.volumes) && service.volumes.length === 0) delete service.volumes // every mount left out ($if)
  service.labels = {
    ...(service.labels as Record<string, string>),
    ...st.baseLabels,
    [LABEL.service]: name,
    [LABEL.role]: 'app',
    [LABEL.door]: st.door,
    ...(url ? {[LABEL.url]: url} : {}),
    ...(inspectorHost !== undefined ? {[LABEL.inspector]: String(inspectorHost)} : {}),
  }
  const configs = templateConfigs(sr.template, sr.name, sr.scope, sr.params)
  Object.assign(st.topConfigs, configs.top)
  if (configs.mounts.length > 0) service.configs = [...((service.configs as unknown[]) ?? []), ...configs.mounts]
  addSetup(st, sr, service, installKey)

  if (spec.compose) service = deepMerge(service, spec.compose)
  if (isPlainObject(service.healthcheck)) st.healthy.add(name)
  st.services[name] = service
  st.rendered.push({name, template: sr.templateName, role: 'app', ...(url ? {url} : {})})
}

/** The service's template, source folder, parameters (template defaults < service fields < params), build and scope. */
function prepareService(st: StackRender, name: string, spec: ServiceSpec, where: Located['where']): ServiceRender {
  const {templates, ctx, io} = st.req
  const templateName = spec.template ?? DEFAULT_TEMPLATE
  const template = templates.get(templateName)
  if (!template) {
    const known = [...templates.keys()].filter((t) => t !== DEFAULT_TEMPLATE).sort()
    throw new ConfigError(`unknown template "${templateName}" for service "${name}"`, st.src.locate(where('template')), {
      hints: [`Known templates: ${known.join(', ')}; a project adds its own as templates/services/NAME.yml`],
    })
  }
  const sourceDir = path.resolve(ctx.root, spec.source ?? '.')
  if (spec.source !== undefined && !io.exists(sourceDir)) {
    throw new ConfigError(`source folder "${spec.source}" of service "${name}" does not exist (${sourceDir})`, st.src.locate(where('source')))
  }
  const params: Record<string, unknown> = {...template.value.params}
  // With image_from: registry, image: is what runs; the template's base image stays what a local build starts FROM.
  for (const key of ['image', 'port', 'command'] as const) if (spec[key] !== undefined && !(key === 'image' && namesRegistryImage(spec, st.env))) params[key] = spec[key]
  Object.assign(params, spec.params)
  const locate = (key: string) => st.src.locate(spec.params && key in spec.params ? [...where('params'), key] : where('template'))
  checkTemplateParams(template.value.params, params, {service: name, root: ctx.root, services: [...st.located.keys()], exists: (p) => io.exists(p), locate})
  const resolved =
    spec.build === undefined
      ? undefined
      : resolveBuild({service: name, spec: spec.build, root: ctx.root, mode: st.mode, io, src: st.src, where: where('build'), baseImage: params.image, imageOptions: st.imageOptions})
  const build = resolved?.build ?? null
  const scope: Scope = {
    ...params,
    build,
    source: escapeDollars(sourceDir),
    service: {name},
    env: {...st.env.vars, name: st.env.name, mode: st.mode},
    project: {name: escapeDollars(st.file.name), stack: st.project},
    branch: {name: escapeDollars(ctx.branch ?? ''), id: branchId(ctx.branch)},
    berth: {runtime: escapeDollars(ctx.runtimeDir ?? '/nonexistent/berth-runtime')},
  }
  return {name, spec, where, templateName, template, sourceDir, params, scope, ...(resolved?.user !== undefined ? {imageUser: resolved.user} : {})}
}

/**
 * Ports: the work tree's front door publishes them (on the bind address, 127.0.0.1 unless asked
 * otherwise) and forwards them to the active branch's stack; the stack itself publishes none.
 */
function publishPorts(st: StackRender, {name, spec, where, params}: ServiceRender): {url?: string; inspectorHost?: number} {
  const worktree = st.req.ctx.worktreeOffset ?? 0
  const publish = (container: number, host: number, role: PortBinding['role'], field: string, on = st.bind) => {
    if (host > 65535) {
      throw new ConfigError(`service "${name}": host port ${host} (container port ${container} + offsets) is above 65535`, st.src.locate(where(field)), {
        hints: ['Lower port_offset of the environment, or set host_port explicitly.'],
      })
    }
    st.ports.push({service: name, bind: on, host, container, role})
  }
  const offset = st.env.port_offset + worktree
  let url: string | undefined
  if (typeof params.port === 'number') {
    const host = spec.host_port !== undefined ? spec.host_port + worktree : params.port + offset
    publish(params.port, host, 'app', spec.host_port !== undefined ? 'host_port' : 'port')
    const shown = st.bind === '0.0.0.0' ? '127.0.0.1' : st.bind
    if (params.http === true) url = `http://${shown}:${host}/`
    if (params.http === true && st.env.tls === true && spec.tls !== false) {
      // https on the app's host port + 443 (8000 -> 8443, 18443 in qa), the http redirect on + 80, unless berth.yml fixes them.
      const fixed = typeof spec.tls === 'object' ? spec.tls : {}
      const https = fixed.https_port !== undefined ? fixed.https_port + worktree : host + 443
      const redirect = fixed.http_port !== undefined ? fixed.http_port + worktree : host + 80
      publish(params.port, https, 'https', fixed.https_port !== undefined ? 'tls' : 'port')
      publish(params.port, redirect, 'redirect', fixed.http_port !== undefined ? 'tls' : 'port')
      st.ports[st.ports.length - 1].https = https
      url = `https://${shown}:${https}/`
    }
  }
  for (const [container, host] of extraPorts(params, spec.ports, st.env.port_offset)) publish(Number(container), host + worktree, 'extra', 'ports')
  const inspectorIndex = st.inspectable.indexOf(name)
  const inspectorHost = inspectorIndex >= 0 ? INSPECTOR_PORT + offset + inspectorIndex : undefined
  if (inspectorHost !== undefined) publish(INSPECTOR_PORT, inspectorHost, 'inspector', 'params', INSPECTOR_BIND)
  return {url, inspectorHost}
}

/** Volumes: the template's, then the service's (null removes one), only those for this mode; external in the file. */
function renderVolumes(st: StackRender, {name, spec, template, sourceDir}: ServiceRender): {mounts: Array<Record<string, unknown>>; installKey?: string} {
  const volSpecs: Record<string, VolumeSpec> = {}
  for (const [key, v] of Object.entries(template.value.volumes)) volSpecs[key] = clone(v)
  for (const [key, v] of Object.entries(spec.volumes ?? {})) {
    if (v === null) delete volSpecs[key]
    else volSpecs[key] = {...volSpecs[key], ...normalizeVolume(v)}
  }
  const mounts: Array<Record<string, unknown>> = []
  let installKey: string | undefined
  for (const key of Object.keys(volSpecs).sort()) {
    const v = volSpecs[key]
    if (v.modes && !v.modes.includes(st.mode)) continue
    const kind: VolumeKind = v.kind ?? 'data'
    let contentHash: string | undefined
    if (kind === 'cache') {
      const keys = v.key === undefined ? [] : Array.isArray(v.key) ? v.key : [v.key]
      contentHash = st.req.io.hashFiles(keys.map((k) => path.resolve(sourceDir, k)))
      installKey = contentHash
    }
    const docker = volumeName({project: st.file.name, env: st.env.name, branch: st.req.ctx.branch, service: name, key, kind, contentHash})
    const labels: Record<string, string> = {...st.baseLabels, [LABEL.service]: name, [LABEL.volume]: key, [LABEL.kind]: kind}
    if (kind !== 'data') {
      labels[LABEL.branch] = ''
      delete labels[LABEL.stack]
    }
    if (kind === 'cache') labels[LABEL.env] = ''
    st.volumes.push({name: docker, service: name, key, kind, path: v.path, seed: v.seed ?? 'base', labels})
    const fileKey = `${name}-${key}`
    st.topVolumes[fileKey] = {name: docker, external: true}
    mounts.push({type: 'volume', source: fileKey, target: v.path})
  }
  return {mounts, installKey}
}

/** The service's `mounts`: bind mounts (host paths relative to berth.yml), Compose volumes and tmpfs, by target. */
function otherMounts(st: StackRender, {name, spec, where}: ServiceRender): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const target of Object.keys(spec.mounts ?? {}).sort()) {
    const raw = spec.mounts![target]
    if (raw === null || raw === undefined) continue
    const m: MountSpec = typeof raw === 'string' ? {source: raw} : raw
    const type = m.type ?? 'bind'
    if (type !== 'tmpfs' && !m.source) throw new ConfigError(`service "${name}": mount ${target} needs a source`, st.src.locate([...where('mounts'), target]))
    const mount: Record<string, unknown> = {type, target}
    // A host path: relative to berth.yml (absolute in the file, $ escaped); an absolute, ~ or ${VAR} path is kept as written.
    if (type === 'bind') {
      mount.source = /^[/~$]/.test(m.source!) ? m.source : escapeDollars(path.resolve(st.req.ctx.root, m.source!))
      mount.bind = {create_host_path: true}
    } else if (type === 'volume') mount.source = m.source
    if (m.read_only) mount.read_only = true
    out.push(mount)
  }
  return out
}

/** A one-shot setup container (e.g. npm ci into the node_modules volume) the service waits for. */
function addSetup(st: StackRender, sr: ServiceRender, service: Record<string, unknown>, installKey: string | undefined): void {
  const setupSpec = sr.template.value.setup
  if (!setupSpec || (setupSpec.modes && !setupSpec.modes.includes(st.mode))) return
  const setupScope = {...sr.scope, install_key: installKey ?? 'none'}
  const setupOverlay = resolvePlaceholders(clone(setupSpec.service), setupScope, {source: sr.template.source, basePath: ['setup', 'service']}) ?? {}
  // Built here, its parts shared with the service copied (as deepMerge copied all of it): the environment is
  // a new object already, and is not copied twice.
  const setup: Record<string, unknown> = {
    image: service.image,
    ...(service.build ? {build: clone(service.build)} : {}),
    working_dir: service.working_dir,
    environment: {...(service.environment as Record<string, unknown>), BERTH_INSTALL_KEY: installKey ?? 'none'},
    ...(service.env_file ? {env_file: clone(service.env_file)} : {}),
    volumes: clone(service.volumes),
    labels: {...st.baseLabels, [LABEL.service]: `${sr.name}-setup`, [LABEL.role]: 'setup'},
  }
  st.services[`${sr.name}-setup`] = mergeOwned(setup, setupOverlay)
  st.rendered.push({name: `${sr.name}-setup`, template: sr.templateName, role: 'setup'})
  service.depends_on = {...(service.depends_on as Record<string, unknown>), [`${sr.name}-setup`]: {condition: 'service_completed_successfully'}}
}

/** depends_on: wait for healthy dependencies, started for the others. */
function wireDependsOn(st: StackRender): void {
  for (const [name, {spec, where}] of st.located) {
    if (!spec.depends_on?.length) continue
    const deps: Record<string, unknown> = {...(st.services[name].depends_on as Record<string, unknown>)}
    spec.depends_on.forEach((dep, i) => {
      if (!st.services[dep]) {
        const why = st.located.has(dep) ? '' : st.file.services[dep] || st.env.services[dep] ? ` (it is disabled in ${st.env.name})` : ''
        throw new ConfigError(`service "${name}" depends on unknown service "${dep}"${why}`, st.src.locate([...where('depends_on'), i]))
      }
      deps[dep] = {condition: st.healthy.has(dep) ? 'service_healthy' : 'service_started'}
    })
    st.services[name].depends_on = deps
  }
}
