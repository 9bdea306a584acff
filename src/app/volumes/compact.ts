/**
 * berth volumes compact (the steps: flatten.ts): a branch's copy-on-write data volumes that stand on layers become plain volumes
 * again (a full copy of what the branch sees, then that folder renamed into the volume's place), so stacks of
 * layers stay shallow and layers nothing else stands on can go.
 *
 * Crash-safe like the rest of copy-on-write (src/core/cow.ts CompactOp): every volume's flattening is recorded
 * in the state file before it starts (`compact`). Until the copy is complete the overlay volume is untouched,
 * and an interrupted compact is undone (the copy dropped); once it is, the new folder holds everything and the
 * rest (a remove, a create and a rename) is finished. The next berth command that prepares volumes does either.
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {flatVolumeName, isOverlay, lowersOf, newPieceId, type CompactOp} from '../../core/cow.js'
import {LABEL} from '../../core/naming.js'
import {retireStack} from '../door/warm.js'
import {confirmOrRefuse} from '../confirm.js'
import {locked} from '../locked.js'
import type {Deps, VolumeInfo} from '../ports.js'
import type {Project} from '../project.js'
import {upStack} from '../up.js'
import {helperImage} from './copy.js'
import {collectPieces, finishCowOps, rootOf} from './cow.js'
import {copyFlat, finishCompactOps, placeFlat} from './flatten.js'

export interface CompactResult {
  branch: string
  env: string
  /** The volumes flattened, with the layers each stood on. */
  volumes: Array<{volume: string; layers: string[]}>
  /** Volumes removed afterwards: upper volumes and the layers nothing stands on any more. */
  removed: string[]
  declined: boolean
  /** The branch's stack was up, and was started again. */
  restarted: boolean
}

const COMPOSE_PROJECT = 'com.docker.compose.project'

export function compactBranchVolumes(project: Project, options: {branch?: string; env: string; yes?: boolean}, deps: Deps): Promise<CompactResult> {
  const branch = options.branch ?? project.ctx.branch
  if (!branch) {
    throw new BerthError('volumes compact needs a branch: this is not a git repository (or HEAD is detached)', {exitCode: ExitCode.USAGE, hints: ['Name it: berth volumes compact BRANCH']})
  }
  return locked(project, deps, async () => {
    await deps.engine.ping()
    const name = project.stack.value.name
    const image = helperImage(project, deps.env)
    // A branch or compact a killed berth left under way is finished first (it may be of these volumes).
    await finishCowOps(deps, name, image)
    await finishCompactOps(deps, name, image)
    const volumes = (await deps.engine.volumes({[LABEL.project]: name, [LABEL.env]: options.env, [LABEL.branch]: branch, [LABEL.kind]: 'data'})).filter((v) => isOverlay(v.Labels))
    const result: CompactResult = {branch, env: options.env, volumes: volumes.map((v) => ({volume: v.Name, layers: lowersOf(v.Labels)})), removed: [], declined: false, restarted: false}
    if (volumes.length === 0) return result
    deps.reporter.info(`Copy-on-write volumes of branch ${JSON.stringify(branch)} (${options.env}):\n${result.volumes.map((v) => `  ${v.volume}  (on ${v.layers.length} layer${v.layers.length > 1 ? 's' : ''})`).join('\n')}`)
    const question = `Flatten these ${volumes.length} volume(s) into plain ones (a full copy each)? Their stack is stopped for it.`
    if (!(await confirmOrRefuse(deps.prompt, options.yes, question, 'compact volumes'))) return {...result, declined: true}
    const wasUp = await stopUsers(deps, name, volumes)
    const root = await rootOf(deps.engine, volumes.map((v) => v.Name))
    if (!root) throw new BerthError(`the engine's volume folder is unknown (${volumes[0].Name} is not of the local volume driver's layout)`, {exitCode: ExitCode.DOCKER})
    for (const v of volumes) {
      const op: CompactOp = {volume: v.Name, labels: {...(v.Labels ?? {})} as Record<string, string>, flat: flatVolumeName(v.Name, newPieceId())}
      deps.state.update(name, (s) => void ((s.compact ??= {})[v.Name] = op))
      deps.reporter.step(`Copying ${v.Name} (what the branch sees, ${lowersOf(v.Labels).length} layer(s) and its own writes) into a plain volume`)
      await copyFlat(deps, name, image, op)
      await placeFlat(deps, root, image, name, op)
      deps.state.update(name, (s) => void delete s.compact?.[v.Name])
      deps.reporter.step(`Compacted ${v.Name}: a plain volume`)
    }
    result.removed = await collectPieces(deps, name, {Name: '', Labels: {}} as unknown as VolumeInfo)
    if (wasUp && branch === project.ctx.branch) {
      deps.reporter.step('Starting the stack again')
      await upStack(project, {env: options.env}, deps)
      result.restarted = true
    }
    return result
  })
}

/** Stop the stacks that hold these volumes (berth's own only; their data stays); whether one of them was running. */
async function stopUsers(deps: Deps, project: string, volumes: VolumeInfo[]): Promise<boolean> {
  const stacks = new Set<string>()
  let running = false
  for (const v of volumes) {
    for (const c of await deps.engine.containersUsingVolume(v.Name, true)) {
      const stack = c.Labels?.[COMPOSE_PROJECT]
      if (c.Labels?.[LABEL.project] !== project || !stack) {
        throw new BerthError(`volume ${v.Name} is used by container ${(c.Names?.[0] ?? c.Id).replace(/^\//, '')}, which berth did not create`, {exitCode: ExitCode.PREFLIGHT})
      }
      stacks.add(stack)
      running ||= c.State === 'running' || c.State === 'restarting' || c.State === 'paused'
    }
  }
  for (const stack of stacks) {
    deps.reporter.step(`Stopping ${stack} while its data is flattened (its data stays)`)
    await retireStack(deps, stack)
    deps.state.update(project, (s) => void delete s.stacks?.[stack])
  }
  return running
}
