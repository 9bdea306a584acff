/**
 * Warm stacks: the stacks of other branches behind the same front door are frozen (detached from the door
 * and paused: no CPU, no file events, memory kept) for an instant switch back, resumed without Compose when
 * nothing changed, and trimmed beyond `keep_warm`. Containers and volumes always stay.
 */
import type {DoorSpec} from '../../core/door.js'
import {doorAlias} from '../../core/door.js'
import {LABEL} from '../../core/naming.js'
import type {RenderResult} from '../../core/render.js'
import type {ComposePort, Deps, EnginePort, RunOptions} from '../ports.js'
import {pauseContainer} from '../pause.js'
import {syncDoorTable} from './host.js'
import {attachedTo, COMPOSE_PROJECT, routed, stackOf} from './members.js'

type WarmDeps = Pick<Deps, 'engine' | 'state'>

export interface FrozenStack {
  stack: string
  branch: string
  stopped?: boolean
}

/**
 * Freeze the running stacks routed through this door other than `keep`: detach them from the door and
 * pause their containers. Paused, they use no CPU and see no file change, and come back in a moment.
 */
export async function freezeOthers(deps: WarmDeps & Pick<Deps, 'clock' | 'compose'>, door: DoorSpec, keep: string | undefined, project: string): Promise<FrozenStack[]> {
  const running = await routed(deps.engine, door.name)
  const stacks = new Map<string, string>()
  for (const c of running) if (c.State === 'running' && stackOf(c) && stackOf(c) !== keep) stacks.set(stackOf(c), c.Labels?.[LABEL.branch] ?? '')
  const frozen: FrozenStack[] = []
  for (const [stack, branch] of [...stacks].sort()) {
    const f = await freezeStack(deps, door.name, stack, project)
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

/** Detach a stack from its door and pause its running containers; remembered as warm in the state file. */
export async function freezeStack(deps: WarmDeps & Pick<Deps, 'clock' | 'compose'>, door: string, stack: string, project: string): Promise<Frozen> {
  const {engine} = deps
  const containers = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'running')
  const detached = containers.filter((c) => attachedTo(c, door)).map((c) => ({id: c.Id, alias: doorAlias(c.Labels?.[LABEL.service] ?? '')}))
  await Promise.all(detached.map((c) => engine.disconnect(door, c.id)))
  const ids = containers.map((c) => c.Id)
  const failed = (await Promise.allSettled(ids.map((id) => pauseContainer(deps, id)))).some((r) => r.status === 'rejected')
  if (failed) {
    // Never leave half a stack running on the other branch's files: it goes (its data stays).
    await retireStack(deps, stack)
    forget(deps, project, [stack])
    return {door, stack, detached, paused: [], stopped: true}
  }
  deps.state.update(project, (s) => void ((s.stacks ??= {})[stack] = {...s.stacks[stack], pausedAt: new Date(deps.clock.now()).toISOString()}))
  return {door, stack, detached, paused: ids}
}

/**
 * Stop a stack for good: its containers and network go (Compose's down; its volumes are external and stay,
 * so its data does), and the next up of that branch makes them again. Paused containers are resumed
 * first: a frozen process cannot take SIGTERM, and would be killed at the end of its stop timeout. A
 * stopped stack keeps no network, so a project can have any number of branches (an engine runs out of
 * address pools after about 30 networks).
 */
export async function retireStack(deps: {engine: EnginePort; compose: ComposePort}, stack: string, options: RunOptions = {}): Promise<void> {
  const {engine, compose} = deps
  const paused = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'paused')
  await Promise.all(paused.map((c) => engine.unpauseContainer(c.Id).catch(() => undefined)))
  try {
    await compose.run({project: stack}, ['down', '--remove-orphans'], options)
  } catch {
    // Compose could not (half a stack): the engine removes what is left.
    const all = await engine.containers({[COMPOSE_PROJECT]: stack}, true)
    await Promise.all(all.map((c) => engine.removeContainer(c.Id, true)))
    await engine.removeNetworks({[COMPOSE_PROJECT]: stack}).catch(() => undefined)
  }
}

/** Forget a retired stack's warm state. */
function forget(deps: WarmDeps, project: string, stacks: string[]): void {
  deps.state.update(project, (s) => {
    for (const stack of stacks) delete s.stacks?.[stack]
  })
}

/** Undo freezeStack (a switch that failed before the other branch was up): resume and re-attach. */
export async function unfreeze(deps: WarmDeps, frozen: Frozen, project: string): Promise<void> {
  const {engine} = deps
  await Promise.all(frozen.paused.map((id) => engine.unpauseContainer(id).catch(() => undefined)))
  await Promise.all(frozen.detached.map((c) => engine.connect(frozen.door, c.id, [c.alias]).catch(() => undefined)))
  await syncDoorTable(engine, frozen.door).catch(() => undefined) // re-attached: maybe at other addresses
  deps.state.update(project, (s) => {
    if (s.stacks?.[frozen.stack]) delete s.stacks[frozen.stack].pausedAt
  })
}

/** Unpause the paused containers of a stack (compose cannot start a paused container). */
export async function thawStack(deps: WarmDeps, stack: string, project: string): Promise<string[]> {
  const {engine} = deps
  const paused = (await engine.containers({[COMPOSE_PROJECT]: stack}, false)).filter((c) => c.State === 'paused')
  await Promise.all(paused.map((c) => engine.unpauseContainer(c.Id)))
  deps.state.update(project, (s) => {
    if (s.stacks?.[stack]) delete s.stacks[stack].pausedAt
  })
  return paused.map((c) => c.Id)
}

/**
 * A warm stack can be resumed without Compose when it is the very file that was last brought up and
 * every service container is there (running or paused) and not unhealthy.
 */
export async function canResumeWarm(deps: WarmDeps, result: RenderResult, digest: string, project: string): Promise<boolean> {
  const {engine} = deps
  if (deps.state.read(project).stacks?.[result.project]?.yaml !== digest) return false
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

/**
 * Stop the warm stacks of this door beyond the newest `keep` (their data stays), and remove what stopped
 * stacks of this door are left (by an older berth, or a crash): they would hold a network each.
 */
export async function trimWarm(deps: WarmDeps & Pick<Deps, 'compose' | 'reporter'>, door: DoorSpec, keep: number, project: string): Promise<string[]> {
  const {engine, reporter} = deps
  const all = await routed(engine, door.name, true)
  const live = (stack: string) => all.some((c) => stackOf(c) === stack && ['running', 'paused', 'restarting'].includes(c.State))
  const stacks = [...new Set(all.map(stackOf).filter(Boolean))]
  const paused = stacks.filter((stack) => all.some((c) => stackOf(c) === stack && c.State === 'paused') && !all.some((c) => stackOf(c) === stack && c.State === 'running'))
  const state = deps.state.read(project).stacks ?? {}
  const newestFirst = paused.sort((a, b) => (state[b]?.pausedAt ?? '').localeCompare(state[a]?.pausedAt ?? '') || a.localeCompare(b))
  const beyond = newestFirst.slice(keep)
  for (const stack of beyond) {
    reporter.step(`Stopping ${stack}: more than ${keep} other branch${keep === 1 ? '' : 'es'} kept warm (its data stays)`)
    await retireStack(deps, stack)
  }
  const stale = stacks.filter((stack) => !live(stack))
  for (const stack of stale) await retireStack(deps, stack)
  forget(deps, project, [...beyond, ...stale])
  return beyond
}

/** Stop every other stack of this door, paused or running (their data stays): `down` frees the machine. */
export async function stopOthers(deps: WarmDeps & Pick<Deps, 'compose' | 'reporter'>, door: string, keep: string, project: string): Promise<string[]> {
  const {engine, reporter} = deps
  const live = await routed(engine, door, true)
  const stacks = [...new Set(live.map(stackOf).filter((s) => s && s !== keep))].sort()
  for (const stack of stacks) {
    // Detached first: a stopped container that still names the door's network could not start once it is gone.
    await Promise.all(live.filter((c) => stackOf(c) === stack && attachedTo(c, door)).map((c) => engine.disconnect(door, c.Id)))
    reporter.step(`Stopping ${stack} (kept warm until now; its data stays)`)
    await retireStack(deps, stack)
  }
  forget(deps, project, stacks)
  return stacks
}
