// The front door's mode (host or published) for an engine, and the route table a host-mode door reads.
import {describe, expect, it} from 'vitest'
import {chooseDoorMode, doorRoutesEnv, doorTable, modeWithoutEngine, type ModeInput} from '../../src/core/door-mode.js'

const local: ModeInput = {platform: 'linux', hostname: 'dev1', release: '6.8.0-45-generic', engine: {operatingSystem: 'Ubuntu 24.04.1 LTS', name: 'dev1', kernelVersion: '6.8.0-45-generic', securityOptions: ['name=apparmor', 'name=seccomp,profile=builtin']}}

describe('door mode', () => {
  it('is host for a Linux engine on this machine (local socket, same kernel and host name)', () => {
    expect(chooseDoorMode(local).mode).toBe('host')
    expect(chooseDoorMode({...local, endpoint: 'unix:///run/docker.sock'}).mode).toBe('host')
  })

  it('is published where the engine is elsewhere or in a VM', () => {
    expect(chooseDoorMode({...local, platform: 'darwin'}).mode).toBe('published')
    expect(chooseDoorMode({...local, endpoint: 'tcp://10.0.0.5:2376'}).mode).toBe('published')
    expect(chooseDoorMode({...local, endpoint: 'ssh://me@build-box'}).reason).not.toContain('me@')
    expect(chooseDoorMode({...local, engine: {...local.engine, operatingSystem: 'Docker Desktop'}}).mode).toBe('published')
    expect(chooseDoorMode({...local, engine: {...local.engine, securityOptions: ['name=seccomp,profile=builtin', 'name=rootless']}}).mode).toBe('published')
    expect(chooseDoorMode({...local, engine: {...local.engine, kernelVersion: '6.6.12-linuxkit'}}).mode).toBe('published') // colima, lima, OrbStack
    expect(chooseDoorMode({...local, engine: {...local.engine, name: 'laptop'}}).mode).toBe('published') // berth in a dev container
    expect(chooseDoorMode({...local, engine: undefined}).mode).toBe('published') // nothing known: the safe one
  })

  it('follows BERTH_DOOR_MODE, and refuses other values', () => {
    expect(chooseDoorMode({...local, forced: 'published'}).mode).toBe('published')
    expect(chooseDoorMode({...local, platform: 'darwin', forced: 'host'}).mode).toBe('host')
    expect(() => modeWithoutEngine({...local, forced: 'bridge'})).toThrow(/host or published/)
  })

  it('needs the engine only when nothing else decides', () => {
    expect(modeWithoutEngine(local)).toBeUndefined()
    expect(modeWithoutEngine({...local, endpoint: 'tcp://x:2375'})?.mode).toBe('published')
  })
})

describe('door route table', () => {
  it("maps each routed service to its container's address on the door network", () => {
    const attached = [
      {service: 'web', ip: '172.20.0.3'},
      {service: 'db', ip: '172.20.0.2'},
      {service: 'worker', ip: '172.20.0.4'}, // not routed
      {service: 'cache', ip: undefined}, // no address (not attached)
    ]
    expect(doorTable(['db', 'web', 'cache'], attached)).toEqual({db: ['172.20.0.2'], web: ['172.20.0.3']})
    expect(JSON.stringify(doorTable(['web', 'db'], [...attached].reverse()))).toBe(JSON.stringify(doorTable(['db', 'web'], attached)))
    expect(doorTable(['web'], [])).toEqual({})
  })

  it('lists every replica of a service, in address order, once each', () => {
    const attached = [
      {service: 'web', ip: '172.20.0.10'},
      {service: 'web', ip: '172.20.0.9'},
      {service: 'web', ip: '172.20.0.9'},
    ]
    expect(doorTable(['web'], attached)).toEqual({web: ['172.20.0.9', '172.20.0.10']})
  })

  it('tells the door which routes terminate https and where a redirect sends the client', () => {
    const routes = [
      {listen: 18000, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 8000, role: 'app' as const},
      {listen: 18080, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 8000, role: 'redirect' as const, https: 18443},
      {listen: 18443, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 8000, role: 'https' as const},
    ]
    expect(doorRoutesEnv(routes).map((r) => [r.listen, r.kind, r.https])).toEqual([
      [18000, undefined, undefined],
      [18080, 'redirect', 18443],
      [18443, 'https', undefined],
    ])
  })

  it('tells the door where to listen (the bind address) and which service each port goes to', () => {
    const routes = [{listen: 8000, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 3000, role: 'app' as const}]
    expect(doorRoutesEnv(routes)).toEqual([{listen: 8000, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 3000}])
  })
})
