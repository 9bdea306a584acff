/** berth volumes ls: the project's volumes, with their branch, size, whether git still has the branch, last use. */
import {HELPER_LABEL, LABEL} from '../../core/naming.js'
import type {Deps, VolumeInfo} from '../ports.js'
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
  /** Bytes, or null when unknown. */
  size: number | null
  /** Whether git still has the branch (null for shared and cache volumes, or outside git). */
  branchInGit: boolean | null
  current: boolean
  lastUsed: string | null
  createdAt: string | null
}

function toEntry(v: VolumeInfo, sizes: Map<string, number>, branches: Set<string> | undefined, current: string | null, lastUsed: Record<string, {lastUsed?: string}>): VolumeEntry {
  const l = v.Labels ?? {}
  const kind = l[LABEL.kind] ?? 'data'
  const branch = l[LABEL.branch] ?? ''
  const size = sizes.get(v.Name)
  return {
    project: l[LABEL.project] ?? '',
    env: l[LABEL.env] ?? '',
    branch,
    service: l[LABEL.service] ?? '',
    key: l[LABEL.volume] ?? '',
    kind,
    volume: v.Name,
    size: size === undefined || size < 0 ? null : size,
    branchInGit: kind === 'data' && branch && branches ? branches.has(branch) : null,
    current: kind === 'data' && branch === current,
    lastUsed: lastUsed[v.Name]?.lastUsed ?? null,
    createdAt: v.CreatedAt ?? null,
  }
}

export async function listVolumes(project: Project, deps: Pick<Deps, 'engine' | 'git' | 'state' | 'lock' | 'reporter' | 'clock'>, options: {sizes?: boolean} = {}): Promise<VolumeEntry[]> {
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
  return volumes
    .filter((v) => !v.Labels?.[HELPER_LABEL])
    .map((v) => toEntry(v, sizes, branches, project.ctx.branch, state.volumes))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.branch.localeCompare(b.branch) || a.env.localeCompare(b.env) || a.volume.localeCompare(b.volume))
}
