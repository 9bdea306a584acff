/**
 * One berth command at a time per project: an exclusive lock file (O_EXCL) in the OS temp folder,
 * keyed by the project name, holding the owner's pid. A lock whose pid is gone (kill -9, crash) is
 * stale and taken over. A second command waits up to BERTH_LOCK_TIMEOUT seconds (default 120), then
 * exits with ExitCode.LOCKED.
 */
import {closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'
import {projectSlug, shortHash} from '../core/naming.js'
import type {LockPort} from '../app/ports.js'

export interface LockOptions {
  /** Seconds to wait for another command to finish. */
  timeoutSeconds?: number
  dir?: string
  what?: string
  onWait?: (holder: string) => void
}

export interface Lock {
  file: string
  release(): void
}

export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_LOCK_DIR || path.join(os.tmpdir(), `berth-locks-${os.userInfo().uid}`)
}

export function lockFile(project: string, dir = lockDir()): string {
  return path.join(dir, `${projectSlug(project)}-${shortHash(project)}.lock`)
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readHolder(file: string): {pid: number; what: string} | undefined {
  try {
    const [pid, ...rest] = readFileSync(file, 'utf8').split('\n')
    return {pid: Number(pid), what: rest.join(' ').trim()}
  } catch {
    return undefined
  }
}

function tryCreate(file: string, what: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o600)
    writeSync(fd, `${process.pid}\n${what}\n`)
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

export async function acquireLock(project: string, options: LockOptions = {}): Promise<Lock> {
  const dir = options.dir ?? lockDir()
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = lockFile(project, dir)
  // BERTH_LOCK_TIMEOUT is read (and checked) by the composition root, which hands it in.
  const timeout = options.timeoutSeconds ?? 120
  const deadline = Date.now() + timeout * 1000
  const what = options.what ?? process.argv.slice(2).join(' ')
  let told = false
  for (;;) {
    if (tryCreate(file, what)) break
    const holder = readHolder(file)
    if (holder && !Number.isNaN(holder.pid) && !alive(holder.pid)) {
      // Stale: its owner is gone. Remove it only if it is still the same stale file.
      const again = readHolder(file)
      if (again?.pid === holder.pid) {
        try {
          unlinkSync(file)
        } catch {
          // someone else took it over first
        }
      }
      continue
    }
    if (holder?.pid === process.pid) break // re-entrant within one process
    if (Date.now() >= deadline) {
      throw new BerthError(`another berth command is running for project ${project} (pid ${holder?.pid ?? '?'}${holder?.what ? `: berth ${holder.what}` : ''})`, {
        exitCode: ExitCode.LOCKED,
        hints: ['Wait for it to finish and run this again, or raise BERTH_LOCK_TIMEOUT (seconds).', `A lock left by a crashed berth is cleared automatically; the lock file is ${file}`],
      })
    }
    if (!told) {
      options.onWait?.(`pid ${holder?.pid ?? '?'}${holder?.what ? ` (berth ${holder.what})` : ''}`)
      told = true
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    process.off('exit', release)
    const holder = readHolder(file)
    if (holder?.pid === process.pid) {
      try {
        unlinkSync(file)
      } catch {
        // already gone
      }
    }
  }
  process.on('exit', release)
  return {file, release}
}

export async function withLock<T>(project: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(project, options)
  try {
    return await fn()
  } finally {
    lock.release()
  }
}

/**
 * The lock port: re-entrant within one process (a use case that calls another holds the lock once),
 * waiting up to BERTH_LOCK_TIMEOUT seconds; holdIfFree does not wait at all.
 */
export function fileLock(options: {timeoutSeconds?: number; dir?: string} = {}): LockPort {
  const held = new Map<string, {count: number; lock: Lock}>()
  /** Run fn with the project's lock held by this process (taken by `take` unless it is already). */
  const within = async <T>(project: string, take: () => Promise<Lock>, fn: () => Promise<T>): Promise<T> => {
    const mine = held.get(project) ?? {count: 0, lock: await take()}
    held.set(project, mine)
    mine.count++
    try {
      return await fn()
    } finally {
      if (--mine.count === 0) {
        held.delete(project)
        mine.lock.release()
      }
    }
  }
  return {
    hold: (project, fn, onWait) => within(project, () => acquireLock(project, {...options, onWait}), fn),
    async holdIfFree(project, fn) {
      let lock: Lock | undefined
      if (!held.has(project)) {
        try {
          lock = await acquireLock(project, {...options, timeoutSeconds: 0})
        } catch (error) {
          if ((error as {exitCode?: number}).exitCode === ExitCode.LOCKED) return undefined
          throw error
        }
      }
      return within(project, async () => lock!, fn)
    },
  }
}
