/** berth volumes ls: the project's volumes, with their branch, size, whether git still has the branch, last use. */
import {COW_LABEL, LAYER_KIND, lowersOf, SNAPSHOT_KIND, UPPER_KIND} from '../../core/cow.js'
import {HELPER_LABEL, LABEL} from '../../core/naming.js'
import type {Deps, VolumeInfo} from '../ports.js'
import {helperImage} from './copy.js'
import {pieceSizes} from './cow.js'
import {recoverIfIdle} from '../recover.js'
import type {Project} from '../project.js'

export interface VolumeEntry {
  project: string
  env: string
  branch: string
  service: string
  key: string
  kind: string
  volume: string
  /** Bytes it holds of its own (a copy-on-write volume: its upper folder), or null when unknown. */
  size: number | null
  /** A copy-on-write volume: the frozen layers it stands on (top first), shared with other branches. */
  layers: string[]
  /** Bytes of those layers (counted once per layer, whoever stands on it), or null when unknown; 0 for a plain volume. */
  sharedSize: number | null
  /** Whether git still has the branch (null for shared and cache volumes, or outside git). */
  branchInGit: boolean | null
  current: boolean
  lastUsed: string | null
  createdAt: string | null
}

const known = (size: number | undefined): number | null => (size === undefined || size < 0 ? null : size)

function toEntry(v: VolumeInfo, sizes: Map<string, number>, branches: Set<string> | undefined, current: string | null, lastUsed: Record<string, {lastUsed?: string}>): VolumeEntry {
  const l = v.Labels ?? {}
  const kind = l[LABEL.kind] ?? 'data'
  const branch = l[LABEL.branch] ?? ''
  const layers = lowersOf(l)
  // A copy-on-write volume's own bytes are its upper folder's; the engine measures the volume itself only while mounted.
  const size = known(sizes.get(l[COW_LABEL.upper] ?? v.Name))
  const shared = layers.map((name) => known(sizes.get(name)))
  return {
    project: l[LABEL.project] ?? '',
    env: l[LABEL.env] ?? '',
    branch,
    service: l[LABEL.service] ?? '',
    key: l[LABEL.volume] ?? '',
    kind,
    volume: v.Name,
    size,
    layers,
    sharedSize: shared.includes(null) ? null : shared.reduce<number>((a, b) => a + (b ?? 0), 0),
    branchInGit: kind === 'data' && branch && branches ? branches.has(branch) : null,
    current: kind === 'data' && branch === current,
    lastUsed: lastUsed[v.Name]?.lastUsed ?? null,
    createdAt: v.CreatedAt ?? null,
  }
}

export async function listVolumes(project: Project, deps: Pick<Deps, 'engine' | 'git' | 'state' | 'lock' | 'reporter' | 'clock' | 'install' | 'env'>, options: {sizes?: boolean} = {}): Promise<VolumeEntry[]> {
  const {engine} = deps
  await engine.ping()
  const name = project.stack.value.name
  await recoverIfIdle(name, deps)
  const [volumes, sizes, branches] = await Promise.all([
    engine.volumes({[LABEL.project]: name}),
    options.sizes === false ? Promise.resolve(new Map<string, number>()) : engine.volumeSizes(),
    deps.git.localBranches(project.root).then((b) => new Set(b), () => undefined),
  ])
  const state = deps.state.read(name)
  // Copy-on-write pieces are measured on disk (the engine counts a sparse metacopy file at its full size).
  const pieces = volumes.filter((v) => v.Labels?.[LABEL.kind] === LAYER_KIND || v.Labels?.[LABEL.kind] === UPPER_KIND).map((v) => v.Name)
  if (options.sizes !== false && pieces.length) for (const [k, n] of await pieceSizes(deps, name, helperImage(project, deps.env), pieces)) sizes.set(k, n)
  return volumes
    // Layers and upper folders are parts of the data volumes that stand on them, shown with those; snapshots: berth snapshot ls.
    .filter((v) => !v.Labels?.[HELPER_LABEL] && ![LAYER_KIND, UPPER_KIND, SNAPSHOT_KIND].includes(v.Labels?.[LABEL.kind] ?? ''))
    .map((v) => toEntry(v, sizes, branches, project.ctx.branch, state.volumes))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.branch.localeCompare(b.branch) || a.env.localeCompare(b.env) || a.volume.localeCompare(b.volume))
}
