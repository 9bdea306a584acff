// A berth killed with -9 during a copy leaves the source's database paused: the next command resumes it.
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {resumePaused} from '../../src/app/volumes/copy.js'
import {fileState, readState, updateState} from '../../src/infra/state.js'

describe('resuming containers left paused by an interrupted copy', () => {
  const saved = process.env.BERTH_STATE_DIR
  beforeEach(() => {
    process.env.BERTH_STATE_DIR = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.BERTH_STATE_DIR
    else process.env.BERTH_STATE_DIR = saved
  })

  it('unpauses what the state file says was paused, then forgets it', async () => {
    updateState('shop', (s) => void (s.paused = ['aaa', 'bbb']))
    const unpaused: string[] = []
    const engine = {
      unpauseContainer: async (id: string) => {
        if (id === 'bbb') throw Object.assign(new Error('no such container'), {statusCode: 404})
        unpaused.push(id)
      },
    }
    expect(await resumePaused({engine, state: fileState()}, 'shop')).toEqual(['aaa'])
    expect(unpaused).toEqual(['aaa'])
    expect(readState('shop').paused).toBeUndefined()
  })

  it('does nothing when nothing was left paused', async () => {
    const engine = {
      unpauseContainer: async () => {
        throw new Error('must not be called')
      },
    }
    expect(await resumePaused({engine, state: fileState()}, 'shop')).toEqual([])
  })
})

describe('read commands put right what a killed copy left, when no berth command is at work', () => {
  const reporter = {tty: false, step() {}, info() {}, warn() {}, passthrough() {}}
  const clock = {now: () => Date.now(), sleep: async () => undefined}

  /** A paused database recorded in the state, and recoverIfIdle run with the lock free or held by another command. */
  async function recover(lockFree: boolean) {
    const {FakeEngine} = await import('./fake-engine.js')
    const {memoryState} = await import('./fakes.js')
    const {recoverIfIdle} = await import('../../src/app/recover.js')
    const engine = new FakeEngine()
    const db = engine.addContainer('shop-dev-main-db-1', {'com.docker.compose.service': 'db'}, 'paused')
    const state = memoryState({shop: {volumes: {}, paused: [db]}})
    const holdIfFree = lockFree ? <T>(_p: string, fn: () => Promise<T>) => fn() : async () => undefined
    const lock = {hold: <T>(_p: string, fn: () => Promise<T>) => fn(), holdIfFree}
    return {engine, db, resumed: await recoverIfIdle('shop', {engine, state, lock, reporter, clock})}
  }

  it('resumes the paused container when the lock is free', async () => {
    const {engine, db, resumed} = await recover(true)
    expect(resumed).toEqual([db])
    expect(engine.containersById.get(db)?.State).toBe('running')
  })

  it('leaves it paused while another berth command holds the lock (its copy pauses on purpose)', async () => {
    const {engine, db, resumed} = await recover(false)
    expect(resumed).toEqual([])
    expect(engine.containersById.get(db)?.State).toBe('paused')
  })
})
