// The state file keeps the journals berth finishes after a kill -9 (copy-on-write steps, restores, compacts) and
// the engine's clone mode across commands: a later update of another key must not drop them.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {readState, updateState} from '../../src/infra/state.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

describe('the state file', () => {
  it('keeps cow, restoring, compact and clone through an update of something else', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-state-test-'))
    dirs.push(dir)
    const env = {BERTH_STATE_DIR: dir}
    const op = {volume: 'v', labels: {}, flat: 'v_flat-1', copied: true}
    updateState('shop', (s) => {
      s.compact = {v: op}
      s.cow = {t: {source: 's', from: 'plain', lowers: [], sourceUpper: 'u', sourceLabels: {}}}
      s.restoring = {v: {volume: 'v', snapshot: 'snap', labels: {}}}
      s.clone = {engine: 'e', mode: 'overlay'}
    }, env)
    updateState('shop', (s) => void (s.volumes.v = {lastUsed: 'now'}), env)
    const s = readState('shop', env)
    expect(s.compact).toEqual({v: op})
    expect(Object.keys(s.cow ?? {})).toEqual(['t'])
    expect(Object.keys(s.restoring ?? {})).toEqual(['v'])
    expect(s.clone).toEqual({engine: 'e', mode: 'overlay'})
    expect(s.volumes.v.lastUsed).toBe('now')
  })
})
