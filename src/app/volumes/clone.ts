/** berth volumes clone FROM TO: copy a branch's data volumes to another branch's names; never overwrites. */
import {BerthError, ExitCode} from '../../core/errors.js'
import {branchDataVolume, composeProjectName, HELPER_LABEL, LABEL, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import {locked} from '../locked.js'
import type {Deps, ProjectState} from '../ports.js'
import type {Project} from '../project.js'
import {cloneInto, finishInterruptedCopy, helperImage, newSeedId, removeLeftoverHelpers, seedId, unfinishedCopyOf} from './copy.js'
import {branchVolume, finishCowOps, type CowDeps} from './cow.js'

export interface CloneResult {
  from: string
  to: string
  volumes: Array<{source: string; target: string}>
}

/** Clone every data volume of branch FROM (one environment) into branch TO's names. */
export function cloneBranchVolumes(project: Project, from: string, to: string, env: string, deps: CowDeps & Pick<Deps, 'lock'>): Promise<CloneResult> {
  if (from === to) throw new BerthError('FROM and TO are the same branch', {exitCode: ExitCode.USAGE})
  return locked(project, deps, async () => {
    await deps.engine.ping()
    return cloneLocked(project, from, to, env, deps)
  })
}

async function cloneLocked(project: Project, from: string, to: string, env: string, deps: CowDeps): Promise<CloneResult> {
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
  pairs.sort((a, b) => a.target.localeCompare(b.target))
  await removeLeftoverHelpers(deps, file.name)
  const {unfinished, done} = await earlierCopies(pairs, to, deps.state.read(file.name), deps)
  const image = helperImage(project, deps.env)
  await finishCowOps(deps, file.name, image)
  for (const p of pairs) {
    if (done.has(p.target)) {
      reporter.step(`${p.target} was copied from ${p.source} by the interrupted run; kept as it is`)
      continue
    }
    if (unfinished.has(p.target)) await finishInterruptedCopy(deps, image, p.target, p.source, p.labels)
    else if (await branchVolume(deps, {project: file.name, source: p.source, target: p.target, targetLabels: p.labels, image})) {
      reporter.step(`Branched ${p.source} -> ${p.target}: copy-on-write, no data copied`)
      continue
    } else {
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

/**
 * The targets that exist already. Each must be this very copy from the same source: unfinished (killed,
 * Ctrl-C), it is finished; complete, it is kept as it is, but only while another one is unfinished (a run
 * again after an interruption). Anything else is refused: berth never overwrites data.
 */
async function earlierCopies(pairs: Array<{source: string; target: string}>, to: string, state: ProjectState, deps: Pick<Deps, 'engine'>): Promise<{unfinished: Set<string>; done: Set<string>}> {
  const unfinished = new Set<string>()
  const done = new Set<string>()
  let foreign: string | undefined
  for (const p of pairs) {
    const existing = await deps.engine.volume(p.target)
    if (!existing) continue
    if (unfinishedCopyOf(existing, state) === p.source) unfinished.add(p.target)
    else if (existing.Labels?.[SEED_FROM_LABEL] === p.source) done.add(p.target)
    else foreign ??= p.target
  }
  const refused = foreign ?? (unfinished.size === 0 ? [...done][0] : undefined)
  if (refused) {
    throw new BerthError(`branch "${to}" already has volume ${refused}; berth never overwrites data`, {
      exitCode: ExitCode.REFUSED,
      hints: [`Remove it first if you mean it: berth volumes rm ${JSON.stringify(to)}`],
    })
  }
  return {unfinished, done}
}
