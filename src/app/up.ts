/** Use cases: up and down of one environment of the current branch. */
import {renderProject, writeRendered, defaultOutputFile} from './render.js'
import type {Project} from './project.js'
import {checkDocker, checkPorts, portSiblings, type PortProbe} from './preflight.js'
import {collectStatus, type StackStatus} from './status.js'
import {prepareVolumes} from './volumes.js'
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
}

export async function upStack(project: Project, options: UpOptions, deps: StackDeps): Promise<UpResult> {
  const {engine, compose, reporter} = deps
  // Ask the engine and the Compose CLI while rendering; their answers are awaited in checkDocker.
  const early = [engine.ping(), compose.version()]
  for (const p of early) p.catch(() => {})
  const {result, yaml} = await renderProject(project, options.env)
  await checkDocker(engine, compose)
  // After a plain `git checkout`, the previous branch's stack still holds the ports: stop it (keep it).
  for (const sibling of await portSiblings(result.ports, result.project, {project: project.stack.value.name, env: result.env.name}, engine)) {
    reporter.step(`Stopping ${sibling.stack} (branch ${sibling.branch || 'none'}): it holds this stack's ports; its containers and data stay`)
    await compose.run({project: sibling.stack}, ['stop'], composeOutput(reporter))
  }
  await checkPorts(result.ports, result.project, engine, deps.ports)

  const file = defaultOutputFile(project.root, result.env.name)
  writeRendered(file, yaml)

  // Volumes: created by berth (external in the file); a new branch's data seeded from the base branch.
  await prepareVolumes(project, result, {engine, reporter})

  reporter.step(`Starting ${result.project} (${result.env.name}, branch ${project.ctx.branch ?? 'none'})`)
  const args = ['up', '--detach', '--wait', '--remove-orphans']
  if (options.build) args.push('--build')
  if (options.waitTimeout) args.push('--wait-timeout', String(options.waitTimeout))
  await compose.run({project: result.project, file, projectDir: project.root}, args, composeOutput(reporter))
  const [status] = await collectStatus(engine, {project: project.stack.value.name, stack: result.project})
  return {file, render: result, status}
}

export interface DownResult {
  stack: string
  removed: number
}

/** Stop and remove the containers and network of the environment's stack; volumes stay. */
export async function downStack(project: Project, env: string, deps: Omit<StackDeps, 'ports'>): Promise<DownResult> {
  const {result} = await renderProject(project, env)
  await checkDocker(deps.engine, deps.compose)
  const before = await deps.engine.containers({'com.docker.compose.project': result.project})
  deps.reporter.step(`Stopping ${result.project}`)
  await deps.compose.run({project: result.project}, ['down', '--remove-orphans'], composeOutput(deps.reporter))
  return {stack: result.project, removed: before.length}
}
