/**
 * The shape of berth's small state per project, kept outside the volumes (labels cannot change after
 * creation). Losing it loses nothing: last-used times restart, and clone checks run once again.
 */
export interface VolumeState {
  /** ISO time of the last up that used it. */
  lastUsed?: string
  /** The seed id (or CreatedAt) of the volume when its seeding was last seen complete. */
  complete?: string
}

export interface StackState {
  /** Digest of the Compose file last brought up. */
  yaml?: string
  /** Since when it is paused (kept warm). */
  pausedAt?: string
}

import type {CloneMode, CompactOp, CowOp, RestoreOp} from './cow.js'

export interface ProjectState {
  volumes: Record<string, VolumeState>
  /** Containers paused for a copy and not yet resumed (a berth killed mid-copy leaves them here). */
  paused?: string[]
  /** Copies running in the warm volume helper, by job (its target volume): a berth killed mid-copy leaves them here, and the next command stops them. */
  copying?: Array<{job: string; image: string; root: string}>
  /** Per stack (Compose project): the digest of the file last brought up, and since when it is paused (kept warm). */
  stacks?: Record<string, StackState>
  /** Copy-on-write steps under way, by target volume (finished by the next berth command after a crash). */
  cow?: Record<string, CowOp>
  /** Snapshot restores under way, by data volume (finished by the next berth command after a crash). */
  restoring?: Record<string, RestoreOp>
  /** Copy-on-write volumes being flattened into plain ones (berth volumes compact), by volume. */
  compact?: Record<string, CompactOp>
  /** How this engine makes branch volumes (probed once per engine). */
  clone?: {engine: string; mode: CloneMode; why?: string; metacopy?: boolean}
  /** Per image berth built (berth/PROJECT-SERVICE:ENV-BRANCHID): its ID and the digest of the context it was built from. */
  images?: Record<string, BuiltImageState>
}

export interface BuiltImageState {
  id: string
  /** Digest of the build context, Dockerfile and build settings. */
  digest: string
}
