/**
 * Names derived from project, environment and git branch. Every name is a valid Compose project
 * or Docker object name, stable for the same input, and distinct inputs never share a name:
 * a readable slug plus a short hash of the exact original text.
 */
import {createHash} from 'node:crypto'

/** The stack file at the root of an app repository. */
export const STACK_FILE = 'berth.yml'
/** The folder of generated files next to it (it ignores itself in git). */
export const OUTPUT_DIR = '.berth'

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length)
}

/** Lowercase ASCII letters and digits joined by "-", at most `max` characters, possibly empty. */
export function slug(text: string, max = 24): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '')
}

/** The id of a branch in names: "feat-login-3f2a9c1d". Outside git: "nogit". */
export function branchId(branch: string | null): string {
  if (branch === null) return 'nogit'
  return `${slug(branch, 24) || 'branch'}-${shortHash(branch)}`
}

export function projectSlug(name: string): string {
  return slug(name, 24) || 'berth'
}

/** The Compose project name of a stack: PROJECT-ENV-BRANCHID. */
export function composeProjectName(name: string, env: string, branch: string | null): string {
  return `${projectSlug(name)}-${slug(env, 16)}-${branchId(branch)}`
}

/**
 * The image berth builds for a service: berth/PROJECT-SERVICE:ENV-BRANCHID, a valid lowercase Docker
 * reference, one per project, service, environment and branch. A service name that is not already its own
 * slug gets a short hash (a_b and a-b differ).
 */
export function builtImageName(project: string, service: string, env: string, branch: string | null): string {
  const s = slug(service, 40)
  const svc = s === service ? s : `${s || 'service'}-${shortHash(service, 6)}`
  return `berth/${projectSlug(project)}-${svc}:${slug(env, 16) || 'env'}-${branchId(branch)}`
}

export type VolumeKind = 'data' | 'shared' | 'cache'

export interface VolumeNameInput {
  project: string
  env: string
  branch: string | null
  service: string
  key: string
  kind: VolumeKind
  /** Content hash for cache volumes. */
  contentHash?: string
}

/**
 * data:   PROJECT-ENV-BRANCHID_SERVICE-KEY     (one per branch)
 * shared: PROJECT-ENV_shared_SERVICE-KEY       (one for all branches)
 * cache:  PROJECT_cache_SERVICE-KEY_HASH       (one per content of the key files, e.g. the lockfile)
 */
export function volumeName(v: VolumeNameInput): string {
  const tail = `${v.service}-${v.key}`
  switch (v.kind) {
    case 'shared':
      return `${projectSlug(v.project)}-${slug(v.env, 16)}_shared_${tail}`
    case 'cache':
      return `${projectSlug(v.project)}_cache_${tail}_${(v.contentHash ?? 'none').slice(0, 12)}`
    default:
      return `${composeProjectName(v.project, v.env, v.branch)}_${tail}`
  }
}

/** Compose interpolates "$": a value berth writes that is not meant for interpolation escapes it. */
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, '$$$$')
}

export const LABEL = {
  project: 'dev.berth.project',
  env: 'dev.berth.env',
  branch: 'dev.berth.branch',
  service: 'dev.berth.service',
  role: 'dev.berth.role',
  url: 'dev.berth.url',
  volume: 'dev.berth.volume',
  kind: 'dev.berth.kind',
  stack: 'dev.berth.stack',
  worktree: 'dev.berth.worktree',
  /** The host port (on 127.0.0.1) of the Node inspector of a dev service. */
  inspector: 'dev.berth.inspector',
  /** The front door a stack's containers are routed through (src/core/door.ts). */
  door: 'dev.berth.door',
} as const

/** A seeded volume: the volume it was copied from. */
export const SEED_FROM_LABEL = 'dev.berth.seed-from'
/**
 * A seeded volume's identity, set when berth creates it. Docker's CreatedAt of a local volume is the
 * change time of its folder, which moves whenever the service adds a file at the top (redis's dump.rdb):
 * it cannot tell "the volume seen complete" from "a new volume of the same name".
 */
export const SEED_ID_LABEL = 'dev.berth.seed-id'
/** berth's copy and check helper containers. */
export const HELPER_LABEL = 'dev.berth.helper'
/** Written into a volume before a copy starts, removed after it succeeded (runtime/clone.sh). */
export const CLONE_MARKER = '.berth-clone-incomplete'

/** The data volume of a service's key on a branch (where a branch's copy comes from, or goes to). */
export function branchDataVolume(v: {project: string; env: string; branch: string | null; service: string; key: string}): string {
  return volumeName({...v, kind: 'data'})
}
