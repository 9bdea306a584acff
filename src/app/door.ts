/**
 * Use cases of the front door (src/core/door.ts): create it, route it to a stack, freeze the stacks of
 * other branches (detached from the door and paused: kept warm for an instant switch back), trim the
 * warm ones beyond `keep_warm`, and remove the door with the last stack.
 *
 * The door is a container of its own with its own network, made by berth through the engine (not part of
 * any Compose project, so `docker compose down` of a stack never touches it). Routing is done by network
 * attachment: only the active stack's containers are attached to the door's network, under their door
 * aliases, so a published door's static routes ("8000 -> berth-route-web:8000") always reach the active
 * branch; a host-mode door is given their addresses on that network instead (src/app/door-host.ts).
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'
import {doorAlias, routedServices, type DoorSpec} from '../core/door.js'
import {DOOR_MODE_LABEL, DOOR_ROUTES_LABEL, doorRoutesEnv} from '../core/door-mode.js'
import {resolveImage} from '../core/images.js'
import {LABEL} from '../core/naming.js'
import type {RenderResult} from '../core/render.js'
import type {ComposeCli} from '../docker/compose.js'
import type {ContainerInfo, Engine} from '../docker/engine.js'
import type {Reporter} from '../cli/reporter.js'
import {RUNTIME_DIR} from '../infra/paths.js'
import {readState, updateState} from '../infra/state.js'
import {doorMode, doorNetworking, modeOf, syncDoorTable} from './door-host.js'
import type {Project} from './project.js'

export const DOOR_IMAGE = 'node:20-bookworm-slim'
export const DOOR_DIGEST_LABEL = 'dev.berth.door.digest'
export {DOOR_ROUTES_LABEL}
export const DEFAULT_KEEP_WARM = 2

const COMPOSE_PROJECT = 'com.docker.compose.project'

/** The door's image: BERTH_DOOR_IMAGE, else Node's slim image through the image map and registry. */
export function doorImage(project: Project, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_DOOR_IMAGE) return env.BERTH_DOOR_IMAGE
  const file = project.stack.value
  return resolveImage(DOOR_IMAGE, {images: {...file.images, ...project.ctx.images}, registry: project.ctx.registry ?? file.registry})
}

let script: string | undefined
function doorScript(): string {
  script ??= readFileSync(path.join(RUNTIME_DIR, 'door.cjs'), 'utf8')
  return script
}

function stackOf(c: ContainerInfo): string {
  return c.Labels?.[COMPOSE_PROJECT] ?? c.Labels?.[LABEL.stack] ?? ''
}

/** The stack containers routed through a door (the door itself excluded). */
async function routed(engine: Engine, door: string, all = false): Promise<ContainerInfo[]> {
  return (await engine.containers({[LABEL.door]: door}, all)).filter((c) => c.Labels?.[LABEL.role] !== 'door')
}

function attachedTo(c: ContainerInfo, network: string): boolean {
  return Boolean(c.NetworkSettings?.Networks?.[network])
}

/**
 * The door of this stack's environment and work tree, running with these routes, in the mode chosen for
 * this engine (src/core/door-mode.ts). An existing door with other routes or another mode is replaced
 * (Docker cannot change published ports in place). No ports: no door.
 */
export async function ensureDoor(project: Project, result: RenderResult, engine: Engine): Promise<'none' | 'running' | 'started' | 'created'> {
  const spec = result.door
  const existing = await engine.inspectContainer(spec.name).catch((error: {statusCode?: number}) => {
    if (error.statusCode === 404) return undefined
    throw error
  })
  if (spec.routes.length === 0) {
    if (existing) await removeDoor(engine, spec.name)
    return 'none'
  }
  const mode = (await doorMode(engine)).mode
  if (existing && existing.Config?.Labels?.[DOOR_DIGEST_LABEL] === spec.digest && modeOf(existing.Config?.Labels) === mode) {
    if (existing.State?.Running) return 'running'
    await engine.startContainer(existing.Id)
    return 'started'
  }
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
  }
  await engine.ensureNetwork(spec.name, {[LABEL.project]: project.stack.value.name, [LABEL.env]: result.env.name, [LABEL.role]: 'door', [LABEL.door]: spec.name})
  const image = doorImage(project)
  let id: string
  try {
    id = await engine.createContainer({
      name: spec.name,
      Image: image,
      Cmd: ['node', '-e', doorScript()],
      Env: [`BERTH_DOOR_ROUTES=${JSON.stringify(doorRoutesEnv(spec.routes))}`, `BERTH_DOOR_MODE=${mode}`],
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
  await engine.startContainer(id)
  return 'created'
}

/**
 * While Compose brings a stack up, attach each of its routed containers to the door the moment it starts,
 * so the network attachment (a few hundred ms each) overlaps Compose's wait for health checks instead of
 * following it. `stop()` ends the watch and says whether any was attached; routeDoor does whatever is left.
 */
export async function attachOnStart(engine: Engine, door: DoorSpec, stack: string): Promise<{stop(): Promise<boolean>}> {
  if (door.routes.length === 0) return {stop: async () => false}
  const wanted = new Set(routedServices(door))
  const pending: Array<Promise<void>> = []
  let attached = false
  const unsubscribe = await engine
    .onContainerStart({[COMPOSE_PROJECT]: stack, [LABEL.door]: door.name}, (id, labels) => {
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
 * `attached`: some were attached already (attachOnStart), so the door still has to drop old connections.
 */
export async function routeDoor(engine: Engine, door: DoorSpec, stack: string, attached = false): Promise<void> {
  if (door.routes.length === 0) return
  const wanted = new Set(routedServices(door))
  const all = await routed(engine, door.name)
  const changes: Array<Promise<void>> = []
  for (const c of all) {
    const mine = stackOf(c) === stack && wanted.has(c.Labels?.[LABEL.service] ?? '')
    if (mine && !attachedTo(c, door.name)) changes.push(engine.connect(door.name, c.Id, [doorAlias(c.Labels![LABEL.service]!)]))
    if (!mine && attachedTo(c, door.name)) changes.push(engine.disconnect(door.name, c.Id))
  }
  await Promise.all(changes)
  // A host-mode door gets the addresses of what is attached now, and drops connections to old ones.
  if (await syncDoorTable(engine, door.name)) return
  if (changes.length === 0 && !attached) return
  // Connections still open to the previous branch's containers are dropped.
  await engine.signalContainer(door.name, 'SIGHUP').catch(() => undefined)
}

export interface FrozenStack {
  stack: string
  branch: string
  stopped?: boolean
}

/**
 * Freeze the running stacks routed through this door other than `keep`: detach them from the door and
 * pause their containers. Paused, they use no CPU and see no file change, and come back in a moment.
 */
export async function freezeOthers(engine: Engine, door: DoorSpec, keep: string | undefined, project: string): Promise<FrozenStack[]> {
  const running = await routed(engine, door.name)
  const stacks = new Map<string, string>()
  for (const c of running) if (c.State === 'running' && stackOf(c) && stackOf(c) !== keep) stacks.set(stackOf(c), c.Labels?.[LABEL.branch] ?? '')
  const frozen: FrozenStack[] = []
  for (const [stack, branch] of [...stacks].sort()) {
    const f = await freezeStack(engine, door.name, stack, project)
    frozen.push({stack, branch, stopped: f.stopped})
  }
  return frozen
}

export interface Frozen {
  door: string
  stack: string
  /** Containers detached from the door (id and the service name they were attached under). */
  detached: Array<{id: string; alias: string}>
  paused: string[]
  /** The engine could not freeze it (runc's "unable to freeze" under load): it was stopped instead. */
  stopped?: boolean
}

/** Pause, trying again a few times: the cgroup freezer can fail while a process is in the middle of I/O. */
async function pause(engine: Engine, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await engine.pauseContainer(id)
      return
    } catch (error) {
      if (/is already paused/i.test((error as Error).message ?? '')) return
      if (attempt >= 5) throw error
      await new Promise((r) => setTimeout(r, 200 * attempt))
    }
  }
}

/** Detach a stack from its door and pause its running containers; remembered as warm in the state file. */
export async function freezeStack(engine: Engine, door: string, stack: string, project: string): Promise<Frozen> {
  const containers = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'running')
  const detached = containers.filter((c) => attachedTo(c, door)).map((c) => ({id: c.Id, alias: doorAlias(c.Labels?.[LABEL.service] ?? '')}))
  await Promise.all(detached.map((c) => engine.disconnect(door, c.id)))
  const ids = containers.map((c) => c.Id)
  const failed = (await Promise.allSettled(ids.map((id) => pause(engine, id)))).some((r) => r.status === 'rejected')
  if (failed) {
    // Never leave half a stack running on the other branch's files: stop it all (paused ones too).
    await Promise.all(ids.map((id) => engine.stopContainer(id)))
    return {door, stack, detached, paused: [], stopped: true}
  }
  updateState(project, (s) => void ((s.stacks ??= {})[stack] = {...s.stacks[stack], pausedAt: new Date().toISOString()}))
  return {door, stack, detached, paused: ids}
}

/** Stop a stack's containers (paused ones too): Compose first, the engine when Compose cannot (half a stack). */
async function stopStack(engine: Engine, compose: ComposeCli, stack: string): Promise<void> {
  try {
    await compose.run({project: stack}, ['stop'])
  } catch {
    const live = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).map((c) => c.Id)
    await Promise.all(live.map((id) => engine.stopContainer(id)))
  }
}

/** Undo freezeStack (a switch that failed before the other branch was up): resume and re-attach. */
export async function unfreeze(engine: Engine, frozen: Frozen, project: string): Promise<void> {
  await Promise.all(frozen.paused.map((id) => engine.unpauseContainer(id).catch(() => undefined)))
  await Promise.all(frozen.detached.map((c) => engine.connect(frozen.door, c.id, [c.alias]).catch(() => undefined)))
  await syncDoorTable(engine, frozen.door).catch(() => undefined) // re-attached: maybe at other addresses
  updateState(project, (s) => {
    if (s.stacks?.[frozen.stack]) delete s.stacks[frozen.stack].pausedAt
  })
}

/** Unpause the paused containers of a stack (compose cannot start a paused container). */
export async function thawStack(engine: Engine, stack: string, project: string): Promise<string[]> {
  const paused = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'paused')
  await Promise.all(paused.map((c) => engine.unpauseContainer(c.Id)))
  updateState(project, (s) => {
    if (s.stacks?.[stack]) delete s.stacks[stack].pausedAt
  })
  return paused.map((c) => c.Id)
}

/** A health check's interval or timeout in ms: Docker gives them in nanoseconds, and 0 or none means its default, 30 s. */
function healthMs(ns: number | undefined): number {
  return ns && ns > 0 ? ns / 1e6 : 30_000
}

/** The argv of a container's own health check (CMD or CMD-SHELL), or undefined when it has none. */
export function healthArgv(test: string[] | undefined): string[] | undefined {
  if (!test || test.length === 0) return undefined
  if (test[0] === 'CMD') return test.slice(1)
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')]
  return undefined // NONE
}

/**
 * Wait until every running container of a resumed stack is healthy, as `up --wait` does. Docker marks a
 * paused container unhealthy and probes it again only at its next interval (2 s and more), so berth runs
 * the container's own health check command at once, and again until it passes; Docker's own verdict
 * counts too. Returns the services found healthy this way.
 */
export async function waitHealthy(engine: Engine, stack: string, timeoutSeconds = 300): Promise<Set<string>> {
  const until = Date.now() + timeoutSeconds * 1000
  const containers = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'running')
  const checked = new Set<string>()
  await Promise.all(
    containers.map(async (c) => {
      const service = c.Labels?.['com.docker.compose.service'] ?? c.Id.slice(0, 12)
      const healthcheck = (await engine.inspectContainer(c.Id)).Config?.Healthcheck
      const argv = healthArgv(healthcheck?.Test)
      if (!argv) return
      // A probe gets the check's own timeout, as Docker gives it.
      const probeTimeout = healthMs(healthcheck?.Timeout)
      for (;;) {
        const probe = await engine.execCapture(c.Id, argv, probeTimeout).catch(() => ({code: -1}))
        if (probe.code === 0) break
        const info = await engine.inspectContainer(c.Id)
        if (info.State?.Health?.Status === 'healthy') break
        if (!info.State?.Running || Date.now() > until) {
          throw new BerthError(`${stack}: ${service} is not healthy ${info.State?.Running ? `within ${timeoutSeconds} s ` : ''}after resuming`, {
            exitCode: ExitCode.COMPOSE,
            hints: [`See why: berth logs ${service}`, 'Or bring it up afresh: berth up'],
          })
        }
        await new Promise((r) => setTimeout(r, 200))
      }
      checked.add(service)
    }),
  )
  return checked
}

/**
 * Docker reports a container "unhealthy" the moment it is paused, and keeps saying so after it is
 * resumed until its next probe (one interval later). `docker compose up` fails at once on a dependency
 * it sees unhealthy, so before Compose runs on resumed containers, wait for Docker's own verdict: until
 * each one is no longer unhealthy, for at most its probe interval plus its timeout (and a second). A
 * container still unhealthy then really is, and Compose reports it as usual.
 */
export async function settleHealth(engine: Pick<Engine, 'inspectContainer'>, ids: readonly string[], poll = 100): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const first = await engine.inspectContainer(id).catch(() => undefined)
      const hc = first?.Config?.Healthcheck
      if (!first || !hc?.Test || hc.Test[0] === 'NONE') return
      const until = Date.now() + healthMs(hc.Interval) + healthMs(hc.Timeout) + 1000
      let info: typeof first | undefined = first
      while (info?.State?.Running && info.State.Health?.Status === 'unhealthy' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, poll))
        info = await engine.inspectContainer(id).catch(() => undefined)
      }
    }),
  )
}

/**
 * A warm stack can be resumed without Compose when it is the very file that was last brought up and
 * every service container is there (running or paused) and not unhealthy.
 */
export async function canResumeWarm(engine: Engine, result: RenderResult, digest: string, project: string): Promise<boolean> {
  if (readState(project).stacks?.[result.project]?.yaml !== digest) return false
  const containers = await engine.containers({[COMPOSE_PROJECT]: result.project})
  for (const s of result.services) {
    const c = containers.find((x) => x.Labels?.['com.docker.compose.service'] === s.name)
    if (!c) return false
    if (s.role === 'setup') {
      if (c.State !== 'exited' || !/^Exited \(0\)/.test(c.Status ?? '')) return false
    } else if ((c.State !== 'running' && c.State !== 'paused') || /\(unhealthy\)/.test(c.Status ?? '')) return false
  }
  return true
}

/** Stop (not remove) the warm stacks of this door beyond the newest `keep`; their data and containers stay. */
export async function trimWarm(engine: Engine, compose: ComposeCli, door: DoorSpec, keep: number, project: string, reporter: Reporter): Promise<string[]> {
  const paused = (await routed(engine, door.name)).filter((c) => c.State === 'paused')
  const stacks = [...new Set(paused.map(stackOf).filter(Boolean))]
  if (stacks.length <= keep) return []
  const state = readState(project).stacks ?? {}
  const newestFirst = stacks.sort((a, b) => (state[b]?.pausedAt ?? '').localeCompare(state[a]?.pausedAt ?? '') || a.localeCompare(b))
  const stopped = newestFirst.slice(keep)
  for (const stack of stopped) {
    reporter.step(`Stopping ${stack}: more than ${keep} other branch${keep === 1 ? '' : 'es'} kept warm (containers and data stay)`)
    await stopStack(engine, compose, stack)
  }
  updateState(project, (s) => {
    for (const stack of stopped) if (s.stacks?.[stack]) delete s.stacks[stack].pausedAt
  })
  return stopped
}

/** Stop (not remove) every other stack of this door, paused or running: `down` frees the machine. */
export async function stopOthers(engine: Engine, compose: ComposeCli, door: string, keep: string, project: string, reporter: Reporter): Promise<string[]> {
  const live = await routed(engine, door)
  const stacks = [...new Set(live.map(stackOf).filter((s) => s && s !== keep))].sort()
  for (const stack of stacks) {
    // Detached first: a stopped container that still names the door's network could not start once it is gone.
    await Promise.all(live.filter((c) => stackOf(c) === stack && attachedTo(c, door)).map((c) => engine.disconnect(door, c.Id)))
    reporter.step(`Stopping ${stack} (kept warm until now; containers and data stay)`)
    await stopStack(engine, compose, stack)
  }
  updateState(project, (s) => {
    for (const stack of stacks) if (s.stacks?.[stack]) delete s.stacks[stack].pausedAt
  })
  return stacks
}

/** Remove a door container and its network (the stacks are not touched). */
export async function removeDoor(engine: Engine, name: string): Promise<void> {
  await engine.removeContainer(name, true)
  await engine.removeNetwork(name).catch(() => undefined)
}

/**
 * Remove the door when no stack uses it any more: no container routed through it is running or paused,
 * and none (even stopped) is still attached to its network. Returns whether it was removed.
 */
export async function removeDoorIfIdle(engine: Engine, name: string): Promise<boolean> {
  const stacks = await routed(engine, name, true)
  if (stacks.some((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting' || attachedTo(c, name))) return false
  await removeDoor(engine, name)
  return true
}
