/** git, always with argv arrays: branch names can hold ; $() quotes | and unicode. */
import {execFile} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'

export interface GitResult {
  code: number
  stdout: string
  stderr: string
}

export function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, {cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new BerthError('git is not installed or not on PATH', {exitCode: ExitCode.GIT, cause: error}))
        return
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, stdout, stderr})
    })
  })
}

/**
 * The branch checked out in the work tree at cwd; null outside git.
 * A detached HEAD is named "detached-<short sha>". BERTH_BRANCH overrides (for CI and tests).
 */
export async function currentBranch(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.BERTH_BRANCH) return env.BERTH_BRANCH
  const fast = branchFromHeadFile(cwd)
  if (fast) return fast
  if (!findGitDir(cwd)) return null
  let head: GitResult
  try {
    head = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], cwd)
  } catch {
    return null
  }
  if (head.code === 0) return head.stdout.trim()
  const sha = await git(['rev-parse', '--short', 'HEAD'], cwd)
  if (sha.code === 0) return `detached-${sha.stdout.trim()}`
  const inside = await git(['rev-parse', '--is-inside-work-tree'], cwd)
  if (inside.code === 0) {
    // A repository without commits: HEAD names the unborn branch.
    const unborn = await git(['symbolic-ref', '--short', 'HEAD'], cwd)
    if (unborn.code === 0) return unborn.stdout.trim()
  }
  return null
}

/** The git folder of the work tree holding cwd: `.git` itself, or where a worktree's `.git` file points. */
export function findGitDir(cwd: string): string | undefined {
  return findWorkTree(cwd)?.gitDir
}

/**
 * The work tree holding cwd, from the files alone (no process): its top folder, its git folder, and
 * whether it is a linked worktree (`.git` is a file pointing at <repo>/.git/worktrees/<name>).
 */
export function findWorkTree(cwd: string): {top: string; gitDir: string; linked: boolean} | undefined {
  let dir = path.resolve(cwd)
  for (;;) {
    const dotGit = path.join(dir, '.git')
    try {
      const st = statSync(dotGit)
      if (st.isDirectory()) return {top: dir, gitDir: dotGit, linked: false}
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))
      if (m) return {top: dir, gitDir: path.resolve(dir, m[1].trim()), linked: true}
      return undefined
    } catch {
      const parent = path.dirname(dir)
      if (parent === dir) return undefined
      dir = parent
    }
  }
}

/**
 * The branch named by HEAD, read from the file (no process: start-up time matters for render).
 * undefined when HEAD is not a plain symbolic ref (detached, unusual layouts): then ask git.
 */
export function branchFromHeadFile(cwd: string): string | undefined {
  const gitDir = findGitDir(cwd)
  if (!gitDir) return undefined
  try {
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8')
    const m = /^ref: refs\/heads\/(.+)\n?$/.exec(head)
    return m ? m[1] : undefined
  } catch {
    return undefined
  }
}
