/**
 * Use cases: berth deploy ENV (a stack on Docker Swarm) and berth undeploy ENV. Everything is checked
 * before anything changes (the stack file by `docker stack config`, the engine is a swarm manager, every
 * image can be had by every node); then the images are built and tagged, berth's volumes and secrets
 * made, `docker stack deploy` run, and the services waited for (src/app/converge.ts). A first deploy that
 * fails removes what it created; an update that fails is rolled back by Swarm itself.
 */
import {composeBody} from '../core/compose-yaml.js'
import {parseEnvFile} from '../core/env-file.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {clone} from '../core/merge.js'
import {LABEL} from '../core/naming.js'
import {SWARM_DOOR} from '../core/swarm.js'

/** The id of the image a built service runs (on its tasks' containers). */
export const IMAGE_ID_LABEL = 'dev.berth.image-id'
import {converge, type ConvergeOptions} from './converge.js'
import {locked} from './locked.js'
import type {Deps, SwarmState} from './ports.js'
import type {Project} from './project.js'
import {renderSwarm, type SwarmRendered} from './swarm-render.js'
import {composeOutput} from './up.js'

export interface DeployOptions extends ConvergeOptions {
  env: string
}

export interface DeployResult {
  stack: string
  first: boolean
  services: Array<{name: string; image: string; replicas: number; ports: number[]}>
  /** How the nodes get the images: the images on this engine (a single-node swarm), or a registry. */
  images: 'local' | 'registry'
}

/** Not a manager: one line, and how to make one. */
export function requireManager(info: SwarmState): void {
  if (info.manager) return
  const inactive = info.state === 'inactive'
  throw new BerthError(inactive ? 'this Docker engine is not in a swarm: berth deploy needs a swarm manager' : `this Docker engine is a swarm ${info.state === 'active' ? 'worker' : `node in state ${info.state}`}, not a manager: berth deploy needs a manager`, {
    exitCode: ExitCode.DOCKER,
    hints: [inactive ? 'Make this engine a single-node swarm: docker swarm init (or choose a manager: --context NAME).' : 'Run berth deploy against a manager: --context NAME (docker context create NAME --docker host=ssh://MANAGER).'],
  })
}

export function deploy(project: Project, options: DeployOptions, deps: Deps): Promise<DeployResult> {
  return locked(project, deps, () => deployStack(project, options, deps))
}

async function deployStack(project: Project, options: DeployOptions, deps: Deps): Promise<DeployResult> {
  const {reporter, swarm} = deps
  reporter.step(`Rendering ${options.env} for Docker Swarm`)
  const rendered = await renderSwarm(project, options.env, deps)
  await deps.engine.ping()
  const info = await swarm.info()
  requireManager(info)
  refuseHostPortReplicas(rendered, info.nodes)
  await swarm.checkStack(rendered.yaml)
  const images = info.nodes <= 1 ? 'local' : 'registry'
  await checkImages(rendered, images, deps, false)
  const before = await swarm.services(rendered.stack.name)
  const first = before.length === 0

  await buildImages(project, rendered, deps)
  const yaml = withImageIds(rendered, await checkImages(rendered, images, deps, true))
  const bind = project.stack.value.bind ?? rendered.result.env.bind ?? '127.0.0.1'
  if (rendered.stack.services.some((s) => s.ports.length > 0)) reporter.warn(`A swarm publishes ports on every address of every node: bind (${bind}) applies to berth up only; firewall the nodes.`)
  reporter.info(images === 'local' ? 'Single-node swarm: the services run the images on this engine (no registry needed).' : `Swarm of ${info.nodes} nodes: every image is pulled from its registry by each node.`)

  const created: {volumes: string[]; secrets: string[]} = {volumes: [], secrets: []}
  try {
    await makeVolumesAndSecrets(project, rendered, deps, created)
    reporter.step(`${first ? 'Deploying' : 'Updating'} stack ${rendered.stack.name} (${rendered.stack.services.length} services)`)
    await swarm.deployStack(rendered.stack.name, yaml, deployEnv(project, rendered, deps), images === 'registry')
    await converge(rendered.stack, before, options, deps)
  } catch (error) {
    if (first) await removeFirst(rendered.stack.name, created, deps)
    throw error
  }
  return {
    stack: rendered.stack.name,
    first,
    images,
    // The door's ports are its services' (listed with them).
    services: rendered.stack.services.map((s) => ({name: s.name, image: s.image, replicas: s.replicas, ports: s.name === SWARM_DOOR ? [] : s.ports.map((p) => p.published)})),
  }
}

/**
 * Every image where every node can get it. A single-node swarm runs the images of this engine: each must be
 * here (built ones after the build). A bigger swarm pulls: an image berth builds needs a registry.
 */
async function checkImages(rendered: SwarmRendered, images: 'local' | 'registry', deps: Deps, afterBuild: boolean): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  for (const s of rendered.stack.services) {
    if (s.built && !afterBuild) continue
    if (images === 'registry') {
      if (s.built && !/^[^/]+[.:][^/]*\//.test(s.image)) {
        throw new BerthError(`service "${s.name}": its image ${s.image} is built here and no other node can get it`, {
          exitCode: ExitCode.PREFLIGHT,
          hints: ['Give the service an image: in a registry every node reaches (registry: in berth.yml), and push it before deploying.'],
        })
      }
      continue
    }
    const id = await deps.swarm.imageId(s.image)
    if (s.built && id) ids.set(s.name, id)
    if (!id) {
      throw new BerthError(`service "${s.name}": the image ${s.image} is not on this engine, and a single-node swarm without a registry cannot get it`, {
        exitCode: ExitCode.PREFLIGHT,
        hints: ['Map it to an image you have (BERTH_IMAGE_MAP="node:20=local/node:20", images: in berth.yml), or load it: docker load -i FILE.'],
      })
    }
  }
  return ids
}

/**
 * A built image keeps its tag when its content changes: its id goes into a label of the service's tasks,
 * so that a new build is a new task spec (a rolling update) and the same build none.
 */
export function withImageIds(rendered: SwarmRendered, ids: Map<string, string>): string {
  if (ids.size === 0) return rendered.yaml
  const services = rendered.stack.model.services as Record<string, Record<string, unknown>>
  for (const [name, id] of ids) services[name].labels = {...(services[name].labels as Record<string, string>), [IMAGE_ID_LABEL]: id}
  return `${rendered.yaml.slice(0, rendered.yaml.search(/^[^#]/m))}${composeBody(rendered.stack.model)}`
}

/** Services with a build: built by Compose, tagged with the name the stack file runs. */
async function buildImages(project: Project, rendered: SwarmRendered, deps: Deps): Promise<void> {
  const built = rendered.stack.services.filter((s) => s.built)
  if (built.length === 0) return
  const model = clone(rendered.result.compose)
  const services = model.services as Record<string, Record<string, unknown>>
  for (const s of built) services[s.name].image = s.image
  deps.reporter.step(`Building ${built.map((s) => `${s.name} (${s.image})`).join(', ')}`)
  await deps.compose.run({project: rendered.result.project, file: '-', projectDir: project.root}, ['build', ...built.map((s) => s.name)], {...composeOutput(deps.reporter), input: composeBody(model)})
}

async function makeVolumesAndSecrets(project: Project, rendered: SwarmRendered, deps: Deps, created: {volumes: string[]; secrets: string[]}): Promise<void> {
  for (const v of rendered.result.volumes) {
    if (v.kind === 'cache') continue
    if ((await deps.engine.ensureVolume(v.name, v.labels)) === 'created') created.volumes.push(v.name)
  }
  const labels = {[LABEL.project]: project.stack.value.name, [LABEL.env]: rendered.result.env.name, [LABEL.stack]: rendered.stack.name}
  for (const s of rendered.stack.secrets) {
    const value = rendered.envFiles[s.file]?.[s.key] ?? ''
    if ((await deps.swarm.ensureSecret(s.name, value, {...labels, [LABEL.volume]: s.key})) === 'created') created.secrets.push(s.name)
  }
}

/** What the stack file references as ${VAR}: the project's .env, then the env files' non-secret keys. */
function deployEnv(project: Project, rendered: SwarmRendered, deps: Deps): Record<string, string> {
  const dotenv = deps.files.readOptional(`${project.root}/.env`)
  const env: Record<string, string> = dotenv ? parseEnvFile(dotenv) : {}
  for (const [key, file] of Object.entries(rendered.stack.envRefs)) env[key] = rendered.envFiles[file]?.[key] ?? ''
  return env
}

/** A failed first deploy: the stack removed, then the volumes and secrets this deploy created (empty, new). */
async function removeFirst(stack: string, created: {volumes: string[]; secrets: string[]}, deps: Deps): Promise<void> {
  deps.reporter.step(`Removing stack ${stack}: its first deploy failed`)
  try {
    await deps.swarm.removeStack(stack)
  } catch {
    // nothing was deployed
  }
  await waitGone(stack, deps)
  for (const v of created.volumes) await retry(() => deps.engine.removeVolume(v), deps)
  for (const s of created.secrets) await retry(() => deps.swarm.removeSecret(s), deps)
}

/** Until the stack's services and tasks' containers are gone (up to 60 s). */
export async function waitGone(stack: string, deps: Deps): Promise<void> {
  const until = deps.clock.now() + 60_000
  while (deps.clock.now() < until) {
    const [services, containers] = await Promise.all([deps.swarm.services(stack), deps.engine.containers({'com.docker.stack.namespace': stack})])
    if (services.length === 0 && containers.length === 0) return
    await deps.clock.sleep(250)
  }
}

async function retry(fn: () => Promise<void>, deps: Deps): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      return await fn()
    } catch {
      await deps.clock.sleep(250)
    }
  }
}

export interface UndeployResult {
  stack: string
  removed: boolean
  /** The data volumes kept. */
  volumes: string[]
}

/** berth undeploy: the stack and its secrets removed, its volumes kept. */
export function undeploy(project: Project, env: string, deps: Deps): Promise<UndeployResult> {
  return locked(project, deps, async () => {
    const rendered = await renderSwarm(project, env, deps)
    await deps.engine.ping()
    requireManager(await deps.swarm.info())
    const name = rendered.stack.name
    const present = (await deps.swarm.services(name)).length > 0
    if (present) {
      deps.reporter.step(`Removing stack ${name}`)
      await deps.swarm.removeStack(name)
      await waitGone(name, deps)
    }
    for (const s of await deps.swarm.secrets({[LABEL.stack]: name})) await retry(() => deps.swarm.removeSecret(s), deps)
    const volumes = rendered.result.volumes.filter((v) => v.kind !== 'cache').map((v) => v.name)
    return {stack: name, removed: present, volumes}
  })
}

export interface DeployedService {
  service: string
  running: number
  wanted: number
  image: string
  update: string
  ports: Array<{published: number; target: number; mode: string}>
}

export interface DeployedStack {
  stack: string
  env: string
  branch: string
  services: DeployedService[]
}

/** berth deploy status: the project's stacks on this swarm (one environment's, or all), per service. */
export async function deployStatus(project: Project, env: string | undefined, deps: Deps): Promise<DeployedStack[]> {
  await deps.engine.ping()
  requireManager(await deps.swarm.info())
  const name = project.stack.value.name
  let stacks = (await deps.swarm.stacks()).filter((s) => s.labels[LABEL.project] === name)
  if (env) {
    const wanted = (await renderSwarm(project, env, deps)).stack.name
    stacks = stacks.filter((s) => s.name === wanted)
  }
  const out: DeployedStack[] = []
  for (const s of stacks) {
    const services = (await deps.swarm.services(s.name)).sort((a, b) => a.name.localeCompare(b.name))
    out.push({
      stack: s.name,
      env: s.labels[LABEL.env] ?? '',
      branch: s.labels[LABEL.branch] ?? '',
      services: services.map((x) => ({service: x.name, running: x.running, wanted: x.wanted, image: x.image, update: x.update?.state ?? 'none', ports: x.ports})),
    })
  }
  return out
}

/**
 * A host-mode port is held by one task per node: more replicas than nodes would never all run (the deploy
 * would wait for them until its timeout). Refused before anything is deployed.
 */
function refuseHostPortReplicas(rendered: SwarmRendered, nodes: number): void {
  const s = rendered.stack.services.find((x) => x.replicas > Math.max(nodes, 1) && x.ports.some((p) => p.mode === 'host'))
  if (!s) return
  const env = rendered.result.env.name
  throw new BerthError(`service "${s.name}": ${s.replicas} replicas publish host-mode ports, and this swarm has ${nodes} node${nodes === 1 ? '' : 's'}: a host port is held by one task per node`, {
    exitCode: ExitCode.CONFIG,
    hints: [`Publish through the routing mesh (swarm: {publish: ingress}), add nodes, or set replicas: ${Math.max(nodes, 1)} on services.${s.name} (or environments.${env}.defaults.replicas) in berth.yml.`],
  })
}
