// Warm stacks with an engine and Compose in memory: a stack is resumed before it is stopped (a frozen
// process cannot take SIGTERM), a stopped stack keeps no network, and only `keep_warm` stacks stay paused.
import {describe, expect, it} from 'vitest'
import {retireStack, trimWarm} from '../../src/app/door/warm.js'
import type {DoorSpec} from '../../src/core/door.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {memoryState} from './fakes.js'

const door = {name: 'shop-dev-door-1234', routes: [{listen: 8000, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 8000, role: 'app'}]} as unknown as DoorSpec

function stack(engine: FakeEngine, name: string, state: string) {
  for (const service of ['web', 'db']) engine.addContainer(`${name}-${service}-1`, {'com.docker.compose.project': name, 'com.docker.compose.service': service, 'dev.berth.door': door.name, 'dev.berth.service': service}, state)
}

describe('warm stacks', () => {
  it('resumes a paused stack before Compose takes it down', async () => {
    const engine = new FakeEngine()
    stack(engine, 'shop-dev-a', 'paused')
    await retireStack({engine, compose: new FakeCompose(engine)}, 'shop-dev-a')
    expect(engine.calls).toEqual(['unpause web', 'unpause db', 'compose down'])
  })

  it('keeps the newest paused stacks, takes down the older ones and stopped leftovers, and forgets them', async () => {
    const engine = new FakeEngine()
    const compose = new FakeCompose(engine)
    stack(engine, 'shop-dev-old', 'paused')
    stack(engine, 'shop-dev-new', 'paused')
    stack(engine, 'shop-dev-left', 'exited')
    stack(engine, 'shop-dev-current', 'running')
    const state = memoryState({shop: {volumes: {}, stacks: {'shop-dev-old': {pausedAt: '2026-01-01T00:00:00Z'}, 'shop-dev-new': {pausedAt: '2026-01-02T00:00:00Z'}, 'shop-dev-left': {yaml: 'x'}}}})
    const stopped = await trimWarm({engine, compose, state, reporter: {tty: false, step() {}, info() {}, warn() {}, passthrough() {}}}, door, 1, 'shop')
    expect(stopped).toEqual(['shop-dev-old'])
    expect(compose.runs).toEqual([['down', '--remove-orphans'], ['down', '--remove-orphans']])
    expect(Object.keys(state.read('shop').stacks ?? {})).toEqual(['shop-dev-new'])
  })
})
