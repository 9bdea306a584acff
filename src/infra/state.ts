/**
 * berth's own small state per project, outside the volumes (labels cannot change after creation):
 * when each volume was last used, and which seeded volumes are known complete (so a switch needs no
 * look inside them). $BERTH_STATE_DIR, else $XDG_STATE_HOME/berth, else ~/.local/state/berth.
 * Losing this file loses nothing: last-used times restart, and clone checks run once again.
 */
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {projectSlug, shortHash} from '../core/naming.js'
import type {ProjectState} from '../core/state.js'
import type {StatePort} from '../app/ports.js'

export type {ProjectState, StackState, VolumeState} from '../core/state.js'

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_STATE_DIR) return env.BERTH_STATE_DIR
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'berth')
}

export function stateFile(project: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'projects', `${projectSlug(project)}-${shortHash(project)}.json`)
}

export function readState(project: string, env: NodeJS.ProcessEnv = process.env): ProjectState {
  try {
    const value = JSON.parse(readFileSync(stateFile(project, env), 'utf8')) as ProjectState
    return {
      volumes: value.volumes && typeof value.volumes === 'object' ? value.volumes : {},
      ...(Array.isArray(value.paused) && value.paused.length ? {paused: value.paused.filter((x) => typeof x === 'string')} : {}),
      ...(value.stacks && typeof value.stacks === 'object' ? {stacks: value.stacks} : {}),
      ...(value.images && typeof value.images === 'object' ? {images: value.images} : {}),
      // The journals of copy-on-write steps, restores and compacts (finished after a kill -9), and the engine's clone mode.
      ...(value.cow && typeof value.cow === 'object' ? {cow: value.cow} : {}),
      ...(value.restoring && typeof value.restoring === 'object' ? {restoring: value.restoring} : {}),
      ...(value.compact && typeof value.compact === 'object' ? {compact: value.compact} : {}),
      ...(value.clone && typeof value.clone === 'object' ? {clone: value.clone} : {}),
    }
  } catch {
    return {volumes: {}}
  }
}

/** Read, change and write back atomically (temp file + rename); best effort, never fails a command. */
export function updateState(project: string, change: (s: ProjectState) => void, env: NodeJS.ProcessEnv = process.env): void {
  const file = stateFile(project, env)
  try {
    const state = readState(project, env)
    change(state)
    mkdirSync(path.dirname(file), {recursive: true})
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`)
    renameSync(tmp, file)
  } catch {
    // state is a convenience; the volumes are the truth
  }
}

/** The state port over the state folder of this environment. */
export function fileState(env: NodeJS.ProcessEnv = process.env): StatePort {
  return {read: (project) => readState(project, env), update: (project, change) => updateState(project, change, env)}
}
