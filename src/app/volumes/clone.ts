/** berth volumes clone FROM TO: copy a branch's data volumes to another branch's names; never overwrites. */
import {BerthError, ExitCode} from '../../core/errors.js'
import {branchDataVolume, composeProjectName, HELPER_LABEL, LABEL, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import {locked} from '../locked.js'
import type {Deps} from '../ports.js'
import type {Project} from '../project.js'
import {cloneInto, finishInterruptedCopy, helperImage, newSeedId, removeLeftoverHelpers, seedId, unfinishedCopyOf, type CopyDeps} from './copy.js'

export interface CloneResult {
  from: string
  to: string
  volumes: Array<{source: string; target: string}>
}

/** Clone every data volume of branch FROM (one environment) into branch TO's names. */
export function cloneBranchVolumes(project: Project, from: string, to: string, env: string, deps: CopyDeps & Pick<Deps, 'env' | 'lock'>): Promise<CloneResult> {
  if (from === to) throw new BerthError('FROM and TO are the same branch', {exitCode: ExitCode.USAGE})
  return locked(project, deps, async () => {
    await deps.engine.ping()
    return cloneLocked(project, from, to, env, deps)
  })
}

async function cloneLocked(project: Project, from: string, to: string, env: string, deps: CopyDeps & Pick<Deps, 'env'>): Promise<CloneResult> {
  const {engine, reporter} = deps
  const file = project.stack.value
  const sources = (await engine.volumes({[LABEL.project]: file.name, [LABEL.branch]: from, [LABEL.kind]: 'data', [LABEL.env]: env})).filter((v) => !v.Labels?.[HELPER_LABEL])
  if (sources.length === 0) {
    throw new BerthError(`branch "${from}" has no data volumes in ${env}`, {exitCode: ExitCode.USAGE, hints: ['See what exists: berth volumes ls']})
  }
  const pairs = sources.map((s) => {
    const l = s.Labels ?? {}
    const target = branchDataVolume({project: file.name, env, branch: to, service: l[LABEL.service] ?? '', key: l[LABEL.volume] ?? ''})
    const labels: Record<string, string> = {...l, [LABEL.branch]: to, [LABEL.stack]: composeProjectName(file.name, env, to)}
    delete labels[SEED_FROM_LABEL]
    return {source: s.Name, target, labels}
  })
  await removeLeftoverHelpers(engine, file.name)
  const state = deps.state.read(file.name)
  // A target that exists is refused, unless it is this very copy, interrupted (killed, Ctrl-C): that one is finished.
  const unfinished = new Set<string>()
  for (const p of pairs) {
    const existing = await engine.volume(p.target)
    if (!existing) continue
    if (unfinishedCopyOf(existing, state) === p.source) {
      unfinished.add(p.target)
      continue
    }
    throw new BerthError(`branch "${to}" already has volume ${p.target}; berth never overwrites data`, {
      exitCode: ExitCode.USAGE,
      hints: [`Remove it first if you mean it: berth volumes rm ${JSON.stringify(to)}`],
    })
  }
  const image = helperImage(project, deps.env)
  for (const p of pairs) {
    if (unfinished.has(p.target)) await finishInterruptedCopy(deps, image, p.target, p.source, p.labels)
    else {
      await engine.ensureVolume(p.target, {...p.labels, [SEED_FROM_LABEL]: p.source, [SEED_ID_LABEL]: newSeedId()})
      reporter.step(`Copying ${p.source} -> ${p.target}`)
      await cloneInto(deps, {source: p.source, target: p.target, image, labels: p.labels})
    }
    const created = seedId(await engine.volume(p.target))
    deps.state.update(file.name, (s) => {
      s.volumes[p.target] = {...s.volumes[p.target], ...(created ? {complete: created} : {})}
    })
  }
  return {from, to, volumes: pairs.map(({source, target}) => ({source, target}))}
}
