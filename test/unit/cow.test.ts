// Copy-on-write branch volumes with an engine in memory: the pure names and options, how a branch is made
// from a plain base and from an overlay base (a new layer only when the base wrote since), the fallbacks to a
// full copy, a kill -9 in the middle finished by the next command, and layers reference-counted on removal.
import {describe, expect, it} from 'vitest'
import {branchVolume, collectPieces, finishCowOps} from '../../src/app/volumes/cow.js'
import {badSnapshotName, COW_LABEL, layerVolumeName, lowersOf, overlayOptions, volumeRootOf, type CowOp} from '../../src/core/cow.js'
import {FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'

const ROOT = '/var/lib/docker/volumes'

describe('copy-on-write names and options', () => {
  it('finds the volume root from a Mountpoint of the local driver, and nothing else', () => {
    expect(volumeRootOf('v1', '/var/lib/docker/volumes/v1/_data')).toBe(ROOT)
    expect(volumeRootOf('v1', '/mnt/other/v2/_data')).toBeUndefined()
    expect(volumeRootOf('v1', undefined)).toBeUndefined()
    // a root with characters the overlay options cannot carry
    expect(volumeRootOf('v1', '/a:b/v1/_data')).toBeUndefined()
  })

  it('stacks the layers top first, with the upper and work folders of the upper volume', () => {
    expect(overlayOptions(ROOT, ['l2', 'l1'], 'u')).toEqual({type: 'overlay', device: 'overlay', o: `lowerdir=${ROOT}/l2/_data:${ROOT}/l1/_data,upperdir=${ROOT}/u/_data/upper,workdir=${ROOT}/u/_data/work`})
    expect(overlayOptions(ROOT, ['l1'], 'u', true).o).toMatch(/,metacopy=on$/)
    expect(lowersOf({[COW_LABEL.lowers]: 'l2,l1'})).toEqual(['l2', 'l1'])
    expect(layerVolumeName('My Shop', 'abc')).toBe('my-shop_layer_abc')
  })

  it('takes snapshot names git-like but plain', () => {
    expect(badSnapshotName('before-migration.1')).toBeUndefined()
    for (const bad of ['', '-x', 'a b', 'x;rm', 'é', 'a'.repeat(65)]) expect(badSnapshotName(bad), bad).toBeDefined()
  })
})

function setUp(env: NodeJS.ProcessEnv = {}) {
  const engine = new FakeEngine()
  const state = memoryState()
  const deps = testDeps({engine, state}, {BERTH_CONFIG: '/nonexistent', ...env})
  return {engine, state, deps}
}
const req = {project: 'shop', source: 'shop-dev-main_db-data', target: 'shop-dev-feat_db-data', targetLabels: {'dev.berth.project': 'shop', 'dev.berth.branch': 'feat'}, image: 'debian'}

describe('making a branch', () => {
  it('from a plain base: the base folder is renamed into a layer, and base and branch are overlays over it', async () => {
    const {engine, state, deps} = setUp()
    engine.volumesByName.set(req.source, {'dev.berth.project': 'shop', 'dev.berth.branch': 'main'})
    expect(await branchVolume(deps, req)).toBeTruthy()
    const layer = [...engine.volumesByName.keys()].find((n) => n.includes('_layer_'))!
    expect(engine.calls.some((c) => c.startsWith(`cow freeze /vols/${req.source}/_data /vols/${layer}/_data`))).toBe(true)
    expect(lowersOf(engine.volumesByName.get(req.source))).toEqual([layer])
    expect(lowersOf(engine.volumesByName.get(req.target))).toEqual([layer])
    expect(engine.volumeOpts.get(req.target)?.o).toContain(`lowerdir=${ROOT}/${layer}/_data`)
    // the base keeps its own labels
    expect(engine.volumesByName.get(req.source)?.['dev.berth.branch']).toBe('main')
    expect(state.read('shop').cow ?? {}).toEqual({})
  })

  it('from an overlay base that wrote nothing since: the same layers, and the base is not touched', async () => {
    const {engine, deps} = setUp()
    engine.cowOutput.empty = 'empty'
    engine.volumesByName.set(req.source, {'dev.berth.project': 'shop', [COW_LABEL.lowers]: 'shop_layer_1', [COW_LABEL.upper]: 'up1'})
    expect(await branchVolume(deps, req)).toBeTruthy()
    expect(lowersOf(engine.volumesByName.get(req.target))).toEqual(['shop_layer_1'])
    expect(engine.calls.filter((c) => c === `rm volume ${req.source}`)).toEqual([])
    expect([...engine.volumesByName.keys()].filter((n) => n.includes('_layer_'))).toEqual([])
  })

  it('from an overlay base that wrote since: its upper folder becomes a new layer on top', async () => {
    const {engine, deps} = setUp()
    engine.volumesByName.set(req.source, {'dev.berth.project': 'shop', [COW_LABEL.lowers]: 'shop_layer_1', [COW_LABEL.upper]: 'up1'})
    engine.volumesByName.set('up1', {'dev.berth.project': 'shop'})
    await branchVolume(deps, req)
    const lowers = lowersOf(engine.volumesByName.get(req.target))
    expect(lowers).toHaveLength(2)
    expect(lowers[1]).toBe('shop_layer_1')
    expect(lowersOf(engine.volumesByName.get(req.source))).toEqual(lowers)
    // the old upper volume, emptied into the layer, is gone
    expect(engine.volumesByName.has('up1')).toBe(false)
  })

  it('is a full copy when BERTH_CLONE=copy, when a running container holds the base, or when the probe fails', async () => {
    for (const [env, prepare] of [
      [{BERTH_CLONE: 'copy'}, () => undefined],
      [{}, (e: FakeEngine) => (e.users[req.source] = [e.addContainer('db', {'dev.berth.project': 'shop'}, 'running')])],
      [{}, (e: FakeEngine) => (e.cowOutput['probe-check'] = 'no')],
    ] as Array<[NodeJS.ProcessEnv, (e: FakeEngine) => void]>) {
      const {engine, deps} = setUp(env)
      engine.volumesByName.set(req.source, {'dev.berth.project': 'shop'})
      prepare(engine)
      expect(await branchVolume(deps, req), JSON.stringify(env)).toBeUndefined()
      expect(engine.volumesByName.has(req.target)).toBe(false)
    }
  })

  it('a small base held by a warm stack is copied (by default under 128 MB), a large one frozen', async () => {
    for (const [bytes, frozen] of [[10 * 1024 * 1024, false], [500 * 1024 * 1024, true]] as const) {
      const {engine, deps} = setUp()
      engine.volumesByName.set(req.source, {'dev.berth.project': 'shop'})
      engine.users[req.source] = [engine.addContainer('db', {'dev.berth.project': 'shop', 'com.docker.compose.project': 'main-stack'}, 'exited')]
      engine.cowOutput.sizes = `${bytes} /vols/${req.source}/_data`
      expect(Boolean(await branchVolume(deps, req)), String(bytes)).toBe(frozen)
    }
  })
})

describe('after a kill -9', () => {
  it('a branch of an overlay base killed before its one step: the step looks again, and a base that wrote nothing keeps its layers', async () => {
    const {engine, state, deps} = setUp()
    engine.cowOutput.empty = 'empty'
    engine.volumesByName.set(req.source, {'dev.berth.project': 'shop', [COW_LABEL.lowers]: 'shop_layer_1', [COW_LABEL.upper]: 'up1'})
    const op: CowOp = {source: req.source, target: req.target, targetLabels: req.targetLabels, from: 'upper', layer: 'shop_layer_k', lowers: ['shop_layer_1'], oldUpper: 'up1', sourceUpper: 'su', targetUpper: 'tu', sourceLabels: {}, ifWritten: true}
    state.update('shop', (s) => void (s.cow = {[req.target]: op}))
    // killed after the layer's and uppers' volumes were made
    for (const v of ['shop_layer_k', 'su', 'tu', 'up1']) engine.volumesByName.set(v, {'dev.berth.project': 'shop'})
    expect(await finishCowOps(deps, 'shop', 'debian')).toBe(1)
    expect(engine.calls).toContain(`cow branch /vols/up1/_data/upper /vols/shop_layer_k/_data /vols/su/_data /vols/tu/_data`)
    expect(lowersOf(engine.volumesByName.get(req.target))).toEqual(['shop_layer_1'])
    expect(engine.volumesByName.get(req.source)?.[COW_LABEL.upper]).toBe('up1')
    expect(['shop_layer_k', 'su'].filter((v) => engine.volumesByName.has(v))).toEqual([])
    expect(engine.volumesByName.has('up1')).toBe(true)
    expect(state.read('shop').cow).toEqual({})
  })

  it('an op recorded but not finished is finished by the next command: the base made again over the layer, the branch made', async () => {
    const {engine, state, deps} = setUp()
    // killed after the rename and the removal of the base volume, before it was made again
    const op: CowOp = {source: req.source, target: req.target, targetLabels: req.targetLabels, from: 'plain', layer: 'shop_layer_k', lowers: [], sourceUpper: 'su', targetUpper: 'tu', sourceLabels: {'dev.berth.project': 'shop'}}
    state.update('shop', (s) => void (s.cow = {[req.target]: op}))
    for (const v of ['shop_layer_k', 'su', 'tu']) engine.volumesByName.set(v, {'dev.berth.project': 'shop'})
    expect(await finishCowOps(deps, 'shop', 'debian')).toBe(1)
    expect(engine.calls).toContain(`cow state /vols/${req.source}/_data /vols/shop_layer_k/_data`)
    expect(lowersOf(engine.volumesByName.get(req.source))).toEqual(['shop_layer_k'])
    expect(lowersOf(engine.volumesByName.get(req.target))).toEqual(['shop_layer_k'])
    expect(state.read('shop').cow).toEqual({})
  })

  it('refuses to guess when the base is gone and its data is not in the layer', async () => {
    const {engine, state, deps} = setUp()
    engine.cowOutput.state = 'not-moved'
    const op: CowOp = {source: req.source, target: req.target, from: 'plain', layer: 'shop_layer_k', lowers: [], sourceUpper: 'su', targetUpper: 'tu', sourceLabels: {}}
    state.update('shop', (s) => void (s.cow = {[req.target]: op}))
    engine.volumesByName.set('shop_layer_k', {'dev.berth.project': 'shop'})
    await expect(finishCowOps(deps, 'shop', 'debian')).rejects.toMatchObject({exitCode: 4})
    expect(state.read('shop').cow?.[req.target]).toBeDefined()
  })
})

describe('removing', () => {
  it("a branch's upper goes with it; a layer goes when nothing stands on it", async () => {
    const {engine, deps} = setUp()
    const l = {'dev.berth.project': 'shop'}
    engine.volumesByName.set('shop_layer_1', {...l, 'dev.berth.kind': 'layer'})
    engine.volumesByName.set('shop_layer_2', {...l, 'dev.berth.kind': 'layer'})
    engine.volumesByName.set('main', {...l, [COW_LABEL.lowers]: 'shop_layer_1', [COW_LABEL.upper]: 'main-up'})
    engine.volumesByName.set('feat-up', {...l, 'dev.berth.kind': 'upper'})
    const feat = {Name: 'feat', Labels: {...l, [COW_LABEL.lowers]: 'shop_layer_2,shop_layer_1', [COW_LABEL.upper]: 'feat-up'}}
    expect((await collectPieces(deps, 'shop', feat as never)).sort()).toEqual(['feat-up', 'shop_layer_2'])
    expect(engine.volumesByName.has('shop_layer_1')).toBe(true)
  })
})
