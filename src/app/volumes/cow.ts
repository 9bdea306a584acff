/**
 * Copy-on-write branch volumes (src/core/cow.ts): a new branch's data volume shares the base branch's data
 * and stores only what the branch changes. The base's data at the moment of branching becomes a frozen
 * layer (its folder renamed into a layer volume: no copy, whatever the size), and the base goes on as an
 * overlay volume over that layer, so no lower layer is ever written again.
 *
 * Every step is recorded in the state file before it happens (`cow`), and each one can run again: the next
 * berth command after a kill -9 finishes what was under way (or, before the rename, undoes it). The rename
 * is the only step that moves data; whether it happened is read from the engine's folders.
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {
  COW_LABEL,
  isOverlay,
  LAYER_KIND,
  layersAfter,
  layerVolumeName,
  lowersOf,
  MAX_LAYERS,
  newPieceId,
  overlayLabels,
  overlayOptions,
  UPPER_KIND,
  upperVolumeName,
  volumeDir,
  volumeRootOf,
  type CowOp,
  type RestoreOp,
  withoutCow,
} from '../../core/cow.js'
import {HELPER_LABEL, LABEL, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import {newSeedId} from './copy.js'

/** Below this many megabytes, a volume held by a warm stack is copied rather than frozen (BERTH_COW_MIN). */
export const DEFAULT_COW_MIN_MB = 128
import {retireStack} from '../door/warm.js'
import type {ContainerInfo, Deps, EnginePort, VolumeInfo} from '../ports.js'
import {cloneModeOf, type CloneModeDeps} from './cow-mode.js'

export type CowDeps = CloneModeDeps & Pick<Deps, 'compose'>
/** What one step needs: the warm volume helper where there is one. */
export type StepDeps = Pick<Deps, 'engine' | 'install' | 'volumeHelper'>

const VOLS = '/vols'
/** A volume's folder as the helper sees it (the engine's volume root is mounted at /vols). */
export const inHelper = (_root: string, name: string) => volumeDir(VOLS, name)

/** Run one step of runtime/cow.sh with the engine's volume root at /vols. */
export async function cowStep(deps: StepDeps, root: string, image: string, project: string, args: string[]): Promise<string> {
  const script = deps.install.runtimeScript('cow.sh')
  // In the warm volume helper where there is one (an exec), else in a helper container of its own.
  const r = (await deps.volumeHelper?.run({image, root, script, argv: ['cow.sh', ...args]})) ?? (await oneShotStep(deps, root, image, project, script, args))
  if (r.code !== 0) {
    throw new BerthError(`a copy-on-write step (${args[0]}) failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-3).join(' / ')}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['Run the same berth command again: the step is finished or undone then.', 'Or make branch volumes full copies: BERTH_CLONE=copy'],
    })
  }
  return r.output.trim()
}

async function oneShotStep(deps: StepDeps, root: string, image: string, project: string, script: string, args: string[]): Promise<{code: number; output: string}> {
  const name = `berth-cow-${project}-${args[0]}`.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 200)
  await deps.engine.removeContainer(name, true)
  return deps.engine.runHelper({
    name,
    image,
    cmd: ['bash', '-c', script, 'cow.sh', ...args],
    mounts: [{source: root, target: VOLS, bind: true}],
    labels: {[LABEL.project]: project, [HELPER_LABEL]: 'cow'},
  })
}

/** Bytes on disk of these volumes' folders (upper folders, layers), by volume name; missing where unknown. */
export async function pieceSizes(deps: StepDeps, project: string, image: string, names: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  if (names.length === 0) return sizes
  const first = await deps.engine.volume(names[0])
  const root = volumeRootOf(names[0], first?.Mountpoint)
  if (!root) return sizes
  const out = await cowStep(deps, root, image, project, ['sizes', ...names.map((n) => inHelper(root, n))]).catch(() => '')
  for (const line of out.split('\n')) {
    const m = /^(-?\d+) \/vols\/(.+)\/_data$/.exec(line.trim())
    if (m && Number(m[1]) >= 0) sizes.set(m[2], Number(m[1]))
  }
  return sizes
}

export interface BranchRequest {
  project: string
  source: string
  /** The new branch's volume; none to freeze the source alone (a snapshot). */
  target?: string
  targetLabels?: Record<string, string>
  image: string
}

/**
 * Make TARGET a copy-on-write branch of SOURCE. Returns false (nothing done) where it cannot be done here:
 * the engine cannot (BERTH_CLONE, a probe), the source is in use by a running container (a base branch
 * running in another work tree: it is copied paused instead), or its layers are already deep.
 */
export async function branchVolume(deps: CowDeps, req: BranchRequest): Promise<string | undefined> {
  const mode = await cloneModeOf(deps, req.project, req.image)
  if (mode.mode !== 'overlay') return undefined
  const source = await deps.engine.volume(req.source)
  const root = volumeRootOf(req.source, source?.Mountpoint)
  if (!source || !root) return undefined
  if (lowersOf(source.Labels).length >= MAX_LAYERS) {
    deps.reporter.warn(`${req.source} stands on ${lowersOf(source.Labels).length} layers; ${req.target} is a full copy (flatten them: berth volumes compact)`)
    return undefined
  }
  // A small volume whose stack is kept warm is copied (paused for a moment): its stack stays warm, and the copy
  // costs less than the cold start of that stack which a layer would take.
  const users = await deps.engine.containersUsingVolume(req.source, true)
  if (mode.setting === 'auto' && users.length > 0 && (await small(deps, source, req))) return undefined
  // Nothing may hold the source while its data is frozen: a database is stopped first (so what it kept in
  // memory is on disk), never used as a live lower layer.
  if (!(await freeSource(deps, req.project, req.source, users))) return undefined
  // Labelled as a seeded volume (from the source), complete once made: a clone run again keeps it.
  const seed = newSeedId()
  const op = {...planBranch({...req, targetLabels: {...req.targetLabels, [SEED_FROM_LABEL]: req.source, [SEED_ID_LABEL]: seed}}, source), metacopy: mode.metacopy}
  const target = req.target!
  const save = (o: CowOp) => deps.state.update(req.project, (s) => void ((s.cow ??= {})[target] = o))
  save(op)
  await runOp(deps, root, req.image, req.project, op, save)
  deps.state.update(req.project, (s) => {
    delete s.cow?.[target]
    s.volumes[target] = {...s.volumes[target], complete: seed}
  })
  return seed
}

/**
 * Freeze a data volume that nothing holds (its stack stopped): what it holds now becomes a layer, and it goes
 * on over it. Returns the layers it stands on afterwards (a snapshot of it is those layers). No copy.
 */
export async function freezeVolume(deps: CowDeps, req: {project: string; volume: string; image: string}): Promise<string[]> {
  const mode = await cloneModeOf(deps, req.project, req.image)
  const source = await deps.engine.volume(req.volume)
  const root = volumeRootOf(req.volume, source?.Mountpoint)
  if (!source || !root) throw new BerthError(`volume ${req.volume} is not there, or not of the local volume driver`, {exitCode: ExitCode.DOCKER})
  const held = await deps.engine.containersUsingVolume(req.volume, true)
  if (held.length) throw new BerthError(`volume ${req.volume} is still used by ${(held[0].Names?.[0] ?? held[0].Id).replace(/^\//, '')}`, {exitCode: ExitCode.PREFLIGHT})
  const op = {...planBranch({project: req.project, source: req.volume, image: req.image}, source), metacopy: mode.metacopy}
  const key = `freeze:${req.volume}`
  const save = (o: CowOp) => deps.state.update(req.project, (s) => void ((s.cow ??= {})[key] = o))
  save(op)
  const done = await runOp(deps, root, req.image, req.project, op, save)
  deps.state.update(req.project, (s) => void delete s.cow?.[key])
  return layersAfter(done)
}

/** A new branch's volume over a layered snapshot's layers (its own upper folder): no copy. */
export async function branchFromLayers(deps: CowDeps, req: {project: string; snapshot: VolumeInfo; target: string; targetLabels: Record<string, string>; image: string}): Promise<string> {
  const mode = await cloneModeOf(deps, req.project, req.image)
  const lowers = lowersOf(req.snapshot.Labels)
  const layer = await deps.engine.volume(lowers[0])
  const root = volumeRootOf(lowers[0], layer?.Mountpoint)
  if (!root) throw new BerthError(`layer ${lowers[0]} of snapshot volume ${req.snapshot.Name} is missing`, {exitCode: ExitCode.DOCKER})
  const seed = newSeedId()
  const op: CowOp = {
    source: req.snapshot.Name,
    target: req.target,
    targetLabels: {...req.targetLabels, [SEED_FROM_LABEL]: req.snapshot.Name, [SEED_ID_LABEL]: seed},
    targetUpper: upperVolumeName(req.target, newPieceId()),
    from: 'upper',
    lowers,
    sourceUpper: '',
    sourceLabels: {},
    metacopy: mode.metacopy,
  }
  const save = (o: CowOp) => deps.state.update(req.project, (s) => void ((s.cow ??= {})[req.target] = o))
  save(op)
  await runOp(deps, root, req.image, req.project, op, save)
  deps.state.update(req.project, (s) => {
    delete s.cow?.[req.target]
    s.volumes[req.target] = {...s.volumes[req.target], complete: seed}
  })
  return seed
}

/**
 * Put a layered snapshot back into a data volume nothing holds: the volume is made again over the snapshot's
 * layers with a new, empty upper folder (what it held since is dropped: the caller asked first). Each step can
 * run again (state `restoring`).
 */
export async function restoreLayered(deps: CowDeps, root: string, image: string, project: string, op: RestoreOp): Promise<void> {
  const {engine} = deps
  const lowers = op.lowers!
  const upper = op.upper!
  await engine.ensureVolume(upper, pieceLabels(project, UPPER_KIND, op.volume, op.labels))
  await cowStep(deps, root, image, project, ['freeze', '/nonexistent', inHelper(root, lowers[0]), inHelper(root, upper)])
  const current = await engine.volume(op.volume)
  if (current && current.Labels?.[COW_LABEL.upper] !== upper) await engine.removeVolume(op.volume)
  if (!current || current.Labels?.[COW_LABEL.upper] !== upper) {
    await engine.createVolumeWith(op.volume, overlayLabels(stripCow(op.labels), lowers, upper), overlayOptions(root, lowers, upper, op.metacopy))
  }
  if (op.oldUpper && op.oldUpper !== upper && (await engine.volume(op.oldUpper))) await engine.removeVolume(op.oldUpper)
}

/** The engine's volume root, from any volume of these that exists. */
export async function rootOf(engine: EnginePort, names: string[]): Promise<string | undefined> {
  for (const name of names) {
    const root = volumeRootOf(name, (await engine.volume(name))?.Mountpoint)
    if (root) return root
  }
  return undefined
}

/** The source (held by a container: a warm stack) holds less than BERTH_COW_MIN megabytes (default 128) of its own. */
async function small(deps: CowDeps, source: VolumeInfo, req: BranchRequest): Promise<boolean> {
  const limit = Number(deps.env.BERTH_COW_MIN || DEFAULT_COW_MIN_MB) * 1024 * 1024
  const own = source.Labels?.[COW_LABEL.upper] ?? req.source
  const size = (await pieceSizes(deps, req.project, req.image, [own])).get(own)
  return size !== undefined && size < limit
}

/**
 * No container may hold the source while it is turned into a layer (a running database is never used as a
 * live lower layer). berth's own stopped or paused (warm) stacks that use it are stopped for good: their
 * containers go, their data stays, the next up of their branch makes them again. A running one, or a
 * container berth did not make: false (the caller copies instead, pausing it for a consistent copy).
 */
async function freeSource(deps: CowDeps, project: string, source: string, users: ContainerInfo[]): Promise<boolean> {
  if (users.length === 0) return true
  if (users.some((c) => c.State === 'running' || c.State === 'restarting' || c.Labels?.[LABEL.project] !== project)) return false
  const stacks = new Set(users.map((c) => c.Labels?.['com.docker.compose.project']).filter((s): s is string => Boolean(s)))
  for (const stack of stacks) {
    deps.reporter.step(`Stopping ${stack}: its data becomes a shared layer (it stays; the next up of that branch starts it again)`)
    await retireStack(deps, stack)
    deps.state.update(project, (s) => void delete s.stacks?.[stack])
  }
  for (const c of await deps.engine.containersUsingVolume(source, true)) {
    if (c.State === 'running' || c.State === 'restarting') return false
    await deps.engine.removeContainer(c.Id, true)
  }
  return true
}

function planBranch(req: BranchRequest, source: VolumeInfo): CowOp {
  const labels = (source.Labels ?? {}) as Record<string, string>
  const base = {source: req.source, target: req.target, targetLabels: req.targetLabels, targetUpper: req.target ? upperVolumeName(req.target, newPieceId()) : undefined}
  if (!isOverlay(labels)) {
    return {...base, from: 'plain', layer: layerVolumeName(req.project, newPieceId()), lowers: [], sourceUpper: upperVolumeName(req.source, newPieceId()), sourceLabels: labels}
  }
  const oldUpper = labels[COW_LABEL.upper]
  const lowers = lowersOf(labels)
  // Whether the source wrote since its layers were frozen is found out by the rename step itself (ifWritten).
  return {...base, from: 'upper', layer: layerVolumeName(req.project, newPieceId()), lowers, oldUpper, sourceUpper: upperVolumeName(req.source, newPieceId()), sourceLabels: labels, ifWritten: true}
}

/**
 * The source wrote nothing since its layers were frozen (the rename step found its upper folder empty, and made
 * the target's): the branch stands on the same layers, the source stays as it is. The pieces made for a layer go
 * first, then the op is recorded as the one without a layer.
 */
async function untouched(deps: CowDeps, op: CowOp, save: (op: CowOp) => void): Promise<CowOp> {
  for (const v of [op.layer!, op.sourceUpper]) if (await deps.engine.volume(v)) await deps.engine.removeVolume(v)
  const kept: CowOp = {...op, layer: undefined, ifWritten: undefined, sourceUpper: op.oldUpper!}
  save(kept)
  return kept
}

export const pieceLabels = (project: string, kind: string, of: string, from: Record<string, string>): Record<string, string> => ({
  [LABEL.project]: project,
  [LABEL.env]: from[LABEL.env] ?? '',
  [LABEL.service]: from[LABEL.service] ?? '',
  [LABEL.volume]: from[LABEL.volume] ?? '',
  [LABEL.kind]: kind,
  [COW_LABEL.of]: of,
})

/**
 * The op's steps, each one done only if it is not done yet: safe to run again after any interruption. `save`
 * records a change of the op in the journal (an ifWritten op whose source wrote nothing).
 */
async function runOp(deps: CowDeps, root: string, image: string, project: string, planned: CowOp, save: (op: CowOp) => void): Promise<CowOp> {
  const {engine} = deps
  let op = planned
  const sourceBase = stripCow(op.sourceLabels)
  let remakeSource: Promise<void> = Promise.resolve()
  if (op.layer) {
    const source = await engine.volume(op.source)
    const sourceDone = source !== undefined && source.Labels?.[COW_LABEL.upper] === op.sourceUpper
    if (!sourceDone) {
      // Empty volumes, made at once (each is made only if it is not there yet).
      await Promise.all([
        engine.ensureVolume(op.layer, pieceLabels(project, LAYER_KIND, op.source, op.sourceLabels)),
        engine.ensureVolume(op.sourceUpper, pieceLabels(project, UPPER_KIND, op.source, op.sourceLabels)),
        op.targetUpper && engine.ensureVolume(op.targetUpper, pieceLabels(project, UPPER_KIND, op.target ?? op.source, op.targetLabels ?? op.sourceLabels)),
      ])
      const from = op.from === 'plain' ? inHelper(root, op.source) : `${inHelper(root, op.oldUpper!)}/upper`
      const uppers = [op.sourceUpper, ...(op.targetUpper ? [op.targetUpper] : [])].map((u) => inHelper(root, u))
      // The source volume may be gone already (removed after the rename, before it was made again).
      const said = source ? await cowStep(deps, root, image, project, [op.ifWritten ? 'branch' : 'freeze', from, inHelper(root, op.layer), ...uppers]) : undefined
      if (said === 'untouched') {
        op = await untouched(deps, op, save)
      } else {
        if (!source && (await cowStep(deps, root, image, project, ['state', from, inHelper(root, op.layer)])) !== 'moved') {
          throw new BerthError(`volume ${op.source} is gone and its data is not in layer ${op.layer}`, {exitCode: ExitCode.DOCKER})
        }
        const layers = layersAfter(op)
        const moved = op
        remakeSource = (async () => {
          if (source) await engine.removeVolume(moved.source)
          await engine.createVolumeWith(moved.source, overlayLabels(sourceBase, layers, moved.sourceUpper), overlayOptions(root, layers, moved.sourceUpper, moved.metacopy))
        })()
      }
    }
  } else if (op.targetUpper) {
    await engine.ensureVolume(op.targetUpper, pieceLabels(project, UPPER_KIND, op.target ?? op.source, op.targetLabels ?? op.sourceLabels))
    await cowStep(deps, root, image, project, ['freeze', '/nonexistent', inHelper(root, layersAfter(op)[0]), inHelper(root, op.targetUpper)])
  }
  const done = op
  const layers = layersAfter(done)
  // The source made again over the layers, then its previous upper volume removed (its folder became the new
  // layer; what is left is an empty husk); meanwhile the target is made. Each is done only if not done yet.
  const source = remakeSource.then(async () => {
    if (done.layer && done.oldUpper && done.oldUpper !== done.sourceUpper && (await engine.volume(done.oldUpper))) await engine.removeVolume(done.oldUpper)
  })
  const target = (async () => {
    if (done.target && done.targetUpper && !(await engine.volume(done.target))) {
      await engine.createVolumeWith(done.target, overlayLabels(stripCow(done.targetLabels ?? {}), layers, done.targetUpper), overlayOptions(root, layers, done.targetUpper, done.metacopy))
    }
  })()
  await Promise.all([source, target])
  return done
}

const stripCow = withoutCow

/**
 * Finish what a killed berth left under way (under the project's lock). An op whose rename never happened
 * and whose source is in use again is undone instead (its empty pieces removed).
 */
export async function finishCowOps(deps: CowDeps, project: string, image: string): Promise<number> {
  const ops = Object.entries(deps.state.read(project).cow ?? {})
  for (const [key, op] of ops) {
    const source = await deps.engine.volume(op.source)
    const root = volumeRootOf(op.source, source?.Mountpoint) ?? (await anyRoot(deps.engine, op))
    if (!root) throw new BerthError(`cannot finish the copy-on-write branch ${key}: the engine's volume folder is unknown`, {exitCode: ExitCode.DOCKER})
    deps.reporter.step(`Finishing an interrupted copy-on-write branch: ${op.source} -> ${op.target ?? '(layer)'}`)
    await runOp(deps, root, image, project, op, (o) => deps.state.update(project, (s) => void ((s.cow ??= {})[key] = o)))
    deps.state.update(project, (s) => void delete s.cow?.[key])
  }
  return ops.length
}

async function anyRoot(engine: EnginePort, op: CowOp): Promise<string | undefined> {
  for (const name of [op.layer, op.sourceUpper, op.targetUpper, ...op.lowers]) {
    if (!name) continue
    const v = await engine.volume(name)
    const root = volumeRootOf(name, v?.Mountpoint)
    if (root) return root
  }
  return undefined
}

/**
 * After a data volume was removed: its upper volume goes, and so does every layer nothing stands on any
 * more (reference-counted by the lowers of the project's remaining overlay volumes). Never while an op is
 * under way.
 */
export async function collectPieces(deps: Pick<Deps, 'engine' | 'state' | 'reporter'>, project: string, removed: VolumeInfo): Promise<string[]> {
  const {engine} = deps
  const gone: string[] = []
  const upper = removed.Labels?.[COW_LABEL.upper]
  if (upper && (await engine.volume(upper))) {
    await engine.removeVolume(upper)
    gone.push(upper)
  }
  const pending = deps.state.read(project)
  if (Object.keys(pending.cow ?? {}).length + Object.keys(pending.compact ?? {}).length > 0) return gone
  const volumes = await engine.volumes({[LABEL.project]: project})
  const used = new Set(volumes.flatMap((v) => lowersOf(v.Labels as Record<string, string>)))
  for (const v of volumes) {
    if (v.Labels?.[LABEL.kind] !== LAYER_KIND || used.has(v.Name)) continue
    await engine.removeVolume(v.Name)
    gone.push(v.Name)
  }
  for (const name of gone) deps.reporter.step(`Removed ${name === upper ? 'its upper volume' : 'layer'} ${name}`)
  return gone
}
