// The front door's forwarder (runtime/door.cjs) run as a real process on this machine: it passes bytes
// both ways to the route's target, and SIGHUP closes the connections open at the time (a switch).
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {healthArgv} from '../../src/app/health.js'
import {connect, DOOR, freePort} from './door-process.js'

function reply(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (d) => resolve(d.toString()))
    socket.write(text)
  })
}

describe('the front door forwarder', () => {
  let upstream: net.Server
  let door: ChildProcess
  let listen: number

  beforeAll(async () => {
    upstream = net.createServer((s) => s.on('data', (d) => s.write(`echo:${d}`)))
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()))
    const target = (upstream.address() as net.AddressInfo).port
    listen = await freePort()
    door = spawn(process.execPath, [DOOR], {
      env: {...process.env, BERTH_DOOR_LISTEN: '127.0.0.1', BERTH_DOOR_ROUTES: JSON.stringify([{listen, host: '127.0.0.1', port: target}])},
      stdio: 'ignore',
    })
  })

  afterAll(async () => {
    door?.kill('SIGTERM')
    await new Promise<void>((r) => upstream.close(() => r()))
  })

  it('passes bytes both ways to the route target', async () => {
    const s = await connect(listen)
    expect(await reply(s, 'hello')).toBe('echo:hello')
    s.destroy()
  })

  it('closes the connections open at a SIGHUP, and takes new ones after it', async () => {
    const s = await connect(listen)
    expect(await reply(s, 'a')).toBe('echo:a')
    const closed = new Promise<void>((r) => s.once('close', () => r()))
    door.kill('SIGHUP')
    await closed
    const again = await connect(listen)
    expect(await reply(again, 'b')).toBe('echo:b')
    again.destroy()
  })

  it('closes the client side when the target refuses', async () => {
    const dead = await freePort()
    const port = await freePort()
    const other = spawn(process.execPath, [DOOR], {env: {...process.env, BERTH_DOOR_LISTEN: '127.0.0.1', BERTH_DOOR_ROUTES: JSON.stringify([{listen: port, host: '127.0.0.1', port: dead}])}, stdio: 'ignore'})
    try {
      const s = await connect(port)
      await new Promise<void>((r) => s.once('close', () => r()))
      expect(s.destroyed).toBe(true)
    } finally {
      other.kill('SIGTERM')
    }
  })
})

describe('the front door forwarder in host mode', () => {
  it('listens on the bind address, goes where its table says, and on SIGHUP drops only connections whose target changed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-door-'))
    const table = path.join(dir, 'table.json')
    const echo = (name: string) => net.createServer((s) => s.on('data', (d) => s.write(`${name}:${d}`)))
    const [a, b] = [echo('a'), echo('b')]
    // Two targets on one port: 127.0.0.1 and 127.0.0.2 (both loopback on Linux).
    const port = await freePort()
    await new Promise<void>((r) => a.listen(port, '127.0.0.1', () => r()))
    await new Promise<void>((r) => b.listen(port, '127.0.0.2', () => r()))
    const listen = await freePort()
    const door = spawn(process.execPath, [DOOR], {
      env: {...process.env, BERTH_DOOR_MODE: 'host', BERTH_DOOR_TABLE: table, BERTH_DOOR_ROUTES: JSON.stringify([{listen, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port}])},
      stdio: 'ignore',
    })
    try {
      // No table yet: the connection is closed at once.
      const early = await connect(listen)
      await new Promise<void>((r) => early.once('close', () => r()))
      writeFileSync(table, JSON.stringify({web: '127.0.0.1'}))
      door.kill('SIGHUP')
      await new Promise((r) => setTimeout(r, 200))
      const s = await connect(listen)
      expect(await reply(s, 'x')).toBe('a:x')
      // The same table again: the connection stays.
      door.kill('SIGHUP')
      await new Promise((r) => setTimeout(r, 200))
      expect(await reply(s, 'y')).toBe('a:y')
      // Another target: it is closed, and new connections go there.
      writeFileSync(table, JSON.stringify({web: '127.0.0.2'}))
      const closed = new Promise<void>((r) => s.once('close', () => r()))
      door.kill('SIGHUP')
      await closed
      const again = await connect(listen)
      expect(await reply(again, 'z')).toBe('b:z')
      again.destroy()
      // It listens on 127.0.0.1 only.
      await expect(new Promise((resolve, reject) => net.connect(listen, '127.0.0.3', () => resolve('connected')).once('error', reject))).rejects.toThrow(/ECONNREFUSED/)
    } finally {
      door.kill('SIGTERM')
      a.close()
      b.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('health checks run by berth after a resume', () => {
  it("takes the container's own CMD or CMD-SHELL test, and none for NONE", () => {
    expect(healthArgv(['CMD', 'pg_isready', '-q'])).toEqual(['pg_isready', '-q'])
    expect(healthArgv(['CMD-SHELL', 'curl -f http://localhost/ || exit 1'])).toEqual(['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'])
    expect(healthArgv(['NONE'])).toBeUndefined()
    expect(healthArgv(undefined)).toBeUndefined()
  })
})

describe('the front door forwarder with a replica that refuses', () => {
  it('passes each connection to a replica that answers, the client never seeing the refusal', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-door-'))
    const table = path.join(dir, 'table.json')
    // Two replicas on one port; only 127.0.0.1's listens (127.0.0.2's is stopping: connections refused).
    const port = await freePort()
    const live = net.createServer((s) => s.on('data', (d) => s.write(`live:${d}`)))
    await new Promise<void>((r) => live.listen(port, '127.0.0.1', () => r()))
    writeFileSync(table, JSON.stringify({web: ['127.0.0.2', '127.0.0.1']}))
    const listen = await freePort()
    const door = spawn(process.execPath, [DOOR], {
      env: {...process.env, BERTH_DOOR_MODE: 'host', BERTH_DOOR_TABLE: table, BERTH_DOOR_ROUTES: JSON.stringify([{listen, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port}])},
      stdio: 'ignore',
    })
    try {
      // Round-robin would send every other connection to the refusing replica: each is answered.
      for (const n of [1, 2, 3, 4]) {
        const s = await connect(listen)
        expect(await reply(s, `r${n}`)).toBe(`live:r${n}`)
        s.destroy()
      }
    } finally {
      door.kill('SIGTERM')
      live.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
