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
