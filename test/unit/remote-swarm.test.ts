// Which engine is remote (dev's bind mounts refused there), and which one can deploy a stack.
import {describe, expect, it} from 'vitest'
import {requireManager} from '../../src/app/deploy.js'
import {refuseBindMountsOnRemote, remoteEngine} from '../../src/app/remote.js'
import {ExitCode} from '../../src/core/errors.js'
import {render, thrown} from './helpers.js'

const engineAt = (endpoint: string | undefined, env: NodeJS.ProcessEnv = {}) => ({engine: {endpoint: () => endpoint} as never, env})
const SHOP = `name: shop
services:
  web: {template: node, source: app, build: app, port: 8000}
`
const EXISTING = ['/repo', '/repo/app', '/repo/app/Dockerfile']

describe('remote engines', () => {
  it('tcp and ssh are remote; a named context on its own socket is; the default socket and a config-file context are not', () => {
    expect(remoteEngine(engineAt('tcp://10.0.0.5:2376'))).toBe('tcp://10.0.0.5:2376')
    expect(remoteEngine(engineAt('ssh://me@stage'))).toBe('ssh://me@stage')
    expect(remoteEngine(engineAt('unix:///tmp/other/docker.sock', {DOCKER_CONTEXT: 'other'}))).toMatch(/docker context other/)
    expect(remoteEngine(engineAt('unix:///home/me/.docker/desktop/docker.sock'))).toBeUndefined()
    expect(remoteEngine(engineAt(undefined))).toBeUndefined()
  })

  it('refuses dev (its source bind mount) on a remote engine, and lets qa through', () => {
    const remote = engineAt('unix:///tmp/other/docker.sock', {DOCKER_CONTEXT: 'other'})
    const e = thrown(() => refuseBindMountsOnRemote(render(SHOP, {env: 'dev', existing: EXISTING}), remote))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toMatch(/^service "web": a bind mount \(\/repo\/app\) cannot go to the remote engine at .*dev on a remote engine is out of berth's scope$/)
    expect(() => refuseBindMountsOnRemote(render(SHOP, {env: 'qa', existing: EXISTING}), remote)).not.toThrow()
    expect(() => refuseBindMountsOnRemote(render(SHOP, {env: 'dev', existing: EXISTING}), engineAt(undefined))).not.toThrow()
  })
})

describe('deploy needs a swarm manager', () => {
  it('says how when the engine is in no swarm, or a worker', () => {
    const none = thrown(() => requireManager({state: 'inactive', manager: false, nodes: 0}))
    expect(none.exitCode).toBe(ExitCode.DOCKER)
    expect(none.message).toBe('this Docker engine is not in a swarm: berth deploy needs a swarm manager')
    expect(none.hints?.[0]).toContain('docker swarm init')
    expect(thrown(() => requireManager({state: 'active', manager: false, nodes: 3})).message).toMatch(/swarm worker, not a manager/)
    expect(() => requireManager({state: 'active', manager: true, nodes: 1})).not.toThrow()
  })
})
