/**
 * Parity checks before `berth up` of a prod-mode environment (qa, stage): dev is rendered too (from the
 * render cache, mostly) and compared with it; each warning goes to the reporter before anything changes,
 * and with --strict the first one refuses the command (exit 3).
 */
import {parityWarnings, strictError, warningLine, type ParityWarning} from '../core/diff/parity.js'
import type {RenderResult} from '../core/render.js'
import type {Project} from './project.js'
import {renderSide} from './diff.js'
import type {RenderDeps} from './render.js'

/** The warnings about `result` (a rendered prod-mode environment) against dev; dev's own problems are left out. */
export async function checkParity(project: Project, result: RenderResult, strict: boolean, deps: RenderDeps): Promise<ParityWarning[]> {
  if (result.env.mode !== 'prod') return []
  let dev
  try {
    dev = await renderSide(project, 'dev', deps)
  } catch (error) {
    if (strict) throw error
    deps.reporter.warn(`parity checks skipped: dev does not render (${(error as Error).message})`)
    return []
  }
  const side = {env: result.env.name, mode: result.env.mode, branch: project.ctx.branch, root: project.root, result}
  const warnings = parityWarnings(dev, side).filter((w) => w.envs.includes(side.env))
  if (strict && warnings.length) {
    for (const w of warnings.slice(1)) deps.reporter.warn(`parity: ${warningLine(w)}`)
    throw strictError(warnings)
  }
  for (const w of warnings) deps.reporter.warn(`parity: ${warningLine(w)}`)
  return warnings
}
