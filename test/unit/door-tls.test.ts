// The front door's https, redirect and replica routes (runtime/door.cjs) run as a real process on this
// machine, with a real certificate from berth's local CA (src/infra/tls.ts) in a temporary state folder.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fileTls} from '../../src/infra/tls.js'
import {connect, DOOR, freePort} from './door-process.js'

const listening = async (port: number): Promise<void> => void (await connect(port)).destroy()

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

function get(url: string, options: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http
    mod
      .get(url, options, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}))
      })
      .on('error', reject)
  })
}

describe('the https front door', () => {
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-tls-state-'))
  const table = path.join(state, 'table.json')
  const servers: net.Server[] = []
  let door: ChildProcess
  let ca: string
  let port: {app: number; https: number; redirect: number; tcp: number}

  beforeAll(async () => {
    const tls = fileTls({BERTH_STATE_DIR: state})
    const leaf = await tls.leaf('shop')
    ca = readFileSync((await tls.ca()).certFile, 'utf8')
    const app = await freePort()
    // Two replicas of the app on one port: 127.0.0.1 and 127.0.0.2 (both loopback on Linux). Each says who it is
    // and what it was told.
    for (const [name, address] of [
      ['a', '127.0.0.1'],
      ['b', '127.0.0.2'],
    ]) {
      const server = http.createServer((req, res) => {
        let length = 0
        req.on('data', (d: Buffer) => (length += d.length))
        req.on('end', () => {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({replica: name, url: req.url, proto: req.headers['x-forwarded-proto'], for: req.headers['x-forwarded-for'], host: req.headers['x-forwarded-host'], length}))
        })
      })
      server.on('upgrade', (_req, socket) => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n')
        socket.on('data', (d) => socket.write(`${name}:${d}`))
      })
      await new Promise<void>((r) => server.listen(app, address, () => r()))
      servers.push(server)
    }
    const tcpApp = await freePort()
    for (const [name, address] of [
      ['a', '127.0.0.1'],
      ['b', '127.0.0.2'],
    ]) {
      const server = net.createServer((s) => s.on('data', (d) => s.write(`${name}:${d}`)))
      await new Promise<void>((r) => server.listen(tcpApp, address, () => r()))
      servers.push(server)
    }
    port = {app, https: await freePort(), redirect: await freePort(), tcp: await freePort()}
    writeFileSync(table, JSON.stringify({web: ['127.0.0.1', '127.0.0.2'], db: ['127.0.0.1', '127.0.0.2']}))
    const routes = [
      {listen: port.https, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: app, kind: 'https'},
      {listen: port.redirect, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: app, kind: 'redirect', https: port.https},
      {listen: port.tcp, bind: '127.0.0.1', service: 'db', host: 'berth-route-db', port: tcpApp},
    ]
    door = spawn(process.execPath, [DOOR], {
      env: {...process.env, BERTH_DOOR_MODE: 'host', BERTH_DOOR_TABLE: table, BERTH_DOOR_ROUTES: JSON.stringify(routes), BERTH_DOOR_TLS_CERT: leaf.cert, BERTH_DOOR_TLS_KEY: leaf.key},
      stdio: 'ignore',
    })
    for (const p of [port.https, port.redirect, port.tcp]) await listening(p)
  })

  afterAll(() => {
    door?.kill('SIGTERM')
    for (const s of servers) s.close()
    rmSync(state, {recursive: true, force: true})
  })

  it("serves https with a certificate of berth's CA; new connections take the replicas in turn, a kept-alive one stays with its replica", async () => {
    const seen: string[] = []
    for (let i = 0; i < 4; i++) seen.push(JSON.parse((await get(`https://127.0.0.1:${port.https}/page`, {ca, agent: false})).body).replica)
    expect(seen).toEqual(seen[0] === 'a' ? ['a', 'b', 'a', 'b'] : ['b', 'a', 'b', 'a'])
    const agent = new https.Agent({keepAlive: true, ca, maxSockets: 1})
    const kept = new Set<string>()
    for (let i = 0; i < 3; i++) kept.add(JSON.parse((await get(`https://127.0.0.1:${port.https}/page`, {agent})).body).replica)
    expect(kept.size).toBe(1)
    agent.destroy()
    const localhost = await get(`https://localhost:${port.https}/`, {ca})
    expect(localhost.status).toBe(200)
  })

  it('finds where each request ends on a kept-alive connection: a body of a given length, a chunked one, then a plain GET', async () => {
    const agent = new https.Agent({keepAlive: true, ca, maxSockets: 1})
    const send = (method: string, body: string | undefined, headers: Record<string, string> = {}) =>
      new Promise<Answer>((resolve, reject) => {
        const req = https.request({host: '127.0.0.1', port: port.https, path: `/${method}`, method, agent, headers}, (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: text}))
        })
        req.on('error', reject)
        if (body !== undefined && headers['transfer-encoding']) {
          req.write(body.slice(0, 3))
          req.write(body.slice(3))
        } else if (body !== undefined) req.write(body)
        req.end()
      })
    const sized = JSON.parse((await send('POST', 'x'.repeat(70_000), {'content-length': '70000'})).body)
    expect(sized).toMatchObject({url: '/POST', proto: 'https', length: 70_000})
    const chunked = JSON.parse((await send('PUT', 'hello world', {'transfer-encoding': 'chunked'})).body)
    expect(chunked).toMatchObject({url: '/PUT', proto: 'https', length: 11})
    const plain = JSON.parse((await send('GET', undefined)).body)
    expect(plain).toMatchObject({url: '/GET', proto: 'https', length: 0})
    expect(new Set([sized.replica, chunked.replica, plain.replica]).size).toBe(1) // one connection throughout
    agent.destroy()
  })

  it('is refused by a client that does not know the CA', async () => {
    await expect(get(`https://127.0.0.1:${port.https}/`)).rejects.toThrow(/self-signed|unable to (verify|get local issuer)/i)
  })

  it('tells the app the request came over https, from which client and for which host', async () => {
    const r = JSON.parse((await get(`https://127.0.0.1:${port.https}/x?y=1`, {ca, headers: {'x-forwarded-for': '10.1.2.3'}})).body)
    expect(r).toMatchObject({url: '/x?y=1', proto: 'https', for: '10.1.2.3, 127.0.0.1', host: `127.0.0.1:${port.https}`})
  })

  it('redirects plain http to the same path on the https port', async () => {
    const r = await get(`http://127.0.0.1:${port.redirect}/a/b?c=d`)
    expect(r.status).toBe(308)
    expect(r.headers.location).toBe(`https://127.0.0.1:${port.https}/a/b?c=d`)
    const named = await get(`http://localhost:${port.redirect}/`)
    expect(named.headers.location).toBe(`https://localhost:${port.https}/`)
    // A Host that is no plain name is not echoed into the Location.
    const odd = await get(`http://127.0.0.1:${port.redirect}/`, {headers: {host: 'evil.example/x'}})
    expect(odd.headers.location).toBe(`https://127.0.0.1:${port.https}/`)
  })

  it('passes a WebSocket-style upgrade through to a replica', async () => {
    const tls = await import('node:tls')
    const socket = tls.connect({host: '127.0.0.1', port: port.https, ca, servername: 'localhost'})
    const text = await new Promise<string>((resolve, reject) => {
      let got = ''
      socket.on('data', (d) => {
        got += d
        if (got.includes('\r\n\r\n') && !got.endsWith('\r\n\r\n')) resolve(got)
        else if (got.includes('\r\n\r\n')) socket.write('ping')
      })
      socket.on('error', reject)
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`)
    })
    socket.destroy()
    expect(text).toMatch(/^HTTP\/1.1 101/)
    expect(text).toMatch(/[ab]:ping$/)
  })

  it('takes the replicas of a tcp route in turn, one per connection', async () => {
    const once = () =>
      new Promise<string>((resolve, reject) => {
        const s = net.connect(port.tcp, '127.0.0.1', () => s.write('hi'))
        s.once('data', (d) => (s.destroy(), resolve(String(d))))
        s.once('error', reject)
      })
    const seen = [await once(), await once(), await once()]
    expect(new Set(seen)).toEqual(new Set(['a:hi', 'b:hi']))
    expect(seen[0]).toBe(seen[2])
  })

  it('on SIGHUP with a changed table, drops the https connections to a replica no longer listed, keeps the others', async () => {
    // Two kept-alive connections, one to each replica.
    const agents = [new https.Agent({keepAlive: true, ca, maxSockets: 1}), new https.Agent({keepAlive: true, ca, maxSockets: 1})]
    const replicaOf = new Map<https.Agent, string>()
    for (const agent of agents) replicaOf.set(agent, JSON.parse((await get(`https://127.0.0.1:${port.https}/`, {agent})).body).replica)
    expect(new Set(replicaOf.values())).toEqual(new Set(['a', 'b']))
    const socketOf = (agent: https.Agent) => Object.values(agent.freeSockets).flat()[0]!
    const toA = agents.find((a) => replicaOf.get(a) === 'a')!
    const toB = agents.find((a) => replicaOf.get(a) === 'b')!
    const keptSocket = socketOf(toB)
    const closed = new Promise<void>((r) => socketOf(toA).once('close', () => r()))
    writeFileSync(table, JSON.stringify({web: ['127.0.0.2'], db: ['127.0.0.1', '127.0.0.2']}))
    door.kill('SIGHUP')
    await closed
    expect(JSON.parse((await get(`https://127.0.0.1:${port.https}/`, {agent: toB})).body).replica).toBe('b')
    expect(socketOf(toB)).toBe(keptSocket)
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) seen.add(JSON.parse((await get(`https://127.0.0.1:${port.https}/`, {ca, agent: false})).body).replica)
    expect([...seen]).toEqual(['b'])
    for (const agent of agents) agent.destroy()
  })
})
