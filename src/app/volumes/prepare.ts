/** Making a stack's volumes ready before `up`: created, a new branch's data seeded from the base branch's, interrupted copies finished. */
import {resolveBaseBranch} from '../../core/branches.js'
import {branchDataVolume, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import type {RenderResult} from '../../core/render.js'
import {settleHealth} from '../health.js'
import type {Deps} from '../ports.js'
import type {Project} from '../project.js'
import {cloneInto, engineLabels, finishInterruptedCopy, helperImage, newSeedId, removeLeftoverHelpers, resumePaused, seedId, unfinishedCopyOf, type CopyDeps} from './copy.js'

export async function baseBranch(project: Project, git: Deps['git']): Promise<string> {
  return resolveBaseBranch(await git.baseBranchFacts(project.root, project.stack.value.base_branch))
}

/**
 * Make every volume of a rendered stack ready: create missing ones (a new branch's data volume as a
 * clone of the base branch's, unless seed: empty or the base has none), finish interrupted clones,
 * and record the last use.
 */
export async function prepareVolumes(project: Project, result: RenderResult, deps: CopyDeps & Pick<Deps, 'git' | 'env'>): Promise<void> {
  const {engine, reporter} = deps
  const file = project.stack.value
  const branch = project.ctx.branch
  await removeLeftoverHelpers(engine, file.name)
  const leftPaused = await resumePaused(deps, file.name)
  for (const id of leftPaused) reporter.step(`Resumed container ${id.slice(0, 12)}, left paused by an interrupted copy`)
  // Compose, next, would take a resumed database for unhealthy: wait for Docker's next probe.
  await settleHealth(deps, leftPaused)
  const state = deps.state.read(file.name)
  let base: string | undefined
  const now = new Date(deps.clock.now()).toISOString()
  const touched: Record<string, {complete?: string}> = {}

  for (const v of result.volumes) {
    const labels = engineLabels(v)
    const existing = await engine.volume(v.name)
    if (existing) {
      const from = unfinishedCopyOf(existing, state)
      if (from) {
        await finishInterruptedCopy(deps, helperImage(project, deps.env), v.name, from, labels)
        touched[v.name] = {complete: seedId(existing)}
      } else touched[v.name] = {}
      continue
    }
    let source: string | undefined
    if (v.kind === 'data' && v.seed === 'base' && branch !== null) {
      base ??= await baseBranch(project, deps.git)
      if (base !== branch) {
        const candidate = branchDataVolume({project: file.name, env: result.env.name, branch: base, service: v.service, key: v.key})
        if (await engine.volume(candidate)) source = candidate
      }
    }
    if (!source) {
      await engine.ensureVolume(v.name, labels)
      reporter.step(`Created volume ${v.name} (${v.kind}, ${v.service}:${v.path}${v.kind === 'data' ? ', empty' : ''})`)
      touched[v.name] = {}
      continue
    }
    await engine.ensureVolume(v.name, {...labels, [SEED_FROM_LABEL]: source, [SEED_ID_LABEL]: newSeedId()})
    reporter.step(`Seeding ${v.name} from branch ${base} (${source})`)
    await cloneInto(deps, {source, target: v.name, image: helperImage(project, deps.env), labels})
    touched[v.name] = {complete: seedId(await engine.volume(v.name))}
  }

  deps.state.update(file.name, (s) => {
    for (const [name, t] of Object.entries(touched)) {
      s.volumes[name] = {...s.volumes[name], lastUsed: now, ...(t.complete ? {complete: t.complete} : {})}
    }
  })
}
