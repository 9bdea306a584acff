/** Putting a snapshot back into a data volume (berth snapshot restore), and finishing one a killed berth left under way. */
import {BerthError, ExitCode} from '../../core/errors.js'
import type {RestoreOp} from '../../core/cow.js'
import {cloneInto} from './copy.js'
import {restoreLayered, rootOf, type CowDeps} from './cow.js'

/** One volume's restore, done or done again (after a kill -9): layered, or a full copy back. */
export async function finishRestore(deps: CowDeps, project: string, image: string, op: RestoreOp): Promise<void> {
  if (op.lowers?.length) {
    const root = await rootOf(deps.engine, [...op.lowers, op.volume])
    if (!root) throw new BerthError(`the layers of snapshot volume ${op.snapshot} are missing`, {exitCode: ExitCode.DOCKER})
    await restoreLayered(deps, root, image, project, op)
    return
  }
  await deps.engine.ensureVolume(op.volume, op.labels)
  await cloneInto(deps, {source: op.snapshot, target: op.volume, image, labels: op.labels})
}

/** Restores a killed berth left under way (under the project's lock, before a stack's volumes are used). */
export async function finishRestores(deps: CowDeps, project: string, image: string): Promise<void> {
  for (const [volume, op] of Object.entries(deps.state.read(project).restoring ?? {})) {
    deps.reporter.step(`Finishing the interrupted restore of ${volume} from ${op.snapshot}`)
    await finishRestore(deps, project, image, op)
    deps.state.update(project, (s) => void delete s.restoring?.[volume])
  }
}

