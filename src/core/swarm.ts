/**
 * The Swarm target: the rendered Compose model of an environment turned into a stack file for
 * `docker stack deploy` (Compose file format 3.9, which the docker CLI's stack loader validates).
 * Pure: the env files' contents are handed in (SwarmOptions.envFiles); no value of one is ever written
 * into the result, only `${KEY}` references and the names of Swarm secrets.
 *
 * What changes from the Compose model: no `build:` (a built service runs the image berth tags for it),
 * `deploy:` (replicas, resources, update/rollback, restart policy), ports published by the stack itself
 * (there is no front door in a swarm), overlay networks, env_file keys that look secret as Swarm secrets,
 * and the keys a swarm ignores (depends_on, restart, container_name, healthcheck.start_interval) dropped.
 */
import {BerthError, ConfigError, ExitCode, type SourcePos} from './errors.js'
import {clone, isPlainObject} from './merge.js'
import {branchId, LABEL, projectSlug, shortHash, slug} from './naming.js'
import type {RenderResult} from './render.js'

export const STACK_FORMAT = '3.9'
export type PublishMode = 'ingress' | 'host' | 'door'
/** The stack's front door service (swarm.publish: door). */
export const SWARM_DOOR = 'berth-door'

export interface SwarmOptions {
  /** berth.yml's `name`. */
  projectName: string
  branch: string | null
  /** How ports are published (berth.yml `swarm.publish`; ingress by default). */
  publishMode?: PublishMode
  /** berth.yml `swarm.endpoint_mode` (vip by default: Swarm's own). */
  endpointMode?: 'vip' | 'dnsrr'
  /** swarm.publish: door: the door's image (after the image map) and its program (runtime/door.cjs). */
  door?: {image: string; script: string}
  /** Each env_file of the model (absolute path, as written there) read into KEY -> value. */
  envFiles?: Record<string, Record<string, string>>
  /** Where a service is set in berth.yml (for error positions). */
  locate?: (service: string) => SourcePos | undefined
}

export interface SwarmService {
  name: string
  image: string
  /** The image is built from the service's build: and tagged `image` (berth deploy builds it). */
  built: boolean
  replicas: number
  /** Published by the stack (ingress, host), or through its door (door: the door's own ports are host mode). */
  ports: Array<{published: number; target: number; mode: PublishMode}>
}

export interface SwarmSecret {
  /** The Swarm secret's name (the value's digest in it: a changed value is a new secret). */
  name: string
  key: string
  /** The env file its value is read from at deploy time. */
  file: string
}

export interface SwarmStack {
  /** The stack's name (`docker stack deploy ... NAME`): the Compose project name. */
  name: string
  model: Record<string, unknown>
  services: SwarmService[]
  secrets: SwarmSecret[]
  /** Non-secret env_file keys referenced as ${KEY}: the deploy hands them to the docker CLI, from these files. */
  envRefs: Record<string, string>
}

/** Keys a stack ignores or refuses (3.9 has no `name`, no `start_interval`). */
const DROPPED = ['build', 'depends_on', 'restart', 'container_name', 'links', 'pull_policy', 'develop', 'profiles', 'scale', 'mem_limit', 'cpus', 'env_file']
const SECRET_KEY = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|(^|_)KEY$)/i
/** Docker's limit on a service name (`<stack>_<service>`): a DNS label. */
const MAX_SERVICE_NAME = 63

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key)
}

/** The tag berth gives the image it builds for a service: berth/<project>-<service>:<env>-<branchid>. */
export function builtImageTag(projectName: string, service: string, env: string, branch: string | null): string {
  return `berth/${projectSlug(projectName)}-${slug(service, 40) || 'service'}:${slug(env, 16)}-${branchId(branch)}`
}

export function swarmStack(result: RenderResult, options: SwarmOptions): SwarmStack {
  const source = result.compose
  const berthServices = new Set(result.services.map((s) => s.name))
  const out: SwarmStack = {name: result.project, model: {}, services: [], secrets: [], envRefs: {}}
  const topSecrets: Record<string, unknown> = {}
  const services: Record<string, unknown> = {}
  const mode = options.publishMode ?? 'ingress'
  for (const name of Object.keys(source.services as Record<string, unknown>).sort()) {
    const service = clone((source.services as Record<string, Record<string, unknown>>)[name])
    if (service.labels && (service.labels as Record<string, string>)[LABEL.role] === 'setup') continue
    checkName(result.project, name, options)
    const {image, built} = serviceImage(name, service, berthServices.has(name), result, options)
    checkMounts(name, service, result, options)
    const ports = publishedPorts(name, result, mode)
    const replicas = wantedReplicas(service)
    const hasData = result.volumes.some((v) => v.service === name && v.kind === 'data')
    // Host-mode ports: a new task cannot take the port while the old one holds it on the node (stop-first).
    // Through the door, a service holds no port: its new task starts before the old one stops.
    const own = mode === 'door' ? [] : ports
    const swarmService = toSwarmService(service, image, own, replicas, hasData || own.some((p) => p.mode === 'host'), hasData, options.endpointMode)
    addSecrets(name, swarmService, service, options, out, topSecrets)
    services[name] = swarmService
    out.services.push({name, image, built, replicas, ports})
  }
  if (mode === 'door') addDoor(out, services, result.env.name, options)
  const model: Record<string, unknown> = {version: STACK_FORMAT, services, networks: overlayNetworks(source.networks)}
  if (isPlainObject(source.volumes) && Object.keys(source.volumes).length > 0) model.volumes = clone(source.volumes)
  if (Object.keys(topSecrets).length > 0) model.secrets = topSecrets
  out.model = model
  return out
}

/**
 * swarm.publish: door. berth's front door (runtime/door.cjs) as a global service of the stack: one task per node
 * holds the published ports in host mode and passes each connection to a task of the service, found by the
 * swarm's DNS (tasks.SERVICE: every running task, whatever the endpoint mode; looked up again each second), a
 * refusing or vanished task skipped for the next. The services publish nothing, so their updates start the new
 * task before the old one stops: no request fails during a rolling update, and no IPVS (routing mesh) is needed.
 */
function addDoor(out: SwarmStack, services: Record<string, unknown>, env: string, options: SwarmOptions): void {
  const routed = out.services.flatMap((s) => s.ports.map((p) => ({listen: p.published, service: s.name, host: `tasks.${out.name}_${s.name}`, port: p.target})))
  if (routed.length === 0) return
  if (!options.door) throw new Error('swarm.publish: door needs the door\'s image and program')
  if (SWARM_DOOR in services) {
    throw new ConfigError(`service "${SWARM_DOOR}": the name is berth's front door in a swarm (swarm.publish: door)`, options.locate?.(SWARM_DOOR), {hints: ['Rename the service.']})
  }
  checkName(out.name, SWARM_DOOR, options)
  const routes = routed.sort((a, b) => a.listen - b.listen)
  // Labelled like the stack's containers (berth status lists it with them), with a role of its own.
  const labels = {[LABEL.project]: options.projectName, [LABEL.env]: env, [LABEL.stack]: out.name, [LABEL.service]: SWARM_DOOR, [LABEL.role]: 'swarm-door'}
  services[SWARM_DOOR] = {
    image: options.door.image,
    // The stack file is interpolated by the docker CLI: the program's own $ are escaped.
    command: ['node', '-e', options.door.script.replace(/\$/g, '$$$$')],
    environment: {BERTH_DOOR_ROUTES: JSON.stringify(routes)},
    labels,
    ports: routes.map((r) => ({target: r.listen, published: r.listen, protocol: 'tcp', mode: 'host'})),
    deploy: {
      mode: 'global',
      labels,
      // It holds the host ports: the old door goes first (it changes only when the routes do).
      update_config: {parallelism: 1, delay: '0s', order: 'stop-first', failure_action: 'rollback', monitor: '5s', max_failure_ratio: 0},
      rollback_config: {parallelism: 1, delay: '0s', order: 'stop-first', failure_action: 'pause', monitor: '5s'},
      restart_policy: {condition: 'any', delay: '1s', window: '10s'},
    },
  }
  out.services.push({name: SWARM_DOOR, image: options.door.image, built: false, replicas: 1, ports: routes.map((r) => ({published: r.listen, target: r.listen, mode: 'host' as const}))})
}

function checkName(stack: string, service: string, options: SwarmOptions): void {
  if (`${stack}_${service}`.length <= MAX_SERVICE_NAME) return
  throw new ConfigError(`service "${service}": the Swarm service name ${stack}_${service} is longer than ${MAX_SERVICE_NAME} characters`, options.locate?.(service), {
    hints: ['Use a shorter service name, or a shorter project name in berth.yml.'],
  })
}

/** A service's image: its own reference, or the tag berth builds it as; a build without a name berth gives is refused. */
function serviceImage(name: string, service: Record<string, unknown>, ofBerth: boolean, result: RenderResult, options: SwarmOptions): {image: string; built: boolean} {
  const built = isPlainObject(service.build) || typeof service.build === 'string'
  if (typeof service.image === 'string' && service.image !== '') return {image: service.image, built}
  if (built && ofBerth) return {image: builtImageTag(options.projectName, name, result.env.name, options.branch), built}
  throw new ConfigError(`service "${name}" has build: only and no image name: a swarm runs images, it does not build them`, options.locate?.(name), {
    hints: ['Give the service image: (the tag its build produces, e.g. registry.example.com/team/app:1), or declare it under services: in berth.yml so berth names the image it builds.'],
  })
}

/** Bind mounts name a folder of this machine: a swarm's nodes do not have it. */
function checkMounts(name: string, service: Record<string, unknown>, result: RenderResult, options: SwarmOptions): void {
  for (const m of (service.volumes as unknown[]) ?? []) {
    const bind = isPlainObject(m) ? m.type === 'bind' : typeof m === 'string' && /^[./~]/.test(m)
    if (!bind) continue
    const where = isPlainObject(m) ? String(m.source) : String(m).split(':')[0]
    const dev = result.env.mode === 'dev'
    throw new ConfigError(`service "${name}": a bind mount (${where}) cannot go to a swarm${dev ? `: ${result.env.name} is a dev environment, which mounts your source` : ''}`, options.locate?.(name), {
      hints: [dev ? 'Deploy a prod environment (qa, stage): it builds the source into an image. Dev on a remote engine or a swarm is out of berth\'s scope.' : 'Use a named volume (volumes: in berth.yml), or bake the files into the image.'],
    })
  }
}

/**
 * What the stack publishes: a service's HTTP port and the ports: berth.yml lists. Databases and caches stay
 * inside the stack's overlay network (a swarm publishes on every address of every node).
 */
function publishedPorts(name: string, result: RenderResult, mode: PublishMode): SwarmService['ports'] {
  const http = result.services.some((s) => s.name === name && s.url)
  return result.ports
    .filter((p) => p.service === name && (p.role === 'extra' || (p.role === 'app' && http)))
    .map((p) => ({published: p.host, target: p.container, mode}))
    .sort((a, b) => a.published - b.published)
}

function wantedReplicas(service: Record<string, unknown>): number {
  const deploy = isPlainObject(service.deploy) ? service.deploy : {}
  if (typeof deploy.replicas === 'number') return deploy.replicas
  if (typeof service.scale === 'number') return service.scale
  return 1
}

function restartCondition(restart: unknown): string {
  if (restart === 'no') return 'none'
  if (typeof restart === 'string' && restart.startsWith('on-failure')) return 'on-failure'
  return 'any'
}

/** resources.limits from the Compose keys the model may have (deploy.resources kept, mem_limit and cpus mapped). */
function resources(service: Record<string, unknown>, deploy: Record<string, unknown>): Record<string, unknown> | undefined {
  const own = isPlainObject(deploy.resources) ? clone(deploy.resources) : {}
  const limits: Record<string, unknown> = isPlainObject(own.limits) ? own.limits : {}
  if (service.cpus !== undefined && limits.cpus === undefined) limits.cpus = String(service.cpus)
  if (service.mem_limit !== undefined && limits.memory === undefined) limits.memory = service.mem_limit
  // The stack file format takes cpus as a string only (Compose takes a number too: qa's and stage's defaults have 1).
  if (typeof limits.cpus === 'number') limits.cpus = String(limits.cpus)
  if (Object.keys(limits).length > 0) own.limits = limits
  return Object.keys(own).length > 0 ? own : undefined
}

function toSwarmService(service: Record<string, unknown>, image: string, ports: SwarmService['ports'], replicas: number, stopFirst: boolean, hasData: boolean, endpointMode?: 'vip' | 'dnsrr'): Record<string, unknown> {
  const deploy = isPlainObject(service.deploy) ? clone(service.deploy) : {}
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(service)) if (!DROPPED.includes(key) && key !== 'deploy' && key !== 'ports') out[key] = value
  out.image = image
  if (isPlainObject(out.healthcheck)) delete out.healthcheck.start_interval
  const labels = {...(out.labels as Record<string, string>)}
  delete labels[LABEL.door]
  delete labels[LABEL.url]
  out.labels = labels
  if (ports.length > 0) out.ports = ports.map((p) => ({target: p.target, published: p.published, protocol: 'tcp', mode: p.mode}))
  // A service with a data volume is never run twice at once on its data (stop-first), and stays on one node.
  const order = stopFirst ? 'stop-first' : 'start-first'
  const res = resources(service, deploy)
  const placement = hasData ? {constraints: ['node.role == manager']} : undefined
  out.deploy = {
    ...deploy,
    replicas,
    labels: {...labels, ...(isPlainObject(deploy.labels) ? (deploy.labels as Record<string, string>) : {})},
    update_config: {parallelism: 1, delay: '0s', order, failure_action: 'rollback', monitor: '5s', max_failure_ratio: 0},
    rollback_config: {parallelism: 1, delay: '0s', order, failure_action: 'pause', monitor: '5s'},
    restart_policy: {condition: restartCondition(service.restart), delay: '2s', window: '10s'},
    ...(res ? {resources: res} : {}),
    ...(placement && !deploy.placement ? {placement} : {}),
    ...(endpointMode && !deploy.endpoint_mode ? {endpoint_mode: endpointMode} : {}),
  }
  if (!res) delete (out.deploy as Record<string, unknown>).resources
  return out
}

/**
 * env_file keys: those that look secret become Swarm secrets (mounted at /run/secrets/KEY, with KEY_FILE
 * pointing there, the convention of the official images); the others `${KEY}` references.
 */
function addSecrets(name: string, out: Record<string, unknown>, service: Record<string, unknown>, options: SwarmOptions, stack: SwarmStack, topSecrets: Record<string, unknown>): void {
  const files = Array.isArray(service.env_file) ? (service.env_file as string[]) : typeof service.env_file === 'string' ? [service.env_file] : []
  if (files.length === 0) return
  const environment: Record<string, unknown> = {...(out.environment as Record<string, unknown>)}
  const mounts: Array<Record<string, unknown>> = [...((out.secrets as Array<Record<string, unknown>>) ?? [])]
  for (const escaped of files) {
    const file = escaped.replace(/\$\$/g, '$')
    const values = options.envFiles?.[file]
    if (!values) {
      throw new BerthError(`service "${name}": its env_file ${file} was not read`, {exitCode: ExitCode.PREFLIGHT, hints: ['Create the file, or remove env_file: from the service.']})
    }
    for (const key of Object.keys(values).sort()) {
      if (key in environment) continue
      if (!looksSecret(key)) {
        environment[key] = `\${${key}}`
        stack.envRefs[key] = file
        continue
      }
      const secretName = `${stack.name.slice(0, 40)}-${slug(key, 12) || 'secret'}-${shortHash(`${stack.name}\n${key}\n${values[key]}`, 10)}`
      topSecrets[secretName] = {name: secretName, external: true}
      mounts.push({source: secretName, target: key})
      environment[`${key}_FILE`] = `/run/secrets/${key}`
      if (!stack.secrets.some((s) => s.name === secretName)) stack.secrets.push({name: secretName, key, file})
    }
  }
  out.environment = environment
  if (mounts.length > 0) out.secrets = mounts
}

/** Every network of the model as an overlay network (its labels kept); the stack names them <stack>_<key>. */
function overlayNetworks(networks: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const given = isPlainObject(networks) ? networks : {default: {}}
  for (const [key, value] of Object.entries(given)) {
    const net = isPlainObject(value) ? clone(value) : {}
    if (net.external) {
      out[key] = net
      continue
    }
    out[key] = {...net, driver: 'overlay', attachable: true}
  }
  return out
}
