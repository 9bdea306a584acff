/** Making a stack's volumes ready before `up`: created, a new branch's data seeded from the base branch's, interrupted copies finished. */
import {resolveBaseBranch} from '../../core/branches.js'
import {lowersOf, SNAPSHOT_KIND, SNAPSHOT_LABEL} from '../../core/cow.js'
import {branchDataVolume, LABEL, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import type {RenderedVolume, RenderResult} from '../../core/render.js'
import {settleHealth} from '../health.js'
import type {Deps} from '../ports.js'
import type {Project} from '../project.js'
import {cloneInto, engineLabels, finishInterruptedCopy, helperImage, newSeedId, removeLeftoverHelpers, resumePaused, seedId, unfinishedCopyOf} from './copy.js'
import {branchFromLayers, branchVolume, finishCowOps, type CowDeps} from './cow.js'
import {finishCompactOps} from './flatten.js'
import {finishRestores} from './restore.js'

/** A new branch's data volume made from a snapshot's volume of the same service and key; false if it has none. */
async function seedFromSnapshot(deps: CowDeps, project: string, name: string, v: RenderedVolume, labels: Record<string, string>, image: string): Promise<boolean> {
  const [snap] = await deps.engine.volumes({[LABEL.project]: project, [LABEL.kind]: SNAPSHOT_KIND, [SNAPSHOT_LABEL.name]: name, [LABEL.service]: v.service, [LABEL.volume]: v.key})
  if (!snap) return false
  if (lowersOf(snap.Labels).length) {
    await branchFromLayers(deps, {project, snapshot: snap, target: v.name, targetLabels: labels, image})
    deps.reporter.step(`Made ${v.name} from snapshot ${name}: copy-on-write, no data copied`)
    return true
  }
  await deps.engine.ensureVolume(v.name, {...labels, [SEED_FROM_LABEL]: snap.Name, [SEED_ID_LABEL]: newSeedId()})
  deps.reporter.step(`Copying snapshot ${name} (${snap.Name}) into ${v.name}`)
  await cloneInto(deps, {source: snap.Name, target: v.name, image, labels})
  return true
}

export async function baseBranch(project: Project, git: Deps['git']): Promise<string> {
  return resolveBaseBranch(await git.baseBranchFacts(project.root, project.stack.value.base_branch))
}

/**
 * Make every volume of a rendered stack ready: create missing ones (a new branch's data volume as a
 * clone of the base branch's, unless seed: empty or the base has none), finish interrupted clones,
 * and record the last use.
 */
export async function prepareVolumes(project: Project, result: RenderResult, deps: CowDeps & Pick<Deps, 'git'>, options: {fromSnapshot?: string} = {}): Promise<void> {
  const {engine, reporter} = deps
  const file = project.stack.value
  const branch = project.ctx.branch
  await removeLeftoverHelpers(deps, file.name)
  const image = helperImage(project, deps.env)
  // A copy-on-write branch a killed berth left half made is finished first (its source may be this stack's).
  await finishCowOps(deps, file.name, image)
  // A compact a killed berth left under way: finished (its copy was complete) or undone.
  await finishCompactOps(deps, file.name, image)
  await finishRestores(deps, file.name, image)
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
        await finishInterruptedCopy(deps, image, v.name, from, labels)
        touched[v.name] = {complete: seedId(existing)}
      } else touched[v.name] = {}
      continue
    }
    if (v.kind === 'data' && options.fromSnapshot && (await seedFromSnapshot(deps, file.name, options.fromSnapshot, v, labels, image))) {
      touched[v.name] = {complete: seedId(await engine.volume(v.name))}
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
    const branched = await branchVolume(deps, {project: file.name, source, target: v.name, targetLabels: labels, image})
    if (branched) {
      reporter.step(`Branched ${v.name} from branch ${base} (${source}): copy-on-write, no data copied`)
      touched[v.name] = {complete: branched}
      continue
    }
    await engine.ensureVolume(v.name, {...labels, [SEED_FROM_LABEL]: source, [SEED_ID_LABEL]: newSeedId()})
    reporter.step(`Seeding ${v.name} from branch ${base} (${source})`)
    await cloneInto(deps, {source, target: v.name, image, labels})
    touched[v.name] = {complete: seedId(await engine.volume(v.name))}
  }

  deps.state.update(file.name, (s) => {
    for (const [name, t] of Object.entries(touched)) {
      s.volumes[name] = {...s.volumes[name], lastUsed: now, ...(t.complete ? {complete: t.complete} : {})}
    }
  })
}
