/**
 * Rendering: berth.yml + templates + environment -> one Compose model (a plain object).
 * Pure: file checks and hashing are handed in (RenderIO), nothing here touches a disk or a process.
 */
import path from 'node:path'
import {resolveBuild} from './build.js'
import {doorName, doorSpec} from './door.js'
import {ConfigError} from './errors.js'
import {resolveEnvironment} from './environments.js'
import {withStartInterval} from './healthcheck.js'
import {addBuildSecrets, applyImageSource, namesRegistryImage} from './image-source.js'
import {resolveImage} from './images.js'
import {clone, deepMerge, isPlainObject} from './merge.js'
import type {EnvironmentProfile, Mode, ServiceSpec, StackFile} from './model.js'
import {branchId, builtImageName, composeProjectName, escapeDollars, LABEL} from './naming.js'
import {resolvePlaceholders, type Scope} from './placeholders.js'
import {addSetup, otherMounts, renderVolumes} from './render-mounts.js'
import {publishPorts} from './render-ports.js'
import {DEFAULT_BIND, DEFAULT_TEMPLATE, type Located, type RenderRequest, type RenderResult, type ServiceRender, type StackRender} from './render-types.js'
import {applySettings, checkSettings, effectiveSettings, isAppService, type SettingsRequest} from './runtime-settings.js'
import type {PathSegment} from './source.js'
import {checkTemplateParams, templateConfigs} from './template-extras.js'

export {DEFAULT_BIND, DEFAULT_TEMPLATE, INSPECTOR_BIND, INSPECTOR_PORT} from './render-types.js'
export type {PortBinding, RenderedService, RenderedVolume, RenderIO, RenderRequest, RenderResult} from './render-types.js'

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
