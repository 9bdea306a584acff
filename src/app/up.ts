/** Use cases: up and down of one environment of the current branch. */
import {renderProject, writeRendered, defaultOutputFile} from './render.js'
import type {Project} from './project.js'
import {checkDocker, checkPorts, portSiblings, type PortProbe} from './preflight.js'
import {collectStatus, type StackStatus} from './status.js'
import {prepareVolumes} from './volumes.js'
import {attachOnStart, canResumeWarm, DEFAULT_KEEP_WARM, settleHealth, waitHealthy, ensureDoor, freezeOthers, removeDoorIfIdle, routeDoor, stopOthers, thawStack, trimWarm} from './door.js'
import {updateState} from '../infra/state.js'
import {createHash} from 'node:crypto'
import type {RenderResult} from '../core/render.js'
import type {ComposeCli, RunOptions} from '../docker/compose.js'
import type {Engine} from '../docker/engine.js'
import type {Reporter} from '../cli/reporter.js'

export interface StackDeps {
  engine: Engine
  compose: ComposeCli
  reporter: Reporter
  ports: PortProbe
}

/** Compose's progress: on a terminal it draws its own on our stderr; elsewhere plain lines, passed through and kept for errors. */
export function composeOutput(reporter: Reporter): RunOptions {
  return reporter.tty ? {inheritStderr: true} : {onStderr: (c) => reporter.passthrough(c), progress: 'plain'}
}

export interface UpOptions {
  env: string
  build?: boolean
  waitTimeout?: number
}

export interface UpResult {
  file: string
  render: RenderResult
  status: StackStatus | undefined
  /** Whether a warm (paused) stack was resumed as it was, without Compose. */
  resumed: boolean
}

export async function upStack(project: Project, options: UpOptions, deps: StackDeps): Promise<UpResult> {
  const {engine, compose, reporter} = deps
  const name = project.stack.value.name
  // Ask the engine and the Compose CLI while rendering; their answers are awaited in checkDocker.
  const early = [engine.ping(), compose.version()]
  for (const p of early) p.catch(() => {})
  const {result, yaml} = await renderProject(project, options.env)
  await checkDocker(engine, compose)
  const door = result.door

  // The door routes to one branch at a time: another branch's running stack is paused (kept warm).
  for (const frozen of await freezeOthers(engine, door, result.project, name)) {
    reporter.step(
      frozen.stopped
        ? `Stopped ${frozen.stack} (branch ${frozen.branch || 'none'}): the engine could not pause it; containers and data stay`
        : `Paused ${frozen.stack} (branch ${frozen.branch || 'none'}): kept warm for a quick switch back`,
    )
  }
  // Stacks made by an older berth publish their ports themselves: stop them (containers and data stay).
  for (const sibling of await portSiblings(result.ports, result.project, {project: name, env: result.env.name}, engine)) {
    reporter.step(`Stopping ${sibling.stack} (branch ${sibling.branch || 'none'}): it holds this stack's ports; its containers and data stay`)
    await compose.run({project: sibling.stack}, ['stop'], composeOutput(reporter))
  }
  await checkPorts(result.ports, result.project, engine, deps.ports, door.name)

  const file = defaultOutputFile(project.root, result.env.name)
  writeRendered(file, yaml)

  // Volumes: created by berth (external in the file); a new branch's data seeded from the base branch.
  await prepareVolumes(project, result, {engine, reporter})

  const digest = createHash('sha256').update(yaml).digest('hex').slice(0, 16)
  const warm = !options.build && (await canResumeWarm(engine, result, digest, name))
  let healthyNow = new Set<string>()
  let attachedEarly = false
  const doorReady = ensureDoor(project, result, engine)
  doorReady.catch(() => undefined)
  if (warm) {
    const resumed = (await thawStack(engine, result.project, name)).length
    reporter.step(resumed ? `Resuming ${result.project} (branch ${project.ctx.branch ?? 'none'}), kept warm since the last switch` : `${result.project} is up to date`)
    healthyNow = await waitHealthy(engine, result.project, options.waitTimeout)
  } else {
    // Compose cannot start a paused container; the network of the door must exist before a container that names it starts.
    // Docker calls a resumed container unhealthy until its next probe, and Compose would stop at that.
    await settleHealth(engine, await thawStack(engine, result.project, name))
    await doorReady
    reporter.step(`Starting ${result.project} (${result.env.name}, branch ${project.ctx.branch ?? 'none'})`)
    const args = ['up', '--detach', '--wait', '--remove-orphans']
    if (options.build) args.push('--build')
    if (options.waitTimeout) args.push('--wait-timeout', String(options.waitTimeout))
    const early = await attachOnStart(engine, door, result.project)
    try {
      await compose.run({project: result.project, file, projectDir: project.root}, args, composeOutput(reporter))
    } finally {
      attachedEarly = await early.stop()
    }
  }
  await doorReady
  await routeDoor(engine, door, result.project, attachedEarly)
  updateState(name, (s) => void ((s.stacks ??= {})[result.project] = {yaml: digest}))
  await trimWarm(engine, compose, door, project.stack.value.keep_warm ?? DEFAULT_KEEP_WARM, name, reporter)
  const [status] = await collectStatus(engine, {project: name, stack: result.project})
  // Docker still says "unhealthy" for a resumed container until its next probe; berth's own probe passed.
  for (const s of status?.services ?? []) if (healthyNow.has(s.service) && s.state === 'running') s.health = 'healthy'
  return {file, render: result, status, resumed: warm}
}

export interface DownResult {
  stack: string
  removed: number
}

/**
 * Stop and remove the containers and network of the environment's stack; volumes stay. The other
 * branches' stacks kept warm behind the same door are stopped (kept), and the door goes with the last one.
 */
export async function downStack(project: Project, env: string, deps: Omit<StackDeps, 'ports'>): Promise<DownResult> {
  const {result} = await renderProject(project, env)
  await checkDocker(deps.engine, deps.compose)
  const name = project.stack.value.name
  const before = await deps.engine.containers({'com.docker.compose.project': result.project})
  deps.reporter.step(`Stopping ${result.project}`)
  await deps.compose.run({project: result.project}, ['down', '--remove-orphans'], composeOutput(deps.reporter))
  await stopOthers(deps.engine, deps.compose, result.door.name, result.project, name, deps.reporter)
  await removeDoorIfIdle(deps.engine, result.door.name)
  return {stack: result.project, removed: before.length}
}
