/**
 * Use case: berth watch. Watches this work tree's git HEAD (in a linked worktree, .git is a file
 * pointing at <repo>/.git/worktrees/<name>, which has its own HEAD), berth.yml and the project's own
 * templates. A checkout done anywhere (an IDE, a terminal) restacks: the old branch's stack is
 * paused (kept warm) and the new branch's brought up with its own volumes. A change to berth.yml or a template
 * re-renders and re-ups. Events are debounced; restacks never overlap; node_modules is ignored when
 * registering the watch (not after the fact), so big trees do not exhaust inotify watches.
 */
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'
import {locked as lockedBy} from './locked.js'
import type {Deps} from './ports.js'
import type {Project} from './project.js'
import {freezeBranchStacks, type Reload} from './switch.js'
import {upStack} from './up.js'

export interface WatchOptions {
  env: string
  debounceMs?: number
  /** Bring the stack up once the watch is registered (its failure is the caller's, the watch is closed). */
  upAtStart?: boolean
}

export interface Watcher {
  /** The files watched (absolute). */
  paths: string[]
  /** Resolves when the restack under way (if any) is done. */
  idle(): Promise<void>
  close(): Promise<void>
}

export const isIgnored = (p: string): boolean => /(^|[/\\])(node_modules|\.berth)([/\\]|$)/.test(p)

export async function watchProject(project: Project, options: WatchOptions, reload: Reload, deps: Deps): Promise<Watcher> {
  const info = await deps.git.worktreeInfo(project.root)
  if (!info) throw new BerthError('berth watch needs a git repository (it follows the checked-out branch)', {exitCode: ExitCode.GIT})
  const head = path.join(info.gitDir, 'HEAD')
  const own = path.resolve(project.root, project.stack.value.templates ?? 'templates')
  const paths = [head, project.file, own]
  let schedule: () => void = () => undefined
  const watcher = await deps.watcher.watch(paths, isIgnored, (file) => {
    if (!isIgnored(file)) schedule()
  })

  let current = project
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let pending = false
  const locked = <T>(fn: () => Promise<T>) => lockedBy(project, deps, fn)

  const restack = async () => {
    const next = await reload()
    const from = current.ctx.branch
    if (next.ctx.branch !== from) {
      deps.reporter.info(`Branch changed: ${from ?? '(none)'} -> ${next.ctx.branch ?? '(none)'}`)
      await locked(async () => {
        await freezeBranchStacks(current, from, deps)
        await upStack(next, {env: options.env}, deps)
      })
    } else {
      deps.reporter.info('Configuration changed: rendering and updating the stack')
      await locked(() => upStack(next, {env: options.env}, deps).then(() => undefined))
    }
    current = next
  }

  schedule = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      if (pending) return
      pending = true
      running = running.then(async () => {
        pending = false
        try {
          await restack()
        } catch (error) {
          deps.reporter.warn(`${(error as Error).message}${(error as BerthError).hints?.length ? `\n  Try this: ${(error as BerthError).hints.join('\n  Try this: ')}` : ''}`)
        }
      })
    }, options.debounceMs ?? 300)
  }

  if (options.upAtStart) {
    // In the queue, so a change seen meanwhile restacks after it, never alongside it.
    const first = locked(() => upStack(project, {env: options.env}, deps))
    running = first.then(
      () => undefined,
      () => undefined,
    )
    try {
      await first
    } catch (error) {
      if (timer) clearTimeout(timer)
      await watcher.close()
      throw error
    }
  }

  return {
    paths,
    idle: async () => {
      while (timer || pending) await new Promise((r) => setTimeout(r, 50))
      await running
    },
    close: async () => {
      if (timer) clearTimeout(timer)
      await watcher.close()
      await running
    },
  }
}
