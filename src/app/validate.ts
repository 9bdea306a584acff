/**
 * Validate before changing anything: the rendered Compose model is checked (berth's own checks, then
 * `docker compose config --quiet` on the file) before the first volume, network, door or container is
 * made. A file that was brought up before as it is has passed already and is not checked again.
 */
import {modelError, modelProblems, parseComposeComplaint} from '../core/compose-check.js'
import {ExitCode, isBerthError} from '../core/errors.js'
import type {RenderResult} from '../core/render.js'
import type {Deps} from './ports.js'
import type {Project} from './project.js'
import {defaultOutputFile, renderProject, type RenderDeps} from './render.js'

/**
 * Check a render before anything is written or started: Compose reads it on stdin (`-f -`). `digest`: skip
 * Compose's check when this very file was brought up before. `file` is where it will be written (for messages).
 */
export async function validateRendered(project: Project, result: RenderResult, yaml: string, file: string, digest: string | undefined, deps: Pick<Deps, 'compose' | 'state'>): Promise<void> {
  const [problem] = modelProblems(result.compose)
  if (problem) throw modelError(problem, project.stack, result.env.name, file)
  if (digest && deps.state.read(project.stack.value.name).stacks?.[result.project]?.yaml === digest) return
  try {
    await deps.compose.run({project: result.project, file: '-', projectDir: project.root}, ['config', '--quiet'], {input: yaml})
  } catch (error) {
    if (!isBerthError(error) || error.exitCode !== ExitCode.COMPOSE) throw error
    const complaint = parseComposeComplaint(error.message.replace(/^docker compose config failed \(exit \d+\):\n/, ''))
    if (!complaint) throw error
    throw modelError(complaint, project.stack, result.env.name, file)
  }
}

/** berth render --check: render, write, and check the file as up would (Compose's check always runs). */
export async function renderAndCheck(project: Project, env: string, out: string | undefined, deps: RenderDeps & Pick<Deps, 'compose' | 'state'>): Promise<{file: string}> {
  const {result, yaml} = await renderProject(project, env, deps)
  const file = out ?? defaultOutputFile(project.root, result.env.name)
  await validateRendered(project, result, yaml, file, undefined, deps)
  deps.files.writeGenerated(file, yaml)
  return {file}
}
