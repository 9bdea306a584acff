/** git, always with argv arrays: branch names can hold ; $() quotes | and unicode. */
import {execFile} from 'node:child_process'
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
