// berth volumes compact with an engine in memory: a branch's copy-on-write volume is copied into a plain volume
// whose folder takes its place, its stack stopped for it, the layers nothing else stands on removed; without a
// confirmation nothing happens; a kill -9 before the copy is complete is undone, after it finished.
import {describe, expect, it} from 'vitest'
import type {Project} from '../../src/app/project.js'
import {compactBranchVolumes} from '../../src/app/volumes/compact.js'
import {finishCompactOps} from '../../src/app/volumes/flatten.js'
import {COW_LABEL, lowersOf, type CompactOp} from '../../src/core/cow.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'

const project = {root: '/repo', ctx: {branch: 'main', images: {}}, stack: {value: {name: 'shop'}}} as unknown as Project
const base = {'dev.berth.project': 'shop', 'dev.berth.env': 'dev', 'dev.berth.kind': 'data', 'dev.berth.service': 'db', 'dev.berth.volume': 'data'}
const FEAT = 'shop-dev-feat_db-data'

function setUp() {
  const engine = new FakeEngine()
  const state = memoryState()
  const deps = testDeps({engine, state, compose: new FakeCompose(engine)}, {BERTH_CONFIG: '/nonexistent'})
  const layer = {'dev.berth.project': 'shop', 'dev.berth.kind': 'layer'}
  engine.volumesByName.set('shop_layer_1', layer)
  engine.volumesByName.set('shop_layer_2', layer)
  // main stands on layer 1; feat on layers 2 and 1, with its own upper volume
  engine.volumesByName.set('shop-dev-main_db-data', {...base, 'dev.berth.branch': 'main', [COW_LABEL.lowers]: 'shop_layer_1', [COW_LABEL.upper]: 'main-up'})
  engine.volumesByName.set(FEAT, {...base, 'dev.berth.branch': 'feat', [COW_LABEL.lowers]: 'shop_layer_2,shop_layer_1', [COW_LABEL.upper]: 'feat-up'})
  engine.volumesByName.set('feat-up', {'dev.berth.project': 'shop', 'dev.berth.kind': 'upper'})
  return {engine, state, deps}
}
const flatOf = (engine: FakeEngine) => [...engine.volumesByName.keys()].find((n) => n.includes('_flat-'))

describe('berth volumes compact', () => {
  it("copies the branch's merged view into a plain volume that takes its place, and removes the layer nothing else uses", async () => {
    const {engine, state, deps} = setUp()
    const db = engine.addContainer('feat-db', {'dev.berth.project': 'shop', 'com.docker.compose.project': 'shop-feat'}, 'exited')
    engine.users[FEAT] = [db]
    const r = await compactBranchVolumes(project, {branch: 'feat', env: 'dev', yes: true}, deps)
    expect(r.volumes).toEqual([{volume: FEAT, layers: ['shop_layer_2', 'shop_layer_1']}])
    // its stack was stopped first (not restarted: it is not the current branch's)
    expect(engine.calls.indexOf('compose down')).toBeGreaterThanOrEqual(0)
    expect(r.restarted).toBe(false)
    const copy = engine.calls.find((c) => c.startsWith('helper clone'))!
    expect(copy).toMatch(new RegExp(`^helper clone ${FEAT}_flat-[0-9a-f]+:/to ${FEAT}:/from:ro$`))
    expect(engine.calls.indexOf(copy)).toBeGreaterThan(engine.calls.indexOf('compose down'))
    const flat = copy.split(' ')[2].split(':')[0]
    // the copy is complete before the overlay volume goes; the flat folder is renamed onto the new plain one
    expect(engine.calls.indexOf(`rm volume ${FEAT}`)).toBeGreaterThan(engine.calls.indexOf(copy))
    expect(engine.calls).toContain(`cow freeze /vols/${flat}/_data /vols/${FEAT}/_data`)
    const labels = engine.volumesByName.get(FEAT)!
    expect(lowersOf(labels)).toEqual([])
    expect(labels[COW_LABEL.upper]).toBeUndefined()
    expect(labels['dev.berth.branch']).toBe('feat')
    for (const gone of [flat, 'feat-up', 'shop_layer_2']) expect(engine.volumesByName.has(gone), gone).toBe(false)
    // main still stands on layer 1
    expect(engine.volumesByName.has('shop_layer_1')).toBe(true)
    expect(r.removed).toEqual(['shop_layer_2'])
    expect(state.read('shop').compact ?? {}).toEqual({})
  })

  it('changes nothing without a confirmation (no terminal, no --yes): exit 2', async () => {
    const {engine, deps} = setUp()
    await expect(compactBranchVolumes(project, {branch: 'feat', env: 'dev'}, deps)).rejects.toMatchObject({exitCode: 2})
    expect(engine.calls.filter((c) => c.startsWith('rm volume') || c.startsWith('helper') || c.startsWith('volume'))).toEqual([])
    expect(lowersOf(engine.volumesByName.get(FEAT))).toHaveLength(2)
  })

  it('leaves a plain branch alone', async () => {
    const {engine, deps} = setUp()
    engine.volumesByName.set(FEAT, {...base, 'dev.berth.branch': 'feat'})
    const r = await compactBranchVolumes(project, {branch: 'feat', env: 'dev', yes: true}, deps)
    expect(r.volumes).toEqual([])
    expect(engine.calls.filter((c) => c.startsWith('rm volume') || c.startsWith('helper'))).toEqual([])
  })

  it('refuses a volume used by a container berth did not create', async () => {
    const {engine, deps} = setUp()
    engine.users[FEAT] = [engine.addContainer('theirs', {}, 'running')]
    await expect(compactBranchVolumes(project, {branch: 'feat', env: 'dev', yes: true}, deps)).rejects.toMatchObject({exitCode: 5})
    expect(lowersOf(engine.volumesByName.get(FEAT))).toHaveLength(2)
  })
})

describe('a compact killed with kill -9', () => {
  const op = (copied: boolean): CompactOp => ({volume: FEAT, labels: {...base, 'dev.berth.branch': 'feat', [COW_LABEL.lowers]: 'shop_layer_2,shop_layer_1', [COW_LABEL.upper]: 'feat-up'}, flat: `${FEAT}_flat-k`, ...(copied ? {copied} : {})})

  it('during the copy: undone by the next command (the copy dropped, the overlay volume as it was)', async () => {
    const {engine, state, deps} = setUp()
    engine.volumesByName.set(`${FEAT}_flat-k`, {'dev.berth.project': 'shop', 'dev.berth.kind': 'flat'})
    state.update('shop', (s) => void (s.compact = {[FEAT]: op(false)}))
    expect(await finishCompactOps(deps, 'shop', 'debian')).toBe(1)
    expect(flatOf(engine)).toBeUndefined()
    expect(lowersOf(engine.volumesByName.get(FEAT))).toEqual(['shop_layer_2', 'shop_layer_1'])
    expect(engine.volumesByName.has('shop_layer_2')).toBe(true)
    expect(state.read('shop').compact).toEqual({})
  })

  it('after the copy, the overlay volume removed: finished (made plain, the copy moved into place, the pieces removed)', async () => {
    const {engine, state, deps} = setUp()
    engine.volumesByName.delete(FEAT)
    engine.volumesByName.set(`${FEAT}_flat-k`, {'dev.berth.project': 'shop', 'dev.berth.kind': 'flat'})
    state.update('shop', (s) => void (s.compact = {[FEAT]: op(true)}))
    expect(await finishCompactOps(deps, 'shop', 'debian')).toBe(1)
    expect(engine.calls).toContain(`cow freeze /vols/${FEAT}_flat-k/_data /vols/${FEAT}/_data`)
    expect(engine.volumesByName.get(FEAT)?.['dev.berth.branch']).toBe('feat')
    expect(lowersOf(engine.volumesByName.get(FEAT))).toEqual([])
    for (const gone of [`${FEAT}_flat-k`, 'feat-up', 'shop_layer_2']) expect(engine.volumesByName.has(gone), gone).toBe(false)
    expect(engine.volumesByName.has('shop_layer_1')).toBe(true)
  })

  it('after the rename: the rest finished, the volume kept', async () => {
    const {engine, state, deps} = setUp()
    engine.volumesByName.set(FEAT, {...base, 'dev.berth.branch': 'feat'})
    engine.volumesByName.set(`${FEAT}_flat-k`, {'dev.berth.project': 'shop', 'dev.berth.kind': 'flat'})
    state.update('shop', (s) => void (s.compact = {[FEAT]: op(true)}))
    await finishCompactOps(deps, 'shop', 'debian')
    expect(engine.calls).not.toContain(`rm volume ${FEAT}`)
    expect(engine.volumesByName.has(`${FEAT}_flat-k`)).toBe(false)
    expect(engine.volumesByName.has(FEAT)).toBe(true)
  })

  it('refuses to guess when the flat copy could not be moved into place', async () => {
    const {engine, state, deps} = setUp()
    engine.cowOutput.freeze = ''
    engine.volumesByName.delete(FEAT)
    engine.volumesByName.set(`${FEAT}_flat-k`, {'dev.berth.project': 'shop', 'dev.berth.kind': 'flat'})
    state.update('shop', (s) => void (s.compact = {[FEAT]: op(true)}))
    await expect(finishCompactOps(deps, 'shop', 'debian')).rejects.toMatchObject({exitCode: 4})
    expect(engine.volumesByName.has(`${FEAT}_flat-k`)).toBe(true)
    expect(state.read('shop').compact?.[FEAT]).toBeDefined()
  })
})
