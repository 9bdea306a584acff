// The front door's https, redirect and replica routes (runtime/door.cjs) run as a real process on this
// machine, with a real certificate from berth's local CA (src/infra/tls.ts) in a temporary state folder.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fileTls} from '../../src/infra/tls.js'

const DOOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../runtime/door.cjs')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nothing listens on ${port}`)
}

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
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({replica: name, url: req.url, proto: req.headers['x-forwarded-proto'], for: req.headers['x-forwarded-for'], host: req.headers['x-forwarded-host']}))
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

  it('serves https with a certificate of berth\'s CA, and the replicas answer in turn over kept-alive connections', async () => {
    const agent = new https.Agent({keepAlive: true, ca, maxSockets: 1})
    const seen: string[] = []
    for (let i = 0; i < 4; i++) seen.push(JSON.parse((await get(`https://127.0.0.1:${port.https}/page`, {agent})).body).replica)
    expect(seen).toEqual(seen[0] === 'a' ? ['a', 'b', 'a', 'b'] : ['b', 'a', 'b', 'a'])
    const localhost = await get(`https://localhost:${port.https}/`, {ca})
    expect(localhost.status).toBe(200)
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

  it('on SIGHUP with a changed table, drops https connections and sends new requests only to the replicas listed', async () => {
    const agent = new https.Agent({keepAlive: true, ca, maxSockets: 1})
    await get(`https://127.0.0.1:${port.https}/`, {agent})
    const [socket] = Object.values(agent.sockets).flat().concat(Object.values(agent.freeSockets).flat())
    const closed = new Promise<void>((r) => socket!.once('close', () => r()))
    writeFileSync(table, JSON.stringify({web: ['127.0.0.2'], db: ['127.0.0.1', '127.0.0.2']}))
    door.kill('SIGHUP')
    await closed
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) seen.add(JSON.parse((await get(`https://127.0.0.1:${port.https}/`, {agent})).body).replica)
    expect([...seen]).toEqual(['b'])
    agent.destroy()
  })
})
