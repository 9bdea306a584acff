/**
 * The front door (src/core/door.ts): create it, route it to a stack, remove it with the last stack.
 *
 * The door is a container of its own with its own network, made by berth through the engine (not part of
 * any Compose project, so `docker compose down` of a stack never touches it). Routing is done by network
 * attachment: only the active stack's containers are attached to the door's network, under door aliases
 * (berth-route-SERVICE), so the door's static routes always reach the active branch.
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {DOOR_CERT_LABEL, DOOR_DIGEST_LABEL, DOOR_IMAGE, DOOR_ROUTES_LABEL, doorAlias, routedServices, type DoorSpec} from '../../core/door.js'
import {DOOR_MODE_LABEL, doorRoutesEnv} from '../../core/door-mode.js'
import {resolveImage} from '../../core/images.js'
import {LABEL} from '../../core/naming.js'
import type {RenderResult} from '../../core/render.js'
import type {Deps, EnginePort, TlsLeaf} from '../ports.js'
import type {Project} from '../project.js'
import {doorMode, doorNetworking, modeOf, syncDoorTable} from './host.js'
import {attachedTo, COMPOSE_PROJECT, routed, stackOf} from './members.js'

/** The door's image: BERTH_DOOR_IMAGE, else Node's slim image through the image map and registry. */
export function doorImage(project: Project, env: NodeJS.ProcessEnv): string {
  if (env.BERTH_DOOR_IMAGE) return env.BERTH_DOOR_IMAGE
  const file = project.stack.value
  return resolveImage(DOOR_IMAGE, {images: {...file.images, ...project.ctx.images}, registry: project.ctx.registry ?? file.registry})
}

/** Whether the door terminates https (then it needs the project's certificate). */
export function needsCertificate(spec: DoorSpec): boolean {
  return spec.routes.some((r) => r.role === 'https')
}

/** The project's certificate for a door with https routes (made or renewed by berth's local CA), else none. */
export async function doorCertificate(project: Project, spec: DoorSpec, deps: Pick<Deps, 'tls'>): Promise<TlsLeaf | undefined> {
  return needsCertificate(spec) ? deps.tls.leaf(project.stack.value.name) : undefined
}

/**
 * The door of this stack's environment and work tree, running with these routes, in the mode chosen for
 * this engine (src/core/door-mode.ts). An existing door with other routes, another mode or another
 * certificate is replaced (Docker cannot change published ports in place). No ports: no door.
 *
 * The certificate and its key (never the CA's) reach the door as environment variables: no file to mount
 * (so any engine, local or remote, and both modes), readable to whoever can inspect containers on this
 * engine, who could exec into the door anyway. It is valid only for localhost, 127.0.0.1 and ::1.
 */
export async function ensureDoor(
  project: Project,
  result: RenderResult,
  deps: Pick<Deps, 'engine' | 'install' | 'env' | 'clock' | 'machine' | 'hostPorts' | 'tls'>,
  leaf?: TlsLeaf,
): Promise<'none' | 'running' | 'created'> {
  const {engine} = deps
  const spec = result.door
  const existing = await engine.inspectContainer(spec.name).catch((error: {statusCode?: number}) => {
    if (error.statusCode === 404) return undefined
    throw error
  })
  if (spec.routes.length === 0) {
    if (existing) await removeDoor(engine, spec.name)
    return 'none'
  }
  const mode = (await doorMode(deps)).mode
  const cert = leaf ?? (await doorCertificate(project, spec, deps))
  // A door with these routes, mode and certificate that runs is kept; any other (other routes, stopped, half-started) is replaced.
  const sameCert = (existing?.Config?.Labels?.[DOOR_CERT_LABEL] ?? '') === (cert?.fingerprint ?? '')
  if (existing?.State?.Running && existing.Config?.Labels?.[DOOR_DIGEST_LABEL] === spec.digest && modeOf(existing.Config?.Labels) === mode && sameCert) return 'running'
  if (existing) await engine.removeContainer(existing.Id, true)
  const labels: Record<string, string> = {
    [LABEL.project]: project.stack.value.name,
    [LABEL.env]: result.env.name,
    [LABEL.role]: 'door',
    [LABEL.door]: spec.name,
    [LABEL.worktree]: project.root,
    [DOOR_DIGEST_LABEL]: spec.digest,
    [DOOR_ROUTES_LABEL]: JSON.stringify(spec.routes),
    [DOOR_MODE_LABEL]: mode,
    ...(cert ? {[DOOR_CERT_LABEL]: cert.fingerprint} : {}),
  }
  await engine.ensureNetwork(spec.name, {[LABEL.project]: project.stack.value.name, [LABEL.env]: result.env.name, [LABEL.role]: 'door', [LABEL.door]: spec.name})
  const image = doorImage(project, deps.env)
  let id: string
  try {
    id = await engine.createContainer({
      name: spec.name,
      Image: image,
      Cmd: ['node', '-e', deps.install.runtimeScript('door.cjs')],
      Env: [
        `BERTH_DOOR_ROUTES=${JSON.stringify(doorRoutesEnv(spec.routes))}`,
        `BERTH_DOOR_MODE=${mode}`,
        ...(cert ? [`BERTH_DOOR_TLS_CERT=${cert.cert}`, `BERTH_DOOR_TLS_KEY=${cert.key}`] : []),
      ],
      Labels: labels,
      ...doorNetworking(spec, mode),
    })
  } catch (error) {
    const e = error as {statusCode?: number}
    if (e.statusCode === 404) {
      throw new BerthError(`the image of berth's front door, ${image}, is not available`, {
        exitCode: ExitCode.DOCKER,
        hints: [`Pull it (docker pull ${image}), or map ${DOOR_IMAGE} to a local image with Node: BERTH_IMAGE_MAP=${DOOR_IMAGE}=IMAGE (or BERTH_DOOR_IMAGE=IMAGE).`],
        cause: error,
      })
    }
    if (e.statusCode === 409) return 'running' // another berth made it meanwhile (the lock makes this rare)
    throw error
  }
  await startDoor(deps, id)
  if (mode === 'host') await untilListening(deps, spec)
  return 'created'
}

/**
 * A host-mode door is ready once it listens on its ports (it runs on this machine's network). Until its Node
 * process has installed its handlers, the SIGHUP that follows its route table would stop it.
 */
async function untilListening(deps: Pick<Deps, 'engine' | 'clock' | 'hostPorts'>, spec: DoorSpec): Promise<void> {
  const until = deps.clock.now() + 20_000
  const [first] = spec.routes
  for (;;) {
    if (!(await deps.hostPorts.canBind(first.bind, first.listen))) return
    const info = await deps.engine.inspectContainer(spec.name).catch(() => undefined)
    if (!info?.State?.Running || deps.clock.now() > until) {
      throw new BerthError(`berth's front door ${spec.name} does not listen on ${first.bind}:${first.listen}${info?.State?.Running ? '' : ` (it stopped, exit code ${info?.State?.ExitCode ?? '?'})`}`, {
        exitCode: ExitCode.DOCKER,
        hints: [`See why: docker logs ${spec.name}`, 'Or use the published door: BERTH_DOOR_MODE=published berth up'],
      })
    }
    await deps.clock.sleep(50)
  }
}

/** Start the door; a port its replaced predecessor held may take a moment to be let go by docker-proxy. */
async function startDoor(deps: Pick<Deps, 'engine' | 'clock'>, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.engine.startContainer(id)
      return
    } catch (error) {
      if (attempt >= 10 || !/port is already allocated|address already in use/i.test((error as Error).message ?? '')) throw error
      await deps.clock.sleep(300)
    }
  }
}

/**
 * While Compose brings a stack up, attach each of its routed containers to the door the moment it is healthy,
 * so the network attachment (~0.05-0.1 s each) overlaps Compose's wait for the other services instead of
 * following it. `stop()` ends the watch and says whether any was attached; routeDoor does whatever is left
 * (containers without a health check, and all of them where the engine gives no events).
 *
 * Not at its start: a container attached to a second network while it starts (its process already running)
 * could be left with Docker's DNS answering "not found" for the names of its own stack, for good (seen here under
 * load: the example app's redis client got ENOTFOUND for `cache` for minutes, and its up hung). Once healthy, the
 * app has started and the engine has set the container up.
 */
export async function attachWhenHealthy(engine: EnginePort, door: DoorSpec, stack: string): Promise<{stop(): Promise<boolean>}> {
  if (door.routes.length === 0) return {stop: async () => false}
  const wanted = new Set(routedServices(door))
  const pending: Array<Promise<void>> = []
  let attached = false
  const unsubscribe = await engine
    .onContainerHealthy({[COMPOSE_PROJECT]: stack, [LABEL.door]: door.name}, (id, labels) => {
      const service = labels['com.docker.compose.service']
      if (!service || !wanted.has(service)) return
      pending.push(engine.connect(door.name, id, [doorAlias(service)]).then(() => void (attached = true), () => undefined))
    })
    .catch(() => () => undefined) // no events: routeDoor attaches them afterwards
  return {
    async stop() {
      unsubscribe()
      await Promise.all(pending)
      return attached
    },
  }
}

/**
 * Route the door to a stack: attach its routed containers under their door aliases, detach all others.
 * `attached`: some were attached already (attachWhenHealthy), so the door still has to drop old connections.
 */
export async function routeDoor(engine: EnginePort, door: DoorSpec, stack: string, attached = false): Promise<void> {
  await refreshDoor(engine, door, (await attachRouted(engine, door, stack)) || attached)
}

/** Attach the stack's routed containers to the door under their door aliases, detach all others; whether any changed. */
export async function attachRouted(engine: EnginePort, door: DoorSpec, stack: string): Promise<boolean> {
  if (door.routes.length === 0) return false
  const wanted = new Set(routedServices(door))
  const all = await routed(engine, door.name)
  const changes: Array<Promise<void>> = []
  for (const c of all) {
    const mine = stackOf(c) === stack && wanted.has(c.Labels?.[LABEL.service] ?? '')
    if (mine && !attachedTo(c, door.name)) changes.push(engine.connect(door.name, c.Id, [doorAlias(c.Labels![LABEL.service]!)]))
    if (!mine && attachedTo(c, door.name)) changes.push(engine.disconnect(door.name, c.Id))
  }
  await Promise.all(changes)
  return changes.length > 0
}

/**
 * After attaching: a host-mode door gets the addresses of what is attached now, and drops connections to
 * old ones; a published door drops connections still open to the previous branch's containers.
 */
export async function refreshDoor(engine: EnginePort, door: DoorSpec, changed: boolean): Promise<void> {
  if (door.routes.length === 0) return
  if (await syncDoorTable(engine, door.name)) return
  if (changed) await engine.signalContainer(door.name, 'SIGHUP').catch(() => undefined)
}

/** Remove a door container and its network (the stacks are not touched). */
export async function removeDoor(engine: EnginePort, name: string): Promise<void> {
  await engine.removeContainer(name, true)
  await engine.removeNetwork(name).catch(() => undefined)
}

/**
 * Remove the door when no stack uses it any more: no container routed through it is running or paused,
 * and none (even stopped) is still attached to its network. Returns whether it was removed.
 */
export async function removeDoorIfIdle(engine: EnginePort, name: string): Promise<boolean> {
  const stacks = await routed(engine, name, true)
  if (stacks.some((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting' || attachedTo(c, name))) return false
  await removeDoor(engine, name)
  return true
}
