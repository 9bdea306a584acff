// Handing a host-mode door its route table: the addresses of the containers attached to the door network,
// written by `docker exec` as an argument (never inside the shell text), then SIGHUP.
import {describe, expect, it} from 'vitest'
import {syncDoorTable} from '../../src/app/door/host.js'
import type {EnginePort as Engine} from '../../src/app/ports.js'

function fakeEngine(mode: 'host' | 'published', running = true) {
  const calls: Array<[string, ...unknown[]]> = []
  const engine = {
    inspectContainer: async () => ({
      Id: 'door-id',
      State: {Running: running, ExitCode: running ? 0 : 1},
      Config: {Labels: {'dev.berth.door.mode': mode, 'dev.berth.door.routes': JSON.stringify([{service: 'web'}, {service: 'db'}])}},
    }),
    containers: async () => [
      {Id: 'w', Labels: {'dev.berth.service': 'web'}, NetworkSettings: {Networks: {door1: {IPAddress: '172.30.0.3'}}}},
      {Id: 'd', Labels: {'dev.berth.service': 'db'}, NetworkSettings: {Networks: {other: {IPAddress: '10.0.0.9'}}}}, // detached from the door
      {Id: 'x', Labels: {'dev.berth.role': 'door', 'dev.berth.service': 'web'}, NetworkSettings: {Networks: {door1: {IPAddress: '172.30.0.1'}}}},
    ],
    execCapture: async (id: string, argv: string[]) => (calls.push(['exec', id, argv]), {code: 0, stdout: '', stderr: ''}),
    signalContainer: async (id: string, signal: string) => void calls.push(['signal', id, signal]),
  }
  return {engine: engine as unknown as Engine, calls}
}

describe('syncDoorTable', () => {
  it('writes the attached routed services\' addresses into a host-mode door, then sends SIGHUP', async () => {
    const {engine, calls} = fakeEngine('host')
    expect(await syncDoorTable(engine, 'door1')).toBe(true)
    const [exec, signal] = calls
    const argv = exec[2] as string[]
    expect(argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(argv[2]).not.toContain('172.30') // the table is an argument, not shell text
    expect(JSON.parse(argv[4])).toEqual({web: ['172.30.0.3']})
    expect(signal).toEqual(['signal', 'door-id', 'SIGHUP'])
  })

  it('does nothing for a published door (it finds its targets by name)', async () => {
    const {engine, calls} = fakeEngine('published')
    expect(await syncDoorTable(engine, 'door1')).toBe(false)
    expect(calls).toEqual([])
  })

  it('fails clearly when the host-mode door is not running (it stops when it cannot listen)', async () => {
    const {engine} = fakeEngine('host', false)
    await expect(syncDoorTable(engine, 'door1')).rejects.toThrow(/front door door1 is not running \(exit code 1\)/)
  })
})
