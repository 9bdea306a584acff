// berth debug's target lookup, with an engine and an inspector network in memory: a dev service's own
// inspector port, and an inspector opened on demand (SIGUSR1 + a bridge) where none answers.
import {describe, expect, it} from 'vitest'
import {debugTargets} from '../../src/app/debug/targets.js'
import type {Bridge, DebugNetPort, InspectorTarget} from '../../src/app/ports.js'
import type {Project} from '../../src/app/project.js'
import {composeProjectName} from '../../src/core/naming.js'
import {FakeEngine} from './fake-engine.js'
import {testDeps} from './fakes.js'

const project = {root: '/repo', ctx: {branch: 'main'}, stack: {value: {name: 'shop'}}} as unknown as Project
const stack = composeProjectName('shop', 'dev', 'main')

/** A clock whose sleeps pass at once. */
function instantClock() {
  let t = 0
  return {now: () => t, sleep: async (ms: number) => void (t += ms)}
}

function webContainer(engine: FakeEngine, inspectorPort?: number): string {
  return engine.addContainer(`${stack}-web-1`, {
    'dev.berth.project': 'shop',
    'dev.berth.stack': stack,
    'dev.berth.role': 'app',
    'dev.berth.service': 'web',
    ...(inspectorPort ? {'dev.berth.inspector': String(inspectorPort)} : {}),
  })
}

function debugNet(answers: Record<number, InspectorTarget[]>, bridges: number[] = []): DebugNetPort & {asked: number[]} {
  const asked: number[] = []
  return {
    asked,
    targets: async (_host, port) => {
      asked.push(port)
      const list = answers[port]
      if (!list) throw new Error('ECONNREFUSED')
      return list
    },
    connect: async () => {
      throw new Error('not in this test')
    },
    listenLoopback: async (): Promise<Bridge> => ({port: bridges.shift() ?? 0, close: async () => undefined}),
  }
}

describe('debug target lookup with fakes', () => {
  it("finds a dev service's inspector on its labelled 127.0.0.1 port", async () => {
    const engine = new FakeEngine()
    webContainer(engine, 19229)
    const debug = debugNet({19229: [{id: 'abc', title: 'server.js', webSocketDebuggerUrl: 'ws://127.0.0.1:19229/abc'}]})
    const {targets, bridges} = await debugTargets(project, {env: 'dev'}, testDeps({engine, debug, clock: instantClock()}))
    expect(bridges).toEqual([])
    expect(targets).toHaveLength(1)
    expect(targets[0]).toMatchObject({service: 'web', host: '127.0.0.1', port: 19229, id: 'abc', bridged: false, ws: 'ws://127.0.0.1:19229/abc'})
    expect(debug.asked).toEqual([19229])
  })

  it('opens an inspector on demand when none answers, and bridges it to a 127.0.0.1 port', async () => {
    const engine = new FakeEngine()
    const id = webContainer(engine)
    engine.execOutput = () => JSON.stringify({pid: 7, cmd: 'node server.js', candidates: 1})
    const debug = debugNet({40001: [{id: 'def', title: 'server.js'}]}, [40001])
    const {targets, bridges} = await debugTargets(project, {env: 'dev', service: 'web'}, testDeps({engine, debug, clock: instantClock()}))
    expect(engine.calls).toContain(`exec ${id} node`)
    expect(bridges.map((b) => b.port)).toEqual([40001])
    expect(targets[0]).toMatchObject({service: 'web', port: 40001, bridged: true, id: 'def'})
    expect(targets[0].ws).toContain('127.0.0.1:40001')
  })

  it('says the service is not running when it has no container', async () => {
    const error = await debugTargets(project, {env: 'dev', service: 'api'}, testDeps({engine: new FakeEngine(), clock: instantClock()})).catch((e) => e)
    expect(error.message).toMatch(/service "api" of .* is not running/)
    expect(error.hints.join(' ')).toMatch(/berth up/)
  })
})
