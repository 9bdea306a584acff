/**
 * What an interrupted berth (kill -9, a crash) may have left, put right by the next berth command of any
 * kind: a container a copy paused and never resumed, a copy helper still there. Commands that change
 * things do it under the lock before their work (volumes/prepare.ts); read commands (status, volumes ls,
 * debug) do it when no other berth command holds the lock, since a copy under way pauses on purpose.
 */
import {settleHealth} from './health.js'
import type {Deps} from './ports.js'
import {removeLeftoverHelpers, resumePaused} from './volumes/copy.js'

export async function recoverIfIdle(project: string, deps: Pick<Deps, 'engine' | 'state' | 'lock' | 'reporter' | 'clock' | 'volumeHelper'>): Promise<string[]> {
  const left = deps.state.read(project)
  if (!(left.paused ?? []).length && !(left.copying ?? []).length) return []
  const resumed = await deps.lock.holdIfFree(project, async () => {
    await removeLeftoverHelpers(deps, project)
    const ids = await resumePaused(deps, project)
    for (const id of ids) deps.reporter.warn(`resumed container ${id.slice(0, 12)}, left paused by an interrupted copy`)
    await settleHealth(deps, ids)
    return ids
  })
  return resumed ?? []
}
