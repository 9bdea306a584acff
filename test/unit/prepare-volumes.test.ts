// Preparing a stack's volumes, with an engine in memory: an interrupted copy is finished, a complete one
// is left alone (and remembered), and a container left paused by a killed copy is resumed first.
import {describe, expect, it} from 'vitest'
import type {Project} from '../../src/app/project.js'
import {prepareVolumes} from '../../src/app/volumes/prepare.js'
import {branchDataVolume, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../src/core/naming.js'
import type {RenderResult} from '../../src/core/render.js'
import {FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'

const project = {root: '/repo', ctx: {branch: 'feat', images: {}}, stack: {value: {name: 'shop'}}} as unknown as Project
const mainDb = branchDataVolume({project: 'shop', env: 'dev', branch: 'main', service: 'db', key: 'data'})
const featDb = branchDataVolume({project: 'shop', env: 'dev', branch: 'feat', service: 'db', key: 'data'})
const result = {
  env: {name: 'dev'},
  volumes: [{name: featDb, service: 'db', key: 'data', kind: 'data', path: '/var/lib/postgresql/data', seed: 'base', labels: {'dev.berth.project': 'shop'}}],
} as unknown as RenderResult

function setUp(check: string) {
  const engine = new FakeEngine()
  engine.helperOutput = {check, clone: ''}
  engine.volumesByName.set(mainDb, {'dev.berth.project': 'shop'})
  engine.volumesByName.set(featDb, {'dev.berth.project': 'shop', [SEED_FROM_LABEL]: mainDb, [SEED_ID_LABEL]: 'seed-1'})
  const state = memoryState()
  return {engine, state, deps: testDeps({engine, state, env: {}})}
}

describe('preparing volumes with fakes', () => {
  it('finishes a copy that was interrupted (the marker is still there), from the same source', async () => {
    const {engine, state, deps} = setUp('marker')
    await prepareVolumes(project, result, deps)
    expect(engine.calls).toContain(`helper clone ${featDb}:/to ${mainDb}:/from:ro`)
    expect(state.read('shop').volumes[featDb]?.complete).toBe('seed-1')
  })

  it('leaves a complete copy alone, and remembers it so the next up does not look inside', async () => {
    const {engine, state, deps} = setUp('complete')
    await prepareVolumes(project, result, deps)
    expect(engine.calls.filter((c) => c.startsWith('helper clone'))).toEqual([])
    expect(engine.calls.filter((c) => c.startsWith('helper check'))).toHaveLength(1)
    await prepareVolumes(project, result, deps)
    expect(engine.calls.filter((c) => c.startsWith('helper check'))).toHaveLength(1)
    expect(state.read('shop').volumes[featDb]?.lastUsed).toBeTruthy()
  })

  it('resumes a container a killed copy left paused, before anything else', async () => {
    const {engine, state, deps} = setUp('complete')
    const db = engine.addContainer('shop-dev-main-db-1', {'com.docker.compose.service': 'db'}, 'paused')
    state.update('shop', (s) => void (s.paused = [db]))
    await prepareVolumes(project, result, deps)
    expect(engine.containersById.get(db)?.State).toBe('running')
    expect(engine.calls.indexOf('unpause db')).toBeLessThan(engine.calls.findIndex((c) => c.startsWith('helper')))
    expect(state.read('shop').paused ?? []).toEqual([])
  })

  it('pauses a database the copy reads again when the engine cannot freeze it at once, and resumes it after', async () => {
    const engine = new FakeEngine()
    engine.helperOutput = {clone: ''}
    engine.volumesByName.set(mainDb, {'dev.berth.project': 'shop'})
    const db = engine.addContainer('shop-dev-main-db-1', {'com.docker.compose.service': 'db'}, 'running')
    engine.users[mainDb] = [db]
    engine.pauseFailures = 2
    const git = {...testDeps().git, baseBranchFacts: async () => ({originHead: 'main', local: ['main']})}
    await prepareVolumes(project, result, testDeps({engine, git, state: memoryState(), env: {}, clock: {now: () => Date.now(), sleep: async () => undefined}}))
    expect(engine.calls.indexOf('pause db')).toBeLessThan(engine.calls.findIndex((c) => c.startsWith('helper clone')))
    expect(engine.containersById.get(db)?.State).toBe('running')
  })
})
