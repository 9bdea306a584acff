/**
 * One Compose service as a berth service: template, image or build, command, environment, env files,
 * ports (on 127.0.0.1), volumes and mounts. What berth has no key for goes under `compose:` verbatim, and
 * every decision is a summary line. Pure: file checks are handed in.
 */
import path from 'node:path'
import {ConfigError, type SourcePos} from '../errors.js'
import {isPlainObject} from '../merge.js'
import type {BuildSpec, EnvValue, MountSpec, ServiceSpec, VolumeSpec} from '../model.js'
import {listToMap, type Plain} from './compose-file.js'
import {chooseTemplate, type TemplateInfo} from './templates.js'
import {berthKey, envFiles, parseMount, parsePort, rebase, type MountEntry, type PortEntry} from './normalize.js'
import {mapPorts} from './ports.js'

export interface ImportEnv {
  root: string
  /** Folder of the Compose file. */
  composeDir: string
  templates: Map<string, TemplateInfo>
  /** Named volumes to import as shared (--shared). */
  shared: Set<string>
  /** Named volumes that stay Compose volumes (used by several services, external, with a driver or a name). */
  composeVolumes: Set<string>
  exists(absPath: string): boolean
  read(absPath: string): string | undefined
  /** Where a node of the Compose file starts (for refusals). */
  locate(path: readonly (string | number)[]): SourcePos
}

export interface ServiceImport {
  spec: ServiceSpec
  /** Summary lines (without the service name). */
  notes: string[]
  /** Keys kept under compose:, each with why (a comment in berth.yml). */
  kept: Array<{key: string; why: string}>
  /** Named volumes of the Compose file this service imported as berth volumes (name -> key). */
  volumes: Record<string, string>
  /** Whether berth will see a healthcheck on it (its template's or its own). */
  healthy: boolean
  /** Raw Compose for the dev environment's top level (the node setup container's profiles). */
  devCompose?: Plain
  /** The service's compose: in qa and stage only (build keys of a node service, which builds only there). */
  prodCompose?: Plain
}

/** Keys the import maps itself; any other key is kept under compose: as written. */
const MAPPED = new Set(['image', 'build', 'command', 'environment', 'env_file', 'ports', 'volumes', 'depends_on', 'links', 'container_name', 'working_dir'])

interface Work {
  name: string
  svc: Plain
  env: ImportEnv
  out: ServiceImport
  compose: Plain
  template: TemplateInfo
  /** node: the bind mount that became `source`, its target in the Compose file. */
  sourceTarget?: string
}

export function mapService(name: string, svc: Plain, env: ImportEnv): ServiceImport {
  const contextDir = buildContext(svc, env)
  const choice = chooseTemplate(svc, env.templates, contextDir, env)
  const out: ServiceImport = {spec: {}, notes: [], kept: [], volumes: {}, healthy: false}
  const w: Work = {name, svc, env, out, compose: {}, template: choice.template}
  if (choice.template.name !== 'generic') out.spec.template = choice.template.name
  out.notes.push(`template ${choice.template.name} (${choice.why})`)
  imageAndBuild(w, choice.dockerfile)
  command(w, choice.dockerfile?.cmd)
  environment(w)
  mountsAndVolumes(w)
  const ports = mapPorts(portsOf(w), {template: w.template, networkMode: typeof svc.network_mode === 'string' ? svc.network_mode : undefined})
  const {params, ...portSpec} = ports.spec
  Object.assign(out.spec, portSpec)
  if (params) out.spec.params = {...out.spec.params, ...params}
  out.notes.push(...ports.notes)
  if (ports.keep) keep(w, 'ports', ports.keep, 'ports berth cannot route: not TCP, or a container port twice')
  dependencies(w)
  rest(w)
  if (Object.keys(w.compose).length > 0) out.spec.compose = w.compose
  out.healthy = isPlainObject(svc.healthcheck) ? svc.healthcheck.disable !== true : w.template.healthcheck && (w.template.name !== 'node' || out.spec.port !== undefined)
  return out
}

function keep(w: Work, key: string, value: unknown, why: string): void {
  w.compose[key] = key === 'networks' ? nullsAsEmpty(value) : value
  w.out.kept.push({key, why})
}

function buildContext(svc: Plain, env: ImportEnv): string | undefined {
  const b = svc.build
  const context = typeof b === 'string' ? b : isPlainObject(b) ? (b.context ?? '.') : undefined
  if (typeof context !== 'string' || /^[a-z]+:\/\/|^git@|\.git(#|$)/.test(context)) return undefined
  return path.resolve(env.composeDir, context)
}

function imageAndBuild(w: Work, dockerfile: {from?: string} | undefined): void {
  const {svc, out} = w
  const image = typeof svc.image === 'string' ? svc.image : undefined
  if (svc.build === undefined) {
    if (image) out.spec.image = image
    return
  }
  buildSpec(w)
  if (w.template.name === 'node') {
    const base = dockerfile?.from
    if (base && !base.includes('$')) out.spec.image = base
    out.notes.push(`dev runs the source on ${out.spec.image ?? w.template.image ?? 'the node image'} (source mounted at /src, npm ci in a setup container); the Dockerfile is built in qa and stage`)
  }
  if (image) out.notes.push(`image ${image} (the built image's tag) not used: berth names built images itself`)
}

/** build: context, dockerfile, target and args as berth's; other keys kept verbatim (for a node service, in qa and stage). */
function buildSpec(w: Work): void {
  const {svc, out, env} = w
  const b: Plain = typeof svc.build === 'string' ? {context: svc.build} : isPlainObject(svc.build) ? {...svc.build} : {}
  if (buildContext(svc, env) === undefined || typeof b.dockerfile_inline === 'string') {
    throw new ConfigError(`service "${w.name}": a build from a URL or an inline Dockerfile cannot be imported (berth builds a folder with a Dockerfile)`, env.locate(['services', w.name, 'build']), {
      hints: ['Check the repository out (or write the Dockerfile) into a folder and point build: at it, or use a built image: (image:), then import again.'],
    })
  }
  const spec: BuildSpec = {context: rebase(typeof b.context === 'string' ? b.context : '.', env.composeDir, env.root)}
  if (typeof b.dockerfile === 'string') spec.dockerfile = b.dockerfile
  if (typeof b.target === 'string') spec.target = b.target
  const rest: Plain = {}
  const args = Object.entries(listToMap(b.args) ?? {})
  // An argument without a value comes from the shell: only Compose's list form says so (a null would delete it
  // in berth's merge, and a list replaces berth's mapping), so then all of them are kept as that list.
  if (args.some(([, v]) => v === null)) rest.args = args.map(([k, v]) => (v === null ? k : `${k}=${String(v)}`))
  else if (args.length > 0) spec.args = Object.fromEntries(args) as Record<string, EnvValue>
  for (const [k, v] of Object.entries(b)) if (!['context', 'dockerfile', 'target', 'args'].includes(k)) rest[k] = v
  out.spec.build = Object.keys(spec).length === 1 ? spec.context : spec
  if (Object.keys(rest).length === 0) return
  if (w.template.name === 'node') {
    out.prodCompose = {build: rest}
    out.notes.push(`build keys ${Object.keys(rest).join(', ')} kept verbatim under environments qa and stage (the node template builds only there)`)
  } else keep(w, 'build', rest, 'build keys berth has no key for')
}

function command(w: Work, dockerfileCmd: string | string[] | undefined): void {
  const {svc, out} = w
  const cmd = svc.command
  if (typeof cmd === 'string' || (Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === 'string'))) out.spec.command = cmd as string | string[]
  else if (cmd !== undefined && cmd !== null) keep(w, 'command', cmd, 'a command berth cannot read')
  else if (w.template.name === 'node') {
    if (dockerfileCmd) {
      out.spec.command = dockerfileCmd
      out.notes.push(`command taken from the Dockerfile's CMD (berth runs the source in dev, not the image)`)
    } else if (svc.build !== undefined || typeof svc.image === 'string') {
      out.notes.push('no command: the node template runs npm start')
    }
  }
}

/** Environment variables the postgres template sets from its params (and its healthcheck uses). */
const POSTGRES_PARAMS: Record<string, string> = {POSTGRES_USER: 'user', POSTGRES_PASSWORD: 'password', POSTGRES_DB: 'database'}

function environment(w: Work): void {
  const {svc, out, env} = w
  const vars = listToMap(svc.environment)
  if (svc.environment !== undefined && !vars) keep(w, 'environment', svc.environment, 'an environment berth cannot read')
  const result: Record<string, EnvValue> = {}
  const fromShell: string[] = []
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (v === null) {
      result[k] = `\${${k}}`
      fromShell.push(k)
    } else result[k] = isPlainObject(v) || Array.isArray(v) ? JSON.stringify(v) : (v as EnvValue)
  }
  if (fromShell.length > 0) out.notes.push(`environment ${fromShell.join(', ')} (from the shell) written as \${VAR} references`)
  if (w.template.name === 'postgres') {
    // The official image's defaults (user postgres, database = user), not the template's (app): the same database.
    const user = result.POSTGRES_USER ?? 'postgres'
    const params: Plain = {user, database: result.POSTGRES_DB ?? user}
    if (result.POSTGRES_PASSWORD !== undefined) params.password = result.POSTGRES_PASSWORD
    for (const k of Object.keys(POSTGRES_PARAMS)) delete result[k]
    out.spec.params = {...out.spec.params, ...params}
    out.notes.push(`POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB became params user, password and database`)
  }
  if (Object.keys(result).length > 0) out.spec.env = result
  const files = envFiles(svc.env_file)
  if (files.length > 0) {
    const rebased = files.map((f) => ({...f, path: rebase(f.path, env.composeDir, env.root)}))
    if (rebased.some((f) => !f.required)) keep(w, 'env_file', rebased.map((f) => (f.required ? f.path : {path: f.path, required: false})), 'an optional env file (required: false)')
    else out.spec.env_file = rebased.length === 1 ? rebased[0].path : rebased.map((f) => f.path)
  }
}

function portsOf(w: Work): {entries: PortEntry[]; unreadable: unknown[]} {
  const raw = Array.isArray(w.svc.ports) ? w.svc.ports : []
  const entries: PortEntry[] = []
  const unreadable: unknown[] = []
  for (const p of raw) {
    const parsed = parsePort(p)
    if (parsed) entries.push(...parsed)
    else unreadable.push(p)
  }
  return {entries, unreadable}
}

function mountsAndVolumes(w: Work): void {
  const {svc, out} = w
  const raw = Array.isArray(svc.volumes) ? svc.volumes : []
  const mounts = raw.map((r) => ({raw: r, entry: parseMount(r)}))
  const unreadable = mounts.filter((m) => !m.entry).map((m) => m.raw)
  const entries = mounts.flatMap((m) => (m.entry ? [{...m.entry, target: m.entry.target.replace(/(.)\/+$/, '$1')}] : []))
  if (w.template.name === 'node') nodeSource(w, entries)
  const volumes: Record<string, string | VolumeSpec | null> = {}
  const other: Record<string, string | MountSpec> = {}
  for (const m of entries) {
    if (m === undefined || m.target === w.sourceTarget) continue
    const target = containerPath(w, m.target)
    if (m.extra.length > 0) out.notes.push(`volume ${m.target}: ${m.extra.join(', ')} not imported (berth has no key for it)`)
    const templateKey = Object.entries(w.template.volumes).find(([, p]) => p === target)?.[0]
    if ((m.type === 'bind' || m.type === 'tmpfs') && templateKey) {
      volumes[templateKey] = null
      out.notes.push(`${m.type} mount ${m.target} replaces the ${w.template.name} template's ${templateKey} volume (so it is not per branch)`)
    }
    if (m.type === 'bind') other[target] = m.readOnly ? {source: rebase(m.source!, w.env.composeDir, w.env.root), read_only: true} : rebase(m.source!, w.env.composeDir, w.env.root)
    else if (m.type === 'tmpfs') other[target] = {type: 'tmpfs'}
    else if (m.type === 'volume') volumeMount(w, m, target, volumes, other)
    else unreadable.push(m.raw)
  }
  if (Object.keys(volumes).length > 0) out.spec.volumes = volumes
  if (Object.keys(other).length > 0) out.spec.mounts = other
  if (unreadable.length > 0) {
    out.notes.push(`volumes ${unreadable.map((u) => JSON.stringify(u)).join(', ')} kept under compose: (they replace the service's mounts: check them)`)
    keep(w, 'volumes', unreadable, 'mounts berth cannot read')
  }
}

/** The path in the container after the node template moved the source to /src. */
function containerPath(w: Work, target: string): string {
  const t = w.sourceTarget
  if (t && t !== '/src' && (target === t || target.startsWith(`${t}/`))) return `/src${target.slice(t.length)}`
  return target
}

/** node: the bind mount of a folder of the project over the working directory (or the app's folder) is `source`. */
function nodeSource(w: Work, entries: MountEntry[]): void {
  const context = buildContext(w.svc, w.env)
  const folders = entries.filter((m) => m.type === 'bind' && m.source && !/^[/~$]/.test(m.source))
  // A folder with a package.json is the app; without a build, a folder over the working directory or node_modules' parent is.
  const apps = folders.filter((m) => w.env.exists(path.join(path.resolve(w.env.composeDir, m.source!), 'package.json')))
  const workdir = typeof w.svc.working_dir === 'string' ? w.svc.working_dir.replace(/(.)\/+$/, '$1') : undefined
  const prefer = (list: MountEntry[]) => list.find((m) => m.target === workdir) ?? list.find((m) => entries.some((e) => e.target === `${m.target}/node_modules`)) ?? list.find((m) => m.target === '/src')
  const pick = prefer(apps) ?? apps[0] ?? (context === undefined ? prefer(folders) : undefined)
  if (pick) {
    w.sourceTarget = pick.target
    const source = rebase(pick.source!, w.env.composeDir, w.env.root)
    if (source !== '.') w.out.spec.source = source
    w.out.notes.push(`source ${source} (the ${pick.source}:${pick.target} mount)${pick.target === '/src' ? '' : `, mounted at /src instead of ${pick.target}`}`)
  } else if (context !== undefined) {
    const source = rebase(typeof w.svc.build === 'string' ? w.svc.build : String((w.svc.build as Plain).context ?? '.'), w.env.composeDir, w.env.root)
    if (source !== '.') w.out.spec.source = source
    w.out.notes.push(`source ${source} (the build context), mounted at /src in dev`)
  }
  if (workdir && workdir !== w.sourceTarget && workdir !== '/src') {
    const moved = containerPath(w, workdir)
    w.compose.working_dir = moved
    w.out.kept.push({key: 'working_dir', why: 'a working directory other than the source folder'})
  } else if (workdir) w.out.notes.push(`working_dir ${workdir} is /src (the node template's)`)
}

function volumeMount(w: Work, m: MountEntry, target: string, volumes: Record<string, string | VolumeSpec | null>, other: Record<string, string | MountSpec>): void {
  const {out, env} = w
  const templateKey = Object.entries(w.template.volumes).find(([, p]) => p === target)?.[0]
  const nodeModules = w.template.name === 'node' && 'node_modules' in w.template.volumes && path.basename(target) === 'node_modules'
  if (m.source === undefined) {
    if (nodeModules) {
      out.notes.push(`anonymous volume ${m.target} became the node template's node_modules cache volume at /src/node_modules (keyed by the lockfile)`)
      return
    }
    const key = templateKey ?? uniqueKey(berthKey(path.basename(target)), volumes, w.template)
    volumes[key] = {path: target, seed: 'empty'}
    out.notes.push(`anonymous volume ${m.target} became data volume ${key} (per branch, starts empty)`)
    return
  }
  if (env.composeVolumes.has(m.source)) {
    other[target] = m.readOnly ? {type: 'volume', source: m.source, read_only: true} : {type: 'volume', source: m.source}
    return
  }
  const key = nodeModules ? 'node_modules' : (templateKey ?? uniqueKey(berthKey(m.source), volumes, w.template))
  const kind = env.shared.has(m.source) ? 'shared' : 'data'
  if (nodeModules) {
    out.notes.push(`named volume ${m.source} became the node template's node_modules cache volume at /src/node_modules, keyed by the lockfile (it was at ${m.target})`)
  } else {
    volumes[key] = kind === 'shared' ? {path: target, kind} : target
    out.notes.push(`named volume ${m.source} became ${kind} volume ${key}${templateKey ? ` (the ${w.template.name} template's)` : ''}${kind === 'data' ? ' (one per branch)' : ' (one for all branches)'}`)
  }
  out.volumes[m.source] = key
  if (m.readOnly) out.notes.push(`volume ${m.source} was read-only: berth volumes are mounted read-write`)
}

function uniqueKey(base: string, taken: Record<string, unknown>, template: TemplateInfo): string {
  let key = base
  for (let i = 2; key in taken || key in template.volumes; i++) key = `${base}-${i}`
  return key
}

function dependencies(w: Work): void {
  const {svc, out} = w
  const list: string[] = []
  const keptDeps: Plain = {}
  const deps = Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [String(d), {condition: 'service_started'}])) : isPlainObject(svc.depends_on) ? svc.depends_on : {}
  for (const [dep, raw] of Object.entries(deps)) {
    const d = isPlainObject(raw) ? raw : {}
    const condition = typeof d.condition === 'string' ? d.condition : 'service_started'
    const extra = Object.keys(d).filter((k) => k !== 'condition')
    if (condition === 'service_completed_successfully' || extra.length > 0) keptDeps[dep] = raw
    else list.push(dep)
  }
  const links = Array.isArray(svc.links) ? svc.links.map(String) : []
  const aliased = links.filter((l) => l.includes(':'))
  for (const l of links) {
    const dep = l.split(':')[0]
    if (!list.includes(dep) && !(dep in keptDeps)) list.push(dep)
  }
  if (links.length > 0) out.notes.push(`links ${links.join(', ')} became depends_on${aliased.length > 0 ? ' (the aliases are kept under compose: links)' : ''}`)
  if (aliased.length > 0) keep(w, 'links', aliased, 'link aliases (other host names for a service)')
  if (list.length > 0) out.spec.depends_on = list
  if (Object.keys(keptDeps).length > 0) keep(w, 'depends_on', keptDeps, 'conditions berth does not infer: completed, restart or required')
}

/** Everything else: kept under compose: as written, a few with a warning, container_name dropped. */
function rest(w: Work): void {
  const {svc, out} = w
  for (const [key, value] of Object.entries(svc)) {
    if (MAPPED.has(key) && !(key === 'working_dir' && w.template.name !== 'node')) continue
    if (key === 'healthcheck' && w.template.name === 'node' && out.spec.port !== undefined) {
      // Its own healthcheck replaces the template's HTTP one (health_path: null turns that off).
      out.spec.params = {...out.spec.params, health_path: null}
    }
    keep(w, key, value, WHY[key] ?? 'berth has no key for it')
    if (key === 'profiles' && w.template.name === 'node') {
      // The setup container (npm ci) of a node service starts with it, not without it.
      out.devCompose = {services: {[`${w.name}-setup`]: {profiles: value}}}
      out.notes.push(`its setup container ${w.name}-setup gets the same profiles (environments: dev: compose:)`)
    }
    if (key === 'network_mode' && value === 'host') out.notes.push("network_mode: host kept under compose: the front door cannot route it (its ports are the host's own, not berth's)")
  }
  if (typeof svc.container_name === 'string') out.notes.push(`container_name ${svc.container_name} not imported: berth names containers per branch and environment, and a fixed name would clash`)
}

const WHY: Record<string, string> = {
  healthcheck: 'berth has no healthcheck key; this one replaces the template\'s',
  profiles: 'Compose profiles: berth up starts the service only when its profile is active, COMPOSE_PROFILES',
  networks: 'networks of the Compose file',
  network_mode: 'berth cannot route this network mode',
  restart: 'the templates set restart only in qa and stage',
}

/**
 * A value kept verbatim, with a mapping's null entries as empty mappings: in berth.yml's compose: a null
 * deletes a key, while Compose reads `networks: {front: null}` as "front, with no options".
 */
export function nullsAsEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullsAsEmpty)
  if (!isPlainObject(value)) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? {} : nullsAsEmpty(v)]))
}
