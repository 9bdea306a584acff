// The port check before `up` knows the ports a host-mode front door listens on (it publishes none):
// its own door's are not "taken", another work tree's door is named as the holder.
import {describe, expect, it} from 'vitest'
import type {HostPortsPort as PortProbe} from '../../src/app/ports.js'
import {checkPorts} from '../../src/app/preflight.js'
import type {PortBinding} from '../../src/core/render.js'
import type {ContainerInfo, EnginePort as Engine} from '../../src/app/ports.js'

const web: PortBinding = {service: 'web', container: 3000, host: 8000, bind: '127.0.0.1', role: 'app'} as PortBinding

function hostDoor(door: string, worktree: string): ContainerInfo {
  return {
    Id: door,
    Names: [`/${door}`],
    Ports: [],
    HostConfig: {NetworkMode: 'host'},
    Labels: {'dev.berth.role': 'door', 'dev.berth.door': door, 'dev.berth.project': 'shop', 'dev.berth.worktree': worktree, 'dev.berth.door.routes': JSON.stringify([{listen: 8000, bind: '127.0.0.1', service: 'web'}])},
  } as unknown as ContainerInfo
}

const engineWith = (running: ContainerInfo[]) => ({containers: async () => running}) as unknown as Engine
// The port is held (by the door): binding it fails.
const held: PortProbe = {canBind: async () => false, describeListener: () => 'node (pid 42)'}

describe('checkPorts and host-mode doors', () => {
  it("passes when this environment's own host-mode door holds the port", async () => {
    await expect(checkPorts([web], 'shop-dev-main', engineWith([hostDoor('shop-dev-door-aaa', '/src/shop')]), held, 'shop-dev-door-aaa')).resolves.toBeUndefined()
  })

  it("names another work tree's door as the holder", async () => {
    await expect(checkPorts([web], 'shop-dev-main', engineWith([hostDoor('shop-dev-door-bbb', '/src/shop-2')]), held, 'shop-dev-door-aaa')).rejects.toThrow(
      /port 8000 on 127\.0\.0\.1 \(service web\) is already in use by container shop-dev-door-bbb \(the front door of berth project shop, work tree \/src\/shop-2\)/,
    )
  })

  it('still names a process that holds the port', async () => {
    await expect(checkPorts([web], 'shop-dev-main', engineWith([]), held, 'shop-dev-door-aaa')).rejects.toThrow(/already in use by node \(pid 42\)/)
  })
})
