/** berth volumes rm and prune: remove data volumes (and their branches' stopped stacks), always after a confirmation. */
import {selectPrunable} from '../../core/branches.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import {LABEL} from '../../core/naming.js'
import {confirmOrRefuse} from '../confirm.js'
import {locked} from '../locked.js'
import {collectPieces} from './cow.js'
import type {Deps} from '../ports.js'
import type {Project} from '../project.js'
import {listVolumes, type VolumeEntry} from './list.js'

type RemoveDeps = Pick<Deps, 'engine' | 'git' | 'state' | 'reporter' | 'clock' | 'install' | 'env'>
type UseCaseDeps = RemoveDeps & Pick<Deps, 'prompt' | 'lock'>

export interface RemoveResult {
  removed: string[]
  /** Nothing removed: the user said no. */
  declined: boolean
}

/**
 * Remove the given data volumes, and the stopped or paused (kept warm) berth containers of their stacks
 * that hold them: without its data, a branch's warm stack is of no use. A running one makes us stop.
 */
async function removeVolumes(project: Project, entries: VolumeEntry[], deps: RemoveDeps): Promise<string[]> {
  const {engine, reporter} = deps
  const removed: string[] = []
  for (const e of entries) {
    const users = await engine.containersUsingVolume(e.volume, true)
    const running = users.filter((c) => c.State === 'running' || c.State === 'restarting')
    if (running.length) {
      throw new BerthError(`volume ${e.volume} is in use by running container ${(running[0].Names?.[0] ?? running[0].Id).replace(/^\//, '')}`, {
        exitCode: ExitCode.PREFLIGHT,
        hints: [`Stop that branch's stack first (berth down on branch ${JSON.stringify(e.branch)}), then run this again.`],
      })
    }
    const stacks = new Set<string>()
    for (const c of users) {
      // Only berth's own stopped containers of this project; anything else makes us stop.
      if (c.Labels?.[LABEL.project] !== project.stack.value.name) {
        throw new BerthError(`volume ${e.volume} is used by container ${(c.Names?.[0] ?? c.Id).replace(/^\//, '')}, which berth did not create`, {exitCode: ExitCode.PREFLIGHT})
      }
      const stack = c.Labels?.['com.docker.compose.project']
      if (stack) stacks.add(stack)
      else await engine.removeContainer(c.Id, c.State === 'paused')
    }
    // The whole stack of the branch goes (a stack without its data is of no use, and half a stack
    // confuses Compose): its containers, stopped or paused, and its network. None of them runs.
    for (const stack of stacks) {
      const members = await engine.containers({'com.docker.compose.project': stack})
      const live = members.find((c) => c.State === 'running' || c.State === 'restarting')
      if (live) {
        throw new BerthError(`stack ${stack} still runs container ${(live.Names?.[0] ?? live.Id).replace(/^\//, '')}`, {
          exitCode: ExitCode.PREFLIGHT,
          hints: [`Stop that branch's stack first (berth down on branch ${JSON.stringify(e.branch)}), then run this again.`],
        })
      }
      for (const c of members) await engine.removeContainer(c.Id, true)
      await engine.removeNetworks({'com.docker.compose.project': stack})
      reporter.step(`Removed the containers of ${stack}`)
    }
    const info = await engine.volume(e.volume)
    await engine.removeVolume(e.volume)
    reporter.step(`Removed volume ${e.volume}`)
    removed.push(e.volume)
    // A copy-on-write volume's upper folder goes with it, and the layers nothing stands on any more.
    if (info) removed.push(...(await collectPieces(deps, project.stack.value.name, info)))
  }
  deps.state.update(project.stack.value.name, (s) => {
    for (const v of removed) delete s.volumes[v]
  })
  return removed
}

/** berth volumes rm BRANCH: the branch's data volumes (every environment), after a confirmation. */
export function removeBranchVolumes(project: Project, branch: string, options: {yes?: boolean}, deps: UseCaseDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  return locked(project, deps, async () => {
    await deps.engine.ping()
    return removeBranchLocked(project, branch, options, deps)
  })
}

async function removeBranchLocked(project: Project, branch: string, options: {yes?: boolean}, deps: UseCaseDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  const all = await listVolumes(project, deps, {sizes: false})
  const volumes = all.filter((v) => v.kind === 'data' && v.branch === branch)
  if (volumes.length === 0) return {removed: [], declined: false, volumes}
  deps.reporter.info(`Data volumes of branch ${JSON.stringify(branch)}:\n${volumes.map((v) => `  ${v.volume}`).join('\n')}`)
  if (!(await confirmOrRefuse(deps.prompt, options.yes, `Remove these ${volumes.length} volume(s) and their data?`, 'remove volumes'))) return {removed: [], declined: true, volumes}
  return {removed: await removeVolumes(project, volumes, deps), declined: false, volumes}
}

/** berth volumes prune: data volumes of branches git no longer has, after a confirmation. Nothing else. */
export function pruneVolumes(project: Project, options: {yes?: boolean; dryRun?: boolean; detached?: boolean}, deps: UseCaseDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  if (project.ctx.branch === null) throw new BerthError('volumes prune needs a git repository (it removes the volumes of deleted branches)', {exitCode: ExitCode.GIT})
  return locked(project, deps, async () => {
    await deps.engine.ping()
    return pruneLocked(project, options, deps)
  })
}

async function pruneLocked(project: Project, options: {yes?: boolean; dryRun?: boolean; detached?: boolean}, deps: UseCaseDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  const branches = await deps.git.localBranches(project.root)
  const all = await listVolumes(project, deps, {sizes: false})
  const volumes = selectPrunable(all, branches, project.ctx.branch, {detached: options.detached})
  if (volumes.length === 0 || options.dryRun) return {removed: [], declined: false, volumes}
  deps.reporter.info(`Volumes of branches git no longer has${options.detached ? ' (or of detached HEADs)' : ''}:\n${volumes.map((v) => `  ${v.volume}  (branch ${JSON.stringify(v.branch)}, ${v.env})`).join('\n')}`)
  if (!(await confirmOrRefuse(deps.prompt, options.yes, `Remove these ${volumes.length} volume(s) and their data?`, 'remove volumes'))) return {removed: [], declined: true, volumes}
  return {removed: await removeVolumes(project, volumes, deps), declined: false, volumes}
}
