/** git facts and actions for per-branch data and switching; argv arrays only (branch names reach no shell). */
import {realpathSync} from 'node:fs'
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'
import {worktreePortOffset, type BaseBranchFacts} from '../core/branches.js'
import type {GitPort, WorktreeInfo} from '../app/ports.js'
import {currentBranch, findWorkTree, git} from './git.js'

export type {WorktreeInfo} from '../app/ports.js'

/** Where this work tree's git data is; undefined outside git. */
export async function worktreeInfo(cwd: string): Promise<WorktreeInfo | undefined> {
  let r
  try {
    r = await git(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir', '--show-toplevel'], cwd)
  } catch {
    return undefined
  }
  if (r.code !== 0) return undefined
  const [gitDir, commonDir, top] = r.stdout.split('\n').map((l) => l.trim())
  if (!gitDir || !commonDir) return undefined
  const linked = path.resolve(gitDir) !== path.resolve(commonDir)
  return {gitDir, commonDir, top: top ?? cwd, linked, name: linked ? path.basename(gitDir) : ''}
}

export async function localBranches(cwd: string): Promise<string[]> {
  const r = await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads'], cwd)
  if (r.code !== 0) throw new BerthError(`git for-each-ref failed: ${r.stderr.trim()}`, {exitCode: ExitCode.GIT})
  return r.stdout.split('\n').filter(Boolean)
}

export async function baseBranchFacts(cwd: string, configured?: string): Promise<BaseBranchFacts> {
  const [origin, init, local] = await Promise.all([
    git(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], cwd),
    git(['config', '--get', 'init.defaultBranch'], cwd),
    localBranches(cwd).catch(() => [] as string[]),
  ])
  const originHead = origin.code === 0 ? origin.stdout.trim().replace(/^origin\//, '') : undefined
  const initDefault = init.code === 0 ? init.stdout.trim() : undefined
  return {configured, originHead: originHead || undefined, initDefault: initDefault || undefined, local}
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  const r = await git(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], cwd)
  return r.code === 0
}

/** Tracked files with changes (staged or not); untracked files do not count (a checkout keeps them). */
export async function dirtyFiles(cwd: string): Promise<string[]> {
  const r = await git(['status', '--porcelain', '--untracked-files=no'], cwd)
  if (r.code !== 0) throw new BerthError(`git status failed: ${r.stderr.trim()}`, {exitCode: ExitCode.GIT})
  return r.stdout.split('\n').filter(Boolean).map((l) => l.slice(3))
}

async function must(args: string[], cwd: string, what: string): Promise<string> {
  const r = await git(args, cwd)
  if (r.code !== 0) {
    throw new BerthError(`${what} failed: ${r.stderr.trim() || r.stdout.trim()}`, {exitCode: ExitCode.GIT})
  }
  return r.stdout
}

export async function stash(cwd: string, message: string): Promise<void> {
  await must(['stash', 'push', '--message', message], cwd, 'git stash')
}

/** Check a branch out (creating it from HEAD when asked). */
export async function checkout(cwd: string, branch: string, create: boolean): Promise<void> {
  await must(create ? ['switch', '--create', branch] : ['switch', branch], cwd, `git switch ${JSON.stringify(branch)}`)
}

/** A file's text at a revision (`file` relative to cwd); undefined when the revision has no such file. */
export async function showFile(cwd: string, rev: string, file: string): Promise<string | undefined> {
  if (rev.startsWith('-') || rev.includes(':')) throw new BerthError(`not a branch name: ${JSON.stringify(rev)}`, {exitCode: ExitCode.USAGE})
  const known = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], cwd)
  if (known.code !== 0) {
    throw new BerthError(`git knows no branch or commit ${JSON.stringify(rev)}`, {exitCode: ExitCode.GIT, hints: ['List the branches with: git branch --all']})
  }
  const r = await git(['cat-file', 'blob', `${rev}:./${file}`], cwd)
  return r.code === 0 ? r.stdout : undefined
}

/** The port offset of the work tree at cwd (0 for the main checkout and outside git). */
export async function worktreeOffsetOf(cwd: string): Promise<number> {
  // The usual layouts are read from the files (no process on every command); git answers the rest.
  const fast = findWorkTree(cwd)
  // No .git above cwd: outside git, as currentBranch decides too (no git process on every render there).
  if (!fast && !process.env.GIT_DIR) return 0
  if (fast && !fast.linked) return 0
  if (fast && path.basename(path.dirname(fast.gitDir)) === 'worktrees') {
    return worktreePortOffset({linked: true, name: path.basename(fast.gitDir), path: realpathSync(fast.top)})
  }
  const info = await worktreeInfo(cwd)
  if (!info?.linked) return 0
  return worktreePortOffset({linked: true, name: info.name, path: info.top})
}

/** The git port: every call an argv array, run in the folder given. */
export function gitAdapter(env: NodeJS.ProcessEnv = process.env): GitPort {
  return {
    currentBranch: (root) => currentBranch(root, env),
    worktreeOffset: worktreeOffsetOf,
    worktreeInfo,
    localBranches,
    baseBranchFacts,
    dirtyFiles,
    branchExists,
    stash,
    checkout,
    showFile,
  }
}
