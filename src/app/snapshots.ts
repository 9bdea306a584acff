/**
 * berth snapshot save|ls|restore|rm: named snapshots of the current branch's data volumes (one environment).
 *
 * Where the engine does copy-on-write (volumes/cow-mode.ts), a snapshot costs no copy: the stack is stopped for
 * the moment it takes (a consistent database on disk), each data volume's own writes become a frozen layer, and
 * the snapshot is a record of those layers (an empty volume whose labels name them; they are kept while anything
 * stands on them). Elsewhere a snapshot is a full copy, taken with the database paused. Restoring asks first:
 * what the volumes hold since is dropped.
 */
import {badSnapshotName, lowersOf, newPieceId, SNAPSHOT_KIND, SNAPSHOT_LABEL, snapshotVolumeName, upperVolumeName, COW_LABEL, type RestoreOp} from '../core/cow.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {LABEL} from '../core/naming.js'
import type {RenderResult} from '../core/render.js'
import {retireStack} from './door/warm.js'
import {confirmOrRefuse} from './confirm.js'
import {locked} from './locked.js'
import type {Deps, VolumeInfo} from './ports.js'
import type {Project} from './project.js'
import {renderProject} from './render.js'
import {upStack} from './up.js'
import {cloneInto, engineLabels, helperImage} from './volumes/copy.js'
import {collectPieces, freezeVolume} from './volumes/cow.js'
import {finishRestore} from './volumes/restore.js'
import {cloneModeOf} from './volumes/cow-mode.js'

export interface SnapshotEntry {
  name: string
  branch: string
  env: string
  createdAt: string
  /** layers: copy-on-write (no copy); copy: full copies. */
  kind: 'layers' | 'copy'
  volumes: Array<{service: string; key: string; volume: string; of: string; layers: string[]}>
}

async function snapshotVolumes(deps: Pick<Deps, 'engine'>, project: string, name?: string): Promise<VolumeInfo[]> {
  return deps.engine.volumes({[LABEL.project]: project, [LABEL.kind]: SNAPSHOT_KIND, ...(name === undefined ? {} : {[SNAPSHOT_LABEL.name]: name})})
}

function group(volumes: VolumeInfo[]): SnapshotEntry[] {
  const byName = new Map<string, SnapshotEntry>()
  for (const v of volumes) {
    const l = (v.Labels ?? {}) as Record<string, string>
    const name = l[SNAPSHOT_LABEL.name]
    const entry = byName.get(name) ?? {name, branch: l[LABEL.branch] ?? '', env: l[LABEL.env] ?? '', createdAt: l[SNAPSHOT_LABEL.at] ?? '', kind: lowersOf(l).length ? 'layers' : 'copy', volumes: []}
    entry.volumes.push({service: l[LABEL.service] ?? '', key: l[LABEL.volume] ?? '', volume: v.Name, of: l[SNAPSHOT_LABEL.of] ?? '', layers: lowersOf(l)})
    byName.set(name, entry)
  }
  return [...byName.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name))
}

export async function listSnapshots(project: Project, deps: Pick<Deps, 'engine'>): Promise<SnapshotEntry[]> {
  await deps.engine.ping()
  return group(await snapshotVolumes(deps, project.stack.value.name))
}

/** The data volumes of the current branch's stack in ENV that exist on the engine. */
async function branchData(project: Project, env: string, deps: Deps): Promise<{result: RenderResult; volumes: Array<{v: RenderResult['volumes'][number]; info: VolumeInfo}>}> {
  const {result} = await renderProject(project, env, deps)
  const volumes: Array<{v: RenderResult['volumes'][number]; info: VolumeInfo}> = []
  for (const v of result.volumes.filter((x) => x.kind === 'data')) {
    const info = await deps.engine.volume(v.name)
    if (info) volumes.push({v, info})
  }
  if (volumes.length === 0) {
    throw new BerthError(`branch ${JSON.stringify(project.ctx.branch ?? '')} has no data volumes in ${env} yet`, {exitCode: ExitCode.USAGE, hints: [`Bring it up first: berth up ${env}`]})
  }
  return {result, volumes}
}

/** Stop the stack (its data stays) if it has containers; whether it had. */
async function stopStack(deps: Deps, project: string, stack: string, why: string): Promise<boolean> {
  if ((await deps.engine.containers({'com.docker.compose.project': stack}, true)).length === 0) return false
  deps.reporter.step(`Stopping ${stack} ${why}`)
  await retireStack(deps, stack)
  deps.state.update(project, (s) => void delete s.stacks?.[stack])
  return true
}

export interface SaveResult {
  snapshot: SnapshotEntry
  restarted: boolean
}

export function saveSnapshot(project: Project, options: {name?: string; env: string}, deps: Deps): Promise<SaveResult> {
  const name = options.name ?? `${(project.ctx.branch ?? 'nogit').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40) || 's'}-${new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-').slice(0, 19)}`
  const bad = badSnapshotName(name)
  if (bad) throw new BerthError(`snapshot name ${JSON.stringify(name)} is not usable: ${bad}`, {exitCode: ExitCode.USAGE})
  return locked(project, deps, async () => {
    await deps.engine.ping()
    const file = project.stack.value
    if ((await snapshotVolumes(deps, file.name, name)).length) {
      throw new BerthError(`snapshot ${JSON.stringify(name)} exists already; berth never overwrites data`, {exitCode: ExitCode.REFUSED, hints: [`Pick another name, or remove it first: berth snapshot rm ${name}`]})
    }
    const {result, volumes} = await branchData(project, options.env, deps)
    const image = helperImage(project, deps.env)
    const mode = await cloneModeOf(deps, file.name, image)
    const at = new Date(deps.clock.now()).toISOString()
    let restarted = false
    // A snapshot belongs to no stack (a stack's volumes are found by that label).
    const labelsOf = (v: RenderResult['volumes'][number], of: string): Record<string, string> => {
      const labels: Record<string, string> = {...engineLabels(v), [LABEL.kind]: SNAPSHOT_KIND, [SNAPSHOT_LABEL.name]: name, [SNAPSHOT_LABEL.of]: of, [SNAPSHOT_LABEL.at]: at}
      delete labels[LABEL.stack]
      return labels
    }
    if (mode.mode === 'overlay') {
      // Stopped for the moment it takes: what the database kept in memory is on disk, and nothing writes.
      const wasUp = await stopStack(deps, file.name, result.project, 'for a consistent snapshot (its data stays)')
      for (const {v} of volumes) {
        const layers = await freezeVolume(deps, {project: file.name, volume: v.name, image})
        const labels = {...labelsOf(v, v.name), [COW_LABEL.lowers]: layers.join(',')}
        await deps.engine.ensureVolume(snapshotVolumeName(file.name, name, v.service, v.key), labels)
      }
      if (wasUp) {
        deps.reporter.step(`Starting ${result.project} again`)
        await upStack(project, {env: options.env}, deps)
        restarted = true
      }
    } else {
      for (const {v} of volumes) {
        const target = snapshotVolumeName(file.name, name, v.service, v.key)
        const labels = labelsOf(v, v.name)
        await deps.engine.ensureVolume(target, labels)
        deps.reporter.step(`Copying ${v.name} -> ${target}`)
        // The database is paused for the copy (a consistent snapshot), then resumed.
        await cloneInto(deps, {source: v.name, target, image, labels})
      }
    }
    const [snapshot] = group(await snapshotVolumes(deps, file.name, name))
    return {snapshot, restarted}
  })
}

export interface RestoreResult {
  snapshot: SnapshotEntry
  declined: boolean
}

export function restoreSnapshot(project: Project, options: {name: string; env: string; yes?: boolean}, deps: Deps): Promise<RestoreResult> {
  return locked(project, deps, async () => {
    await deps.engine.ping()
    const file = project.stack.value
    const [snapshot] = group(await snapshotVolumes(deps, file.name, options.name))
    if (!snapshot) throw new BerthError(`no snapshot named ${JSON.stringify(options.name)}`, {exitCode: ExitCode.USAGE, hints: ['See them: berth snapshot ls']})
    const {result} = await renderProject(project, options.env, deps)
    const pairs = result.volumes
      .filter((v) => v.kind === 'data')
      .map((v) => ({v, snap: snapshot.volumes.find((s) => s.service === v.service && s.key === v.key)}))
      .filter((p): p is {v: RenderResult['volumes'][number]; snap: SnapshotEntry['volumes'][number]} => p.snap !== undefined)
    if (pairs.length === 0) throw new BerthError(`snapshot ${options.name} has no volume of this stack's services`, {exitCode: ExitCode.USAGE})
    const question = `Restore snapshot ${options.name} (${snapshot.createdAt}) onto ${pairs.map((p) => p.v.name).join(', ')}? What they hold now is lost.`
    if (!(await confirmOrRefuse(deps.prompt, options.yes, question, 'restore a snapshot'))) return {snapshot, declined: true}
    const image = helperImage(project, deps.env)
    const wasUp = await stopStack(deps, file.name, result.project, 'to restore a snapshot (its containers go; its volumes are restored)')
    const mode = await cloneModeOf(deps, file.name, image)
    for (const {v, snap} of pairs) {
      const current = await deps.engine.volume(v.name)
      const op: RestoreOp = {volume: v.name, snapshot: snap.volume, labels: engineLabels(v)}
      if (snap.layers.length) {
        op.lowers = snap.layers
        op.upper = upperVolumeName(v.name, newPieceId())
        op.oldUpper = current?.Labels?.[COW_LABEL.upper]
        op.metacopy = mode.metacopy
      }
      deps.state.update(file.name, (s) => void ((s.restoring ??= {})[v.name] = op))
      await finishRestore(deps, file.name, image, op)
      deps.state.update(file.name, (s) => void delete s.restoring?.[v.name])
      deps.reporter.step(`Restored ${v.name} from snapshot ${options.name}`)
    }
    if (wasUp) {
      deps.reporter.step(`Starting ${result.project} again`)
      await upStack(project, {env: options.env}, deps)
    }
    return {snapshot, declined: false}
  })
}

export function removeSnapshot(project: Project, options: {name: string; yes?: boolean}, deps: Deps): Promise<RestoreResult & {removed: string[]}> {
  return locked(project, deps, async () => {
    await deps.engine.ping()
    const file = project.stack.value
    const volumes = await snapshotVolumes(deps, file.name, options.name)
    const [snapshot] = group(volumes)
    if (!snapshot) throw new BerthError(`no snapshot named ${JSON.stringify(options.name)}`, {exitCode: ExitCode.USAGE, hints: ['See them: berth snapshot ls']})
    if (!(await confirmOrRefuse(deps.prompt, options.yes, `Remove snapshot ${options.name} (${snapshot.createdAt}, ${volumes.length} volume${volumes.length > 1 ? 's' : ''})?`, 'remove a snapshot'))) return {snapshot, declined: true, removed: []}
    const removed: string[] = []
    for (const v of volumes) {
      await deps.engine.removeVolume(v.Name)
      removed.push(v.Name)
      removed.push(...(await collectPieces(deps, file.name, v)))
    }
    return {snapshot, declined: false, removed}
  })
}
