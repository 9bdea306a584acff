/** Use cases: up and down of one environment of the current branch. */
import {createHash} from 'node:crypto'
import {DEFAULT_KEEP_WARM} from '../core/door.js'
import type {RenderResult} from '../core/render.js'
import {memoryAboveMachine, memoryError, settingPosition} from '../core/runtime-settings.js'
import {buildImages, builtImages, recordImages, staleImages, type BuiltImage} from './build.js'
import {doorMode} from './door/host.js'
import {attachRouted, attachWhenHealthy, doorCertificate, ensureDoor, refreshDoor, removeDoorIfIdle} from './door/routing.js'
import {canResumeWarm, freezeOthers, retireStack, stopOthers, thawStack, trimWarm} from './door/warm.js'
import {settleHealth, waitHealthy} from './health.js'
import {locked} from './locked.js'
import {checkParity} from './parity.js'
import type {Deps, Reporter, RunOptions} from './ports.js'
import {checkDocker, checkPorts, portSiblings} from './preflight.js'
import {refuseBindMountsOnRemote} from './remote.js'
import {ensureRegistryImages} from './registry-images.js'
import type {Project} from './project.js'
import {defaultOutputFile, renderProject} from './render.js'
import {validateRendered} from './validate.js'
import {collectStatus, type StackStatus} from './status.js'
import {watchStack} from './up-watch.js'
import {prepareVolumes} from './volumes/prepare.js'

/** Compose's progress: on a terminal it draws its own on our stderr; elsewhere plain lines, passed through and kept for errors. */
export function composeOutput(reporter: Reporter): RunOptions {
  return reporter.tty ? {inheritStderr: true} : {onStderr: (c) => reporter.passthrough(c), progress: 'plain'}
}

export interface UpOptions {
  env: string
  build?: boolean
  /** Build an image_from: registry image from its build: when it is neither on the engine nor pullable. */
  buildIfMissing?: boolean
  waitTimeout?: number
  /** Parity warnings (a prod-mode environment against dev) refuse the command instead of warning. */
  strict?: boolean
  /** A new branch's data volumes start from this snapshot (berth switch --create --from-snapshot). */
  fromSnapshot?: string
}

export interface UpResult {
  file: string
  render: RenderResult
  status: StackStatus | undefined
  /** Whether a warm (paused) stack was resumed as it was, without Compose. */
  resumed: boolean
}

/** berth up: the lock, then upStack. */
export function up(project: Project, options: UpOptions, deps: Deps): Promise<UpResult> {
  return locked(project, deps, () => upStack(project, options, deps))
}

/** Before anything starts: pause other branches' stacks behind the door, stop old port holders, check the ports. */
async function clearTheWay(project: Project, result: RenderResult, deps: Deps): Promise<void> {
  const {engine, reporter} = deps
  const name = project.stack.value.name
  // The door routes to one branch at a time: another branch's running stack is paused (kept warm).
  for (const frozen of await freezeOthers(deps, result.door, result.project, name)) {
    reporter.step(
      frozen.stopped
        ? `Stopped ${frozen.stack} (branch ${frozen.branch || 'none'}): the engine could not pause it; its data stays`
        : `Paused ${frozen.stack} (branch ${frozen.branch || 'none'}): kept warm for a quick switch back`,
    )
  }
  // Stacks made by an older berth publish their ports themselves: stop them (containers and data stay).
  for (const sibling of await portSiblings(result.ports, result.project, {project: name, env: result.env.name}, engine)) {
    reporter.step(`Stopping ${sibling.stack} (branch ${sibling.branch || 'none'}): it holds this stack's ports; its data stays`)
    await retireStack(deps, sibling.stack, composeOutput(reporter))
  }
  await checkPorts(result.ports, result.project, engine, deps.hostPorts, result.door.name)
}

/** The same, with stdout passed on too: BuildKit's plain progress of a build is written there. */
export function buildOutput(reporter: Reporter): RunOptions {
  return {...composeOutput(reporter), onStdout: (c) => reporter.passthrough(c)}
}

/** A memory limit the engine's machine cannot give (docker info MemTotal): refused before anything is made. */
async function checkMemory(project: Project, result: RenderResult, deps: Deps): Promise<void> {
  const memTotal = (await deps.engine.info()).MemTotal
  const found = memoryAboveMachine(result.compose, memTotal)
  if (found && memTotal) throw memoryError(found, memTotal, settingPosition(project.stack, project.profiles, result.env.name, found.service, ['limits', 'memory']))
}

/** Compose brings the stack up (its containers attached to the door as they start); whether any was attached early. */
async function composeUp(project: Project, result: RenderResult, file: string, options: UpOptions & {stale: BuiltImage[]}, doorReady: Promise<unknown>, deps: Deps): Promise<boolean> {
  const {engine, reporter} = deps
  // Compose cannot start a paused container; the network of the door must exist before a container that names it starts.
  // Docker calls a resumed container unhealthy until its next probe, and Compose would stop at that.
  await settleHealth(deps, await thawStack(deps, result.project, project.stack.value.name))
  // Images whose build context or Dockerfile changed are built first (--build rebuilds them all in up itself).
  if (!options.build) await buildImages({project: result.project, file, projectDir: project.root}, options.stale, deps, buildOutput(reporter))
  await doorReady
  reporter.step(`Starting ${result.project} (${result.env.name}, branch ${project.ctx.branch ?? 'none'})`)
  const args = ['up', '--detach', '--wait', '--remove-orphans']
  if (options.build) args.push('--build')
  if (options.waitTimeout) args.push('--wait-timeout', String(options.waitTimeout))
  const early = await attachWhenHealthy(engine, result.door, result.project)
  // A line per service while Compose waits, and a stop at once when one exits or stays broken (up-watch.ts).
  const watch = await watchStack(deps, {project: result.project, compose: result.compose, env: result.env.name, build: options.build})
  let attached = false
  try {
    // With --build, BuildKit's progress (Compose writes it to stdout) is passed on as it comes.
    const run = options.build ? {...watch.composeOptions, onStdout: (c: Buffer) => reporter.passthrough(c)} : watch.composeOptions
    await deps.compose.run({project: result.project, file, projectDir: project.root}, args, run)
  } catch (error) {
    throw await watch.explain(error)
  } finally {
    await watch.stop()
    attached = await early.stop()
  }
  return attached
}

/** Bring one environment of the current branch up (the caller holds the project's lock). */
export async function upStack(project: Project, options: UpOptions, deps: Deps): Promise<UpResult> {
  const {engine, compose, reporter} = deps
  const name = project.stack.value.name
  // Ask the engine and the Compose CLI while rendering; their answers are awaited in checkDocker.
  const api = engine.apiVersion()
  for (const p of [engine.ping(), compose.version(), doorMode(deps), api]) p.catch(() => {})
  // The engine's API version is part of the render (healthchecks' start_interval from 1.44); unknown: none.
  const engineApi = await api.catch(() => undefined)
  const {result, yaml} = await renderProject(engineApi ? {...project, ctx: {...project.ctx, engineApi}} : project, options.env, deps)
  await checkParity(project, result, options.strict === true, deps)
  refuseBindMountsOnRemote(result, deps)
  await checkDocker(engine, compose)
  await checkMemory(project, result, deps)
  const file = defaultOutputFile(project.root, result.env.name)
  const digest = createHash('sha256').update(yaml).digest('hex').slice(0, 16)
  // Nothing has changed yet: a file Compose would refuse stops here, before it is even written.
  await validateRendered(project, result, yaml, file, digest, deps)
  // https routes: the project's certificate (berth's local CA made once) before anything changes.
  const leaf = await doorCertificate(project, result.door, deps)
  await ensureRegistryImages(project, result, yaml, options, deps, composeOutput(reporter))
  await clearTheWay(project, result, deps)
  deps.files.writeGenerated(file, yaml)
  // Volumes: created by berth (external in the file); a new branch's data seeded from the base branch.
  await prepareVolumes(project, result, deps, {fromSnapshot: options.fromSnapshot})

  const images = builtImages(result, deps.files)
  const stale = options.build ? images : await staleImages(name, images, deps)
  const warm = !options.build && stale.length === 0 && (await canResumeWarm(deps, result, digest, name))
  let healthyNow = new Set<string>()
  let attachedEarly = false
  const doorReady = ensureDoor(project, result, deps, leaf)
  doorReady.catch(() => undefined)
  if (warm) {
    const resumed = (await thawStack(deps, result.project, name)).length
    reporter.step(resumed ? `Resuming ${result.project} (branch ${project.ctx.branch ?? 'none'}), kept warm since the last switch` : `${result.project} is up to date`)
    healthyNow = await waitHealthy(deps, result.project, options.waitTimeout)
  } else {
    attachedEarly = await composeUp(project, result, file, {...options, stale}, doorReady, deps)
    await recordImages(name, stale, deps)
  }
  await doorReady
  const changed = await attachRouted(engine, result.door, result.project)
  deps.state.update(name, (s) => void ((s.stacks ??= {})[result.project] = {yaml: digest}))
  // Independent of each other once the stack is attached: the door's table, older warm stacks, the status.
  const [, , [status]] = await Promise.all([
    refreshDoor(engine, result.door, changed || attachedEarly),
    trimWarm(deps, result.door, project.stack.value.keep_warm ?? DEFAULT_KEEP_WARM, name),
    collectStatus(engine, {project: name, stack: result.project}),
  ])
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
export function down(project: Project, env: string, deps: Deps): Promise<DownResult> {
  return locked(project, deps, async () => {
    const {result} = await renderProject(project, env, deps, {anyEngine: true})
    await checkDocker(deps.engine, deps.compose)
    const name = project.stack.value.name
    const before = await deps.engine.containers({'com.docker.compose.project': result.project})
    deps.reporter.step(`Stopping ${result.project}`)
    await deps.compose.run({project: result.project}, ['down', '--remove-orphans'], composeOutput(deps.reporter))
    await stopOthers(deps, result.door.name, result.project, name)
    await removeDoorIfIdle(deps.engine, result.door.name)
    return {stack: result.project, removed: before.length}
  })
}
