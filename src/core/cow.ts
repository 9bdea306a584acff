/**
 * Copy-on-write branch volumes (pure): names, labels and the overlay options of a branch's data volume
 * that shares the base branch's data and stores only what the branch changes.
 *
 * A data volume is either plain (a folder of the engine's `local` driver) or an overlay volume: the
 * `local` driver mounts overlayfs with lower layers (frozen, never written again) and an upper folder of
 * its own. The pieces are volumes of the engine too, so their paths are the engine's own:
 *
 *   layer  PROJECT_layer_ID         a frozen layer: what a data volume held at the moment a branch was made
 *   upper  VOLUME_up-ID             the upper (and work) folder of one overlay volume: its own writes
 *
 * A layer is made by renaming (O(1), whatever the size) the base's folder into the layer volume; the base
 * itself then goes on as an overlay volume over the same layer, so the lower layer never changes.
 */
import {randomBytes} from 'node:crypto'
import {projectSlug, shortHash, slug} from './naming.js'

export type CloneMode = 'copy' | 'overlay'
export type CloneSetting = CloneMode | 'auto'

export const COW_LABEL = {
  /** On an overlay data volume: its lower layers, top first, comma-separated volume names. */
  lowers: 'dev.berth.cow.lowers',
  /** On an overlay data volume: the volume that holds its upper and work folders. */
  upper: 'dev.berth.cow.upper',
  /** On a layer or upper volume: the data volume it was made from (layer) or belongs to (upper). */
  of: 'dev.berth.cow.of',
} as const

/** The kind label of the pieces (data volumes keep `data`). */
export const LAYER_KIND = 'layer'
export const UPPER_KIND = 'upper'

/** overlayfs stacks this many lower layers without trouble; past it, `berth volumes compact` flattens. */
export const MAX_LAYERS = 6

export const newPieceId = (): string => randomBytes(6).toString('hex')

export function layerVolumeName(project: string, id: string): string {
  return `${projectSlug(project)}_layer_${id}`
}

export function upperVolumeName(volume: string, id: string): string {
  return `${volume.slice(0, 200)}_up-${id}`
}

/** The lower layers of an overlay data volume (top first); empty for a plain volume. */
export function lowersOf(labels: Record<string, string> | undefined): string[] {
  const text = labels?.[COW_LABEL.lowers]
  return text ? text.split(',').filter(Boolean) : []
}

export function isOverlay(labels: Record<string, string> | undefined): boolean {
  return lowersOf(labels).length > 0 && Boolean(labels?.[COW_LABEL.upper])
}

/** The engine's folder of a volume under its volume root (the local driver's layout: ROOT/NAME/_data). */
export function volumeDir(root: string, name: string): string {
  return `${root}/${name}/_data`
}

/** The volume root of the engine, from a plain volume's Mountpoint; undefined when it is not the local driver's layout. */
export function volumeRootOf(name: string, mountpoint: string | undefined): string | undefined {
  const suffix = `/${name}/_data`
  if (!mountpoint?.endsWith(suffix)) return undefined
  const root = mountpoint.slice(0, -suffix.length)
  return root.startsWith('/') && !/[,:]/.test(root) ? root : undefined
}

/**
 * The `local` driver's options that mount an overlay of these layers (top first) with this upper volume.
 * metacopy=on (where the kernel has it): a change of owner or mode copies the file's metadata up, not its
 * data (a database image's entrypoint that chowns its data folder at every start would copy it all).
 */
export function overlayOptions(root: string, lowers: string[], upper: string, metacopy = false): Record<string, string> {
  const lowerdir = lowers.map((l) => volumeDir(root, l)).join(':')
  const up = volumeDir(root, upper)
  return {type: 'overlay', device: 'overlay', o: `lowerdir=${lowerdir},upperdir=${up}/upper,workdir=${up}/work${metacopy ? ',metacopy=on' : ''}`}
}

export function overlayLabels(base: Record<string, string>, lowers: string[], upper: string): Record<string, string> {
  return {...base, [COW_LABEL.lowers]: lowers.join(','), [COW_LABEL.upper]: upper}
}

/** BERTH_CLONE: copy, overlay, or auto (overlay where the engine can, else copy). */
export function cloneSetting(env: NodeJS.ProcessEnv): CloneSetting {
  const v = env.BERTH_CLONE
  return v === 'copy' || v === 'overlay' ? v : 'auto'
}

/**
 * One step of making a branch, recorded before it happens (state file `cow`), so a berth killed at any
 * point is finished by the next berth command: the rename is the only step that moves data, and whether it
 * happened is read from the engine's folders, never assumed.
 */
export interface CowOp {
  /** The data volume branched from (the base's). */
  source: string
  /** The new branch's data volume (absent for a snapshot of the source alone). */
  target?: string
  /** Labels of the target, as it is to be created. */
  targetLabels?: Record<string, string>
  /** The folder moved into the layer: the source's own folder (plain) or its upper folder (overlay). */
  from: 'plain' | 'upper'
  /** The new layer (its volume); absent when the source's upper was empty and its layers are reused. */
  layer?: string
  /** The source's layers before this step (top first). */
  lowers: string[]
  /** The source's upper volume before this step (overlay source). */
  oldUpper?: string
  /** The source's new upper volume, and the target's. */
  sourceUpper: string
  targetUpper?: string
  /** The source's labels (plain: as they were; the overlay labels are added). */
  sourceLabels: Record<string, string>
  /** Mount with metacopy=on (the engine's kernel has it). */
  metacopy?: boolean
  /**
   * An overlay source whose upper folder may be empty: the rename step looks first (one step), and where the
   * source wrote nothing since its layers the op becomes the one without a layer (the branch on the same layers).
   */
  ifWritten?: boolean
}

/** The layers the source and target stand on once the op is done (top first). */
export function layersAfter(op: CowOp): string[] {
  return op.layer ? [op.layer, ...op.lowers] : op.lowers
}

// ---- snapshots ------------------------------------------------------------------------------------

export const SNAPSHOT_KIND = 'snapshot'
export const SNAPSHOT_LABEL = {
  /** The snapshot's name (one per project; a snapshot holds one volume per data volume of a branch). */
  name: 'dev.berth.snapshot',
  /** The data volume it was taken of. */
  of: 'dev.berth.snapshot.of',
  at: 'dev.berth.snapshot.at',
} as const

/** PROJECT_snap-NAME-HASH_SERVICE-KEY: a layered snapshot's record (an empty volume whose labels name its layers), or a full copy. */
export function snapshotVolumeName(project: string, name: string, service: string, key: string): string {
  return `${projectSlug(project)}_snap-${slug(name, 24) || 's'}-${shortHash(name)}_${service}-${key}`.slice(0, 250)
}

/** Why a snapshot name cannot be used, or undefined. */
export function badSnapshotName(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? undefined : 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters'
}

/** A restore under way (state file `restoring`, by data volume), finished by the next berth command after a crash. */
export interface RestoreOp {
  volume: string
  snapshot: string
  labels: Record<string, string>
  /** Layered: the snapshot's layers and the volume's new upper; absent for a full copy back. */
  lowers?: string[]
  upper?: string
  oldUpper?: string
  metacopy?: boolean
}

// ---- compact --------------------------------------------------------------------------------------

export const FLAT_KIND = 'flat'

/** The new plain volume a compacted volume's merged view is copied into, before its folder takes the volume's place. */
export function flatVolumeName(volume: string, id: string): string {
  return `${volume.slice(0, 200)}_flat-${id}`
}

/**
 * Flattening one copy-on-write data volume into a plain one (state file `compact`, by volume). The steps, each
 * done only if not done yet: the merged view copied into FLAT (then `copied`), the overlay volume removed and
 * made again plain, FLAT's folder renamed into its place, FLAT and the old upper volume removed. Until `copied`
 * the overlay is untouched (an interrupted compact is undone); from then on FLAT holds everything (it is finished).
 */
export interface CompactOp {
  volume: string
  /** The volume's labels as it was (its overlay labels included). */
  labels: Record<string, string>
  flat: string
  copied?: boolean
}

/** The labels of a volume without its copy-on-write ones (a plain volume's). */
export function withoutCow(labels: Record<string, string>): Record<string, string> {
  const out = {...labels}
  delete out[COW_LABEL.lowers]
  delete out[COW_LABEL.upper]
  return out
}
