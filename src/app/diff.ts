/**
 * Use case: `berth diff`: render two environments (or one environment on two branches) without
 * starting anything, and compare them service by service, with the parity warnings between them.
 * Nothing is written but the render cache (this branch's renders only).
 */
import {randomBytes} from 'node:crypto'
import {diffEnvironments, type DiffReport} from '../core/diff/compare.js'
import type {DiffSide} from '../core/diff/facts.js'
import {BerthError, ExitCode} from '../core/errors.js'
import type {ProjectIO} from '../core/inputs.js'
import {STACK_FILE} from '../core/naming.js'
import {loadProject, openProject, type Project} from './project.js'
import {renderEnvironment, renderProject, type RenderDeps} from './render.js'

export interface DiffRequest {
  a: string
  b: string
  /** Render `b` from this branch's berth.yml (with this branch's name) instead of the work tree's. */
  branch?: string
  /** The masking salt (random per run by default). */
  salt?: string
}

/** A rendered environment as one side of a comparison. */
export async function renderSide(project: Project, env: string, deps: RenderDeps, io?: ProjectIO): Promise<DiffSide> {
  const {result} = await renderProject(project, env, deps, io ? {io, cache: null} : {})
  return {env: result.env.name, mode: result.env.mode, branch: project.ctx.branch, root: project.root, result}
}

/**
 * The project as another branch has it: that branch's berth.yml (read through git), this work tree's
 * templates and files, the other branch's name (so its volume names). Its renders are not cached.
 */
export async function branchProject(project: Project, branch: string, deps: RenderDeps): Promise<{project: Project; io: ProjectIO}> {
  if (project.ctx.branch === null) {
    throw new BerthError(`--branch needs a git repository, and ${project.root} is not in one`, {exitCode: ExitCode.GIT, hints: ['Run berth diff without --branch, or in your app repository.']})
  }
  const text = await deps.git.showFile(project.root, branch, STACK_FILE)
  if (text === undefined) {
    throw new BerthError(`branch ${JSON.stringify(branch)} has no ${STACK_FILE} in this folder`, {
      exitCode: ExitCode.CONFIG,
      hints: [`Check with: git show ${branch}:./${STACK_FILE}`],
    })
  }
  const disk = deps.files.project
  const io: ProjectIO = {
    readText: (p) => (p === project.file ? text : disk.readText(p)),
    listDir: (p) => disk.listDir(p),
    exists: (p) => disk.exists(p),
    hashFiles: (paths) => disk.hashFiles(paths),
  }
  const opened = project.opened ?? {root: project.root, file: project.file, cwd: project.root, env: deps.env, branch: project.ctx.branch, worktreeOffset: project.ctx.worktreeOffset ?? 0, userConfig: deps.files.userConfigFile}
  try {
    return {project: await loadProject({cwd: opened.cwd, io, opened: {...opened, branch}}, deps), io}
  } catch (error) {
    if (error instanceof BerthError) throw new BerthError(`on branch ${branch}: ${error.message}`, {exitCode: error.exitCode, hints: error.hints, cause: error})
    throw error
  }
}

/**
 * Compare two environments of the work tree at cwd: each one's stored render when nothing it read has
 * changed (berth.yml and the templates are then not even parsed), else a full load and render.
 */
export async function diffWorkTree(options: {cwd: string; dir?: string; a: string; b: string; salt?: string}, deps: RenderDeps): Promise<DiffReport> {
  const salt = options.salt ?? randomBytes(16).toString('hex')
  const opened = await openProject(options, deps)
  const side = async (name: string): Promise<DiffSide> => {
    const {root, result} = await renderEnvironment({cwd: options.cwd, dir: options.dir, name}, deps)
    return {env: result.env.name, mode: result.env.mode, branch: opened.branch, root, result}
  }
  const a = await side(options.a)
  return diffEnvironments(a, await side(options.b), salt)
}

/** Compare environment `a` with `b` (of the other branch when asked). */
export async function diffProject(project: Project, request: DiffRequest, deps: RenderDeps): Promise<DiffReport> {
  const salt = request.salt ?? randomBytes(16).toString('hex')
  const a = await renderSide(project, request.a, deps)
  let b: DiffSide
  if (request.branch === undefined) b = await renderSide(project, request.b, deps)
  else {
    const other = await branchProject(project, request.branch, deps)
    try {
      b = await renderSide(other.project, request.b, deps, other.io)
    } catch (error) {
      if (error instanceof BerthError && !error.message.startsWith('on branch')) throw new BerthError(`on branch ${request.branch}: ${error.message}`, {exitCode: error.exitCode, hints: error.hints, cause: error})
      throw error
    }
  }
  return diffEnvironments(a, b, salt)
}
