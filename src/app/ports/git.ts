/** git: branches, worktrees, files at a revision. (Part of the ports: src/app/ports.ts.) */
import type {BaseBranchFacts} from '../../core/branches.js'

export interface WorktreeInfo {
  /** This work tree's git dir (.git, or .git/worktrees/NAME in a linked worktree): holds its HEAD. */
  gitDir: string
  /** The repository's common dir (.git of the main checkout). */
  commonDir: string
  /** Top folder of this work tree. */
  top: string
  linked: boolean
  /** The worktree's name (folder under .git/worktrees), or "" for the main checkout. */
  name: string
}

export interface GitPort {
  /** The branch checked out (BERTH_BRANCH wins), "detached-<sha>" on a detached HEAD, null outside git. */
  currentBranch(root: string): Promise<string | null>
  /** A linked worktree's port block (0 for the main checkout or outside git). */
  worktreeOffset(root: string): Promise<number>
  worktreeInfo(cwd: string): Promise<WorktreeInfo | undefined>
  localBranches(cwd: string): Promise<string[]>
  baseBranchFacts(cwd: string, configured?: string): Promise<BaseBranchFacts>
  dirtyFiles(cwd: string): Promise<string[]>
  branchExists(cwd: string, branch: string): Promise<boolean>
  stash(cwd: string, message: string): Promise<void>
  checkout(cwd: string, branch: string, create: boolean): Promise<void>
  /**
   * A file's text at a branch (or any revision): `file` relative to cwd. undefined when the revision has
   * no such file; throws a BerthError (GIT) when the revision is unknown.
   */
  showFile(cwd: string, rev: string, file: string): Promise<string | undefined>
}
