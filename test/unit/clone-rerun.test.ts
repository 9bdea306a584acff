// berth volumes clone run again after an interruption: it finishes its own unfinished copy, keeps the
// copies it had finished (whatever order the engine lists them in), and refuses anything else.
import {describe, expect, it} from 'vitest'
import type {Project} from '../../src/app/project.js'
import {cloneBranchVolumes} from '../../src/app/volumes/clone.js'
import {ExitCode} from '../../src/core/errors.js'
import {branchDataVolume, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../src/core/naming.js'
import {FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'

const project = {root: '/repo', ctx: {branch: 'main', images: {}}, stack: {value: {name: 'shop'}}} as unknown as Project
const vol = (branch: string, service: string) => branchDataVolume({project: 'shop', env: 'dev', branch, service, key: 'data'})
const labels = (branch: string, service: string) => ({'dev.berth.project': 'shop', 'dev.berth.branch': branch, 'dev.berth.kind': 'data', 'dev.berth.env': 'dev', 'dev.berth.service': service, 'dev.berth.volume': 'data'})

function engineWithMain(): FakeEngine {
  const engine = new FakeEngine()
  engine.helperOutput = {check: 'marker', clone: ''}
  for (const service of ['db', 'cache']) engine.volumesByName.set(vol('main', service), labels('main', service))
  return engine
}

describe('volumes clone, run again', () => {
  it('finishes the unfinished copy and keeps the finished one', async () => {
    const engine = engineWithMain()
    engine.volumesByName.set(vol('feat', 'cache'), {...labels('feat', 'cache'), [SEED_FROM_LABEL]: vol('main', 'cache'), [SEED_ID_LABEL]: 'c1'})
    engine.volumesByName.set(vol('feat', 'db'), {...labels('feat', 'db'), [SEED_FROM_LABEL]: vol('main', 'db'), [SEED_ID_LABEL]: 'd1'})
    const state = memoryState({shop: {volumes: {[vol('feat', 'cache')]: {complete: 'c1'}}}})
    await cloneBranchVolumes(project, 'main', 'feat', 'dev', testDeps({engine, state}))
    expect(engine.calls.filter((c) => c.startsWith('helper clone'))).toEqual([`helper clone ${vol('feat', 'db')}:/to ${vol('main', 'db')}:/from:ro`])
    expect(state.read('shop').volumes[vol('feat', 'db')]?.complete).toBe('d1')
  })

  it('refuses (exit 9) when every target exists and is complete: nothing was interrupted', async () => {
    const engine = engineWithMain()
    for (const service of ['db', 'cache']) engine.volumesByName.set(vol('feat', service), {...labels('feat', service), [SEED_FROM_LABEL]: vol('main', service), [SEED_ID_LABEL]: service})
    const state = memoryState({shop: {volumes: {[vol('feat', 'cache')]: {complete: 'cache'}, [vol('feat', 'db')]: {complete: 'db'}}}})
    const error = await cloneBranchVolumes(project, 'main', 'feat', 'dev', testDeps({engine, state})).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.REFUSED)
    expect(error.message).toMatch(/already has volume .*; berth never overwrites data/)
    expect(engine.calls.filter((c) => c.startsWith('helper'))).toEqual([])
  })

  it('refuses a target that is not a copy of this source, even next to an unfinished one', async () => {
    const engine = engineWithMain()
    engine.volumesByName.set(vol('feat', 'cache'), labels('feat', 'cache'))
    engine.volumesByName.set(vol('feat', 'db'), {...labels('feat', 'db'), [SEED_FROM_LABEL]: vol('main', 'db'), [SEED_ID_LABEL]: 'd1'})
    const error = await cloneBranchVolumes(project, 'main', 'feat', 'dev', testDeps({engine, state: memoryState()})).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.REFUSED)
    expect(engine.calls.filter((c) => c.startsWith('helper'))).toEqual([])
  })
})
