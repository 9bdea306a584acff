/**
 * The steps of flattening a copy-on-write data volume into a plain one (src/core/cow.ts CompactOp), each done
 * only if it is not done yet, and the finishing (or undoing) of what a killed `berth volumes compact` left.
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {COW_LABEL, FLAT_KIND, withoutCow, type CompactOp} from '../../core/cow.js'
import {LABEL} from '../../core/naming.js'
import type {VolumeInfo} from '../ports.js'
import {cloneInto} from './copy.js'
import {collectPieces, cowStep, inHelper, pieceLabels, rootOf, type CowDeps} from './cow.js'

/** The merged view of the overlay volume copied into the flat volume (again from nothing if it was interrupted), then recorded. */
export async function copyFlat(deps: CowDeps, project: string, image: string, op: CompactOp): Promise<void> {
  await deps.engine.ensureVolume(op.flat, pieceLabels(project, FLAT_KIND, op.volume, op.labels))
  await cloneInto(deps, {source: op.volume, target: op.flat, image, labels: {[LABEL.project]: project}})
  op.copied = true
  deps.state.update(project, (s) => void (s.compact![op.volume] = op))
}

/** The copied folder takes the volume's place; each step done only if it is not done yet. */
export async function placeFlat(deps: CowDeps, root: string, image: string, project: string, op: CompactOp): Promise<void> {
  const {engine} = deps
  const upper = op.labels[COW_LABEL.upper]
  const current = await engine.volume(op.volume)
  if (current && current.Labels?.[COW_LABEL.upper] === upper) await engine.removeVolume(op.volume)
  if (!current || current.Labels?.[COW_LABEL.upper] === upper) await engine.ensureVolume(op.volume, withoutCow(op.labels))
  // The rename of FLAT's folder onto the new volume's (empty) one: the one step that moves data, O(1).
  if ((await engine.volume(op.flat)) && (await cowStep(deps, root, image, project, ['freeze', inHelper(root, op.flat), inHelper(root, op.volume)])) !== 'moved') {
    throw new BerthError(`could not move the flattened copy of ${op.volume} into place`, {exitCode: ExitCode.DOCKER, hints: ['Run the same berth command again: the step is finished then.']})
  }
  if (await engine.volume(op.flat)) await engine.removeVolume(op.flat)
  if (upper && (await engine.volume(upper))) await engine.removeVolume(upper)
}

/**
 * Finish (copy complete) or undo (copy not complete: the overlay volume is as it was) what a killed compact
 * left under way, under the project's lock; layers nothing stands on any more go afterwards.
 */
export async function finishCompactOps(deps: CowDeps, project: string, image: string): Promise<number> {
  const ops = Object.entries(deps.state.read(project).compact ?? {})
  if (ops.length === 0) return 0
  for (const [key, op] of ops) {
    if (!op.copied) {
      deps.reporter.step(`Undoing an interrupted compact of ${op.volume} (the volume is as it was)`)
      if (await deps.engine.volume(op.flat)) await deps.engine.removeVolume(op.flat)
    } else {
      const root = await rootOf(deps.engine, [op.flat, op.volume])
      if (!root) throw new BerthError(`cannot finish the compact of ${op.volume}: the engine's volume folder is unknown`, {exitCode: ExitCode.DOCKER})
      deps.reporter.step(`Finishing an interrupted compact of ${op.volume}`)
      await placeFlat(deps, root, image, project, op)
    }
    deps.state.update(project, (s) => void delete s.compact?.[key])
  }
  await collectPieces(deps, project, {Name: '', Labels: {}} as unknown as VolumeInfo)
  return ops.length
}
