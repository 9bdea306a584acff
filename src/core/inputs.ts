/**
 * The inputs of a render, recorded and replayed. Loading a project and rendering it read files,
 * list folders, check that paths exist and hash lock files, all through a ProjectIO. A recorder
 * logs every question with a digest of its answer; replaying the log asks the same questions again
 * and tells whether every answer is still the same. Rendering is deterministic in those answers
 * (and in the cache key: see render-cache.ts), so an unchanged log means an unchanged result.
 * Pure: the IO is handed in.
 */
import {createHash} from 'node:crypto'
import type {RenderIO} from './render.js'

export interface ProjectIO extends RenderIO {
  /** A file's text (UTF-8); throws when it cannot be read. */
  readText(absPath: string): string
  /** A folder's entries; throws when it cannot be listed. */
  listDir(absPath: string): string[]
}

/** One question and (a digest of) its answer; a digest of null: the read threw. */
export type InputRead =
  | {op: 'read'; path: string; digest: string | null}
  | {op: 'list'; path: string; digest: string | null}
  | {op: 'exists'; path: string; answer: boolean}
  | {op: 'hash'; paths: string[]; answer: string}

export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Entries in the order the IO gave them (a different order counts as a different answer). */
function listDigest(entries: string[]): string {
  return digest(entries.join('\0'))
}

function attempt<T>(fn: () => T): {ok: true; value: T} | {ok: false; error: unknown} {
  try {
    return {ok: true, value: fn()}
  } catch (error) {
    return {ok: false, error}
  }
}

/** An IO that answers through `io` and appends every question and answer to `log`. */
export function recordingIO(io: ProjectIO, log: InputRead[]): ProjectIO {
  return {
    readText(p) {
      const r = attempt(() => io.readText(p))
      log.push({op: 'read', path: p, digest: r.ok ? digest(r.value) : null})
      if (!r.ok) throw r.error
      return r.value
    },
    listDir(p) {
      const r = attempt(() => io.listDir(p))
      log.push({op: 'list', path: p, digest: r.ok ? listDigest(r.value) : null})
      if (!r.ok) throw r.error
      return r.value
    },
    exists(p) {
      const answer = io.exists(p)
      log.push({op: 'exists', path: p, answer})
      return answer
    },
    hashFiles(paths) {
      const answer = io.hashFiles(paths)
      log.push({op: 'hash', paths: [...paths], answer})
      return answer
    },
  }
}

/** Ask every recorded question again: true when every answer is the same as recorded. */
export function replayInputs(log: readonly InputRead[], io: ProjectIO): boolean {
  for (const entry of log) {
    if (!sameAnswer(entry, io)) return false
  }
  return true
}

function sameAnswer(entry: InputRead, io: ProjectIO): boolean {
  switch (entry.op) {
    case 'read': {
      const r = attempt(() => io.readText(entry.path))
      return (r.ok ? digest(r.value) : null) === entry.digest
    }
    case 'list': {
      const r = attempt(() => io.listDir(entry.path))
      return (r.ok ? listDigest(r.value) : null) === entry.digest
    }
    case 'exists':
      return io.exists(entry.path) === entry.answer
    case 'hash':
      return io.hashFiles(entry.paths) === entry.answer
    default:
      return false
  }
}

/** Whether `log` begins with exactly the questions and answers of `prefix`. */
export function startsWith(log: readonly InputRead[], prefix: readonly InputRead[]): boolean {
  if (prefix.length > log.length) return false
  return prefix.every((p, i) => sameRead(p, log[i]))
}

export function sameRead(a: InputRead, b: InputRead): boolean {
  if (a.op !== b.op) return false
  switch (a.op) {
    case 'read':
    case 'list':
      return a.path === (b as typeof a).path && a.digest === (b as typeof a).digest
    case 'exists':
      return a.path === (b as typeof a).path && a.answer === (b as typeof a).answer
    case 'hash': {
      const o = b as typeof a
      return a.answer === o.answer && a.paths.length === o.paths.length && a.paths.every((p, i) => p === o.paths[i])
    }
    default:
      return false
  }
}

/** A log read back from a file: every entry well formed, or undefined. */
export function parseInputLog(value: unknown): InputRead[] | undefined {
  if (!Array.isArray(value)) return undefined
  const str = (v: unknown) => typeof v === 'string'
  for (const e of value as Array<Record<string, unknown>>) {
    if (typeof e !== 'object' || e === null) return undefined
    const ok =
      ((e.op === 'read' || e.op === 'list') && str(e.path) && (e.digest === null || str(e.digest))) ||
      (e.op === 'exists' && str(e.path) && typeof e.answer === 'boolean') ||
      (e.op === 'hash' && Array.isArray(e.paths) && e.paths.every(str) && str(e.answer))
    if (!ok) return undefined
  }
  return value as InputRead[]
}
