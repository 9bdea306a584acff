// Copies between plain local volumes run in the warm volume helper (an exec, no container of their own), as
// a named job recorded in the state while it runs: a berth killed meanwhile leaves the record, and the next
// command stops that copy first. Overlay volumes and engines without a warm helper keep the one-shot helper.
import {describe, expect, it} from 'vitest'
import type {VolumeHelperPort, VolumeInfo, VolumeStep} from '../../src/app/ports.js'
import {cloneInto, removeLeftoverHelpers} from '../../src/app/volumes/copy.js'
import {FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'

const ROOT = '/var/lib/docker/volumes'

class PlainEngine extends FakeEngine {
  options = new Map<string, Record<string, string>>()
  override async volume(name: string): Promise<VolumeInfo | undefined> {
    const v = await super.volume(name)
    return v && ({...v, Driver: 'local', Options: this.options.get(name) ?? null} as unknown as VolumeInfo)
  }
}

function fakeHelper(answer: (step: VolumeStep) => {code: number; output: string} | undefined = () => ({code: 0, output: ''})) {
  const steps: VolumeStep[] = []
  const stopped: string[] = []
  const port: VolumeHelperPort = {
    run: async (step) => (steps.push(step), answer(step)),
    stop: async (job) => void stopped.push(job.job),
  }
  return {port, steps, stopped}
}

const labels = {'dev.berth.project': 'shop'}
const WARM = {BERTH_CONFIG: '/nonexistent/berth-config.yml'}

describe('a copy in the warm volume helper', () => {
  it('runs clone.sh there between the volumes\' folders, as a job named after the target, recorded while it runs', async () => {
    const engine = new PlainEngine()
    for (const v of ['shop_a', 'shop_b']) engine.volumesByName.set(v, labels)
    const state = memoryState()
    const seen: unknown[] = []
    const helper = fakeHelper(() => (seen.push(state.read('shop').copying), {code: 0, output: ''}))
    await cloneInto(testDeps({engine, state, volumeHelper: helper.port}, WARM), {source: 'shop_a', target: 'shop_b', image: 'debian', labels})
    expect(helper.steps.map((s) => [s.root, s.job, s.argv])).toEqual([[ROOT, 'shop_b', ['clone.sh', `/vols/shop_a/_data`, `/vols/shop_b/_data`]]])
    expect(engine.calls.filter((c) => c.startsWith('helper'))).toEqual([])
    expect(seen).toEqual([[{job: 'shop_b', image: 'debian', root: ROOT}]])
    expect(state.read('shop').copying).toEqual([])
  })

  it('keeps the one-shot helper for a copy-on-write volume, and where the warm helper cannot be had', async () => {
    for (const [options, answer] of [
      [{type: 'overlay'}, () => ({code: 0, output: ''})],
      [undefined, () => undefined],
    ] as const) {
      const engine = new PlainEngine()
      for (const v of ['shop_a', 'shop_b']) engine.volumesByName.set(v, labels)
      if (options) engine.options.set('shop_a', options)
      const helper = fakeHelper(answer)
      await cloneInto(testDeps({engine, state: memoryState(), volumeHelper: helper.port}, WARM), {source: 'shop_a', target: 'shop_b', image: 'debian', labels})
      expect(engine.calls.filter((c) => c.startsWith('helper clone'))).toEqual(['helper clone shop_b:/to shop_a:/from:ro'])
    }
  })

  it('with BERTH_WARM_COPY=0, a copy between plain volumes has its own helper container', async () => {
    const engine = new PlainEngine()
    for (const v of ['shop_a', 'shop_b']) engine.volumesByName.set(v, labels)
    const helper = fakeHelper()
    await cloneInto(testDeps({engine, state: memoryState(), volumeHelper: helper.port}, {...WARM, BERTH_WARM_COPY: '0'}), {source: 'shop_a', target: 'shop_b', image: 'debian', labels})
    expect(helper.steps).toEqual([])
    expect(engine.calls.filter((c) => c.startsWith('helper clone'))).toEqual(['helper clone shop_b:/to shop_a:/from:ro'])
  })

  it('fails with the copy\'s own words, the target left for the next run', async () => {
    const engine = new PlainEngine()
    for (const v of ['shop_a', 'shop_b']) engine.volumesByName.set(v, labels)
    const helper = fakeHelper(() => ({code: 2, output: 'tar: ./x: Cannot open: No space left on device\n'}))
    const error = await cloneInto(testDeps({engine, state: memoryState(), volumeHelper: helper.port}, WARM), {source: 'shop_a', target: 'shop_b', image: 'debian', labels}).catch((e) => e)
    expect(error.message).toMatch(/copying volume shop_a into shop_b failed \(exit 2\): tar: .*No space left/)
  })

  it('a copy left running by a killed berth is stopped by the next command, and its record cleared', async () => {
    const engine = new PlainEngine()
    const state = memoryState({shop: {volumes: {}, copying: [{job: 'shop_b', image: 'debian', root: ROOT}]}})
    const helper = fakeHelper()
    await removeLeftoverHelpers({engine, state, volumeHelper: helper.port}, 'shop')
    expect(helper.stopped).toEqual(['shop_b'])
    expect(state.read('shop').copying).toEqual([])
  })
})

describe('volumes rm after a killed copy', () => {
  it('stops the copy a killed berth left running into the volumes before removing them', async () => {
    const {removeBranchVolumes} = await import('../../src/app/volumes/remove.js')
    const {loadStack} = await import('./helpers.js')
    const engine = new PlainEngine()
    const state = memoryState({shop: {volumes: {}, copying: [{job: 'shop_b', image: 'debian', root: ROOT}]}})
    const helper = fakeHelper()
    const project = {root: '/repo', file: '/repo/berth.yml', stack: loadStack('name: shop\nservices:\n  web:\n    template: node\n'), templates: new Map(), profiles: new Map(), ctx: {root: '/repo', branch: 'main'}} as never
    await removeBranchVolumes(project, 'feat', {yes: true}, testDeps({engine, state, volumeHelper: helper.port})).catch(() => undefined)
    expect(helper.stopped).toEqual(['shop_b'])
  })
})
