/**
 * Pure rules for per-branch data: which branch a new branch's data starts from, which port block a
 * linked worktree gets, which volumes `volumes prune` may remove. No I/O here.
 */
import {shortHash} from './naming.js'

export interface BaseBranchFacts {
  /** berth.yml `base_branch`. */
  configured?: string
  /** The branch origin/HEAD points at ("main" for refs/remotes/origin/main), if any. */
  originHead?: string
  /** git config init.defaultBranch, if set. */
  initDefault?: string
  /** Local branch names. */
  local: string[]
}

/**
 * The base branch: berth.yml base_branch, else origin/HEAD, else init.defaultBranch (when that
 * branch exists), else main, else master (whichever exists), else init.defaultBranch or "main".
 */
export function resolveBaseBranch(f: BaseBranchFacts): string {
  if (f.configured) return f.configured
  if (f.originHead) return f.originHead
  const local = new Set(f.local)
  if (f.initDefault && local.has(f.initDefault)) return f.initDefault
  if (local.has('main')) return 'main'
  if (local.has('master')) return 'master'
  return f.initDefault || 'main'
}

export const PORT_BLOCK = {step: 100, min: 100, max: 5000} as const

/**
 * The host port offset of a work tree: 0 for the main checkout; a linked worktree gets a block from
 * a hash of its name (the folder under .git/worktrees) and path: 100, 200, ... 5000.
 */
export function worktreePortOffset(worktree: {linked: boolean; name: string; path: string}): number {
  if (!worktree.linked) return 0
  const blocks = (PORT_BLOCK.max - PORT_BLOCK.min) / PORT_BLOCK.step + 1
  const n = Number.parseInt(shortHash(`${worktree.name}\0${worktree.path}`, 8), 16) % blocks
  return PORT_BLOCK.min + n * PORT_BLOCK.step
}

/** Compose writes a literal "$" as "$$"; labels given to the engine directly need the plain text. */
export function unescapeDollars(text: string): string {
  return text.replace(/\$\$/g, '$')
}

export interface VolumeRow {
  kind: string
  branch: string
}

/**
 * The volumes `volumes prune` may remove: data volumes of a branch git no longer has. Never shared
 * or cache volumes, never the current branch, never a volume without a branch (outside git) nor a
 * detached HEAD's ("detached-<sha>": there is no branch to ask git about) unless asked (`detached`).
 */
export function selectPrunable<T extends VolumeRow>(volumes: T[], gitBranches: Iterable<string>, current: string | null, options: {detached?: boolean} = {}): T[] {
  const known = new Set(gitBranches)
  return volumes.filter(
    (v) => v.kind === 'data' && v.branch !== '' && (options.detached || !v.branch.startsWith('detached-')) && v.branch !== current && !known.has(v.branch),
  )
}

/** The state of a data volume that was (or is being) seeded by a clone, from a helper's look inside. */
export type CloneCheck = 'complete' | 'incomplete'

/** A clone is complete when the marker is gone and something was copied (an empty target is redone: nothing to lose). */
export function judgeClone(markerPresent: boolean, empty: boolean): CloneCheck {
  return markerPresent || empty ? 'incomplete' : 'complete'
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || bytes < 0) return '-'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}
