// berth's front door: a small forwarder that holds a work tree's stable host ports and passes each
// connection to the service of the branch that is active now. Two modes (BERTH_DOOR_MODE):
//
// - published (default): it runs on its own network and Docker publishes its ports; berth attaches the
//   active stack's containers to that network under door aliases, so "berth-route-web" here is always
//   the checked-out branch's web (one address per replica: all are looked up and taken in turn).
// - host: it runs in the host's network namespace and listens on each route's bind address (127.0.0.1)
//   itself, one hop like a port Docker publishes. It cannot use Docker's DNS, so berth writes a table
//   {service: [addresses on the door network, one per replica]} to BERTH_DOOR_TABLE and sends SIGHUP; it is
//   read again then.
//
// Three kinds of route:
// - tcp (default): bytes both ways, a new connection to the next replica each time.
// - https: TLS ends here (BERTH_DOOR_TLS_CERT/KEY, a certificate from berth's local CA), and each request is
//   proxied as HTTP to the next replica over kept-alive connections, with X-Forwarded-Proto: https,
//   X-Forwarded-For (the client's address), X-Forwarded-Host and X-Forwarded-Port. WebSocket upgrades pass.
// - redirect: plain http answered with 308 to the same path on the https port.
//
// SIGHUP means "the routes changed": connections still open to a previous target are closed (keep-alive
// connections would otherwise keep talking to a paused stack). In host mode, those whose target is
// unchanged stay open.
//
// Routes come from the environment: BERTH_DOOR_ROUTES='[{"listen":8000,"bind":"127.0.0.1","service":"web",
// "host":"berth-route-web","port":8000}, {"listen":8443,...,"kind":"https"}, {"listen":8080,...,"kind":
// "redirect","https":8443}]'. No dependency beyond Node's standard library; it is passed to `node -e`, so no
// file has to be mounted.
'use strict'
const dns = require('node:dns')
const fs = require('node:fs')
const http = require('node:http')
const https = require('node:https')
const net = require('node:net')

const routes = JSON.parse(process.env.BERTH_DOOR_ROUTES || '[]')
const host = process.env.BERTH_DOOR_MODE === 'host'
const tableFile = process.env.BERTH_DOOR_TABLE || '/tmp/berth-door-table.json'
let table = {}
const open = new Map() // client socket (tcp routes) -> {upstream, target}

function readTable() {
  try {
    table = JSON.parse(fs.readFileSync(tableFile, 'utf8'))
  } catch {
    table = {} // none yet: no route has a target
  }
}

// ---- Targets: the addresses of a route's service now, taken in turn ---------------------------------

// Published mode: what Docker's DNS answers for a door alias (every replica), kept for a second; SIGHUP
// forgets it at once.
const LOOKUP_MS = 1000
const resolved = new Map() // alias -> {at, list, pending}
const turn = new Map() // service -> next index

function addressesNow(route) {
  if (host) {
    const t = table[route.service]
    return t === undefined ? [] : [].concat(t)
  }
  const r = resolved.get(route.host)
  return r && Date.now() - r.at < LOOKUP_MS ? r.list : undefined
}

function lookup(route, done) {
  let r = resolved.get(route.host)
  if (!r) resolved.set(route.host, (r = {at: 0, list: [], pending: null}))
  if (!r.pending) {
    r.pending = []
    dns.lookup(route.host, {all: true, family: 4}, (error, found) => {
      const waiting = r.pending
      r.pending = null
      r.at = Date.now()
      r.list = error ? [] : [...new Set(found.map((a) => a.address))].sort()
      for (const cb of waiting) cb(r.list)
    })
  }
  r.pending.push(done)
}

/** Call back with the next address of the route's service (round-robin), or undefined when it has none. */
function withTarget(route, done) {
  const pick = (list) => {
    if (list.length === 0) return done(undefined)
    const i = turn.get(route.service) ?? 0
    turn.set(route.service, (i + 1) % list.length)
    done(list[i % list.length])
  }
  const now = addressesNow(route)
  if (now) pick(now)
  else lookup(route, pick)
}

// ---- tcp routes -------------------------------------------------------------------------------------

// Bytes from the target are read into one buffer per connection (256 KB, reused: fewer reads and no
// allocation per chunk: a fifth to two fifths less CPU on a download, measured) and written on at once. A write
// the kernel did not take whole keeps referring to the buffer, so reading pauses until it drained.
const BUFFER = 256 * 1024

function relay(from, to, buffer, n) {
  to.write(buffer.subarray(0, n))
  if (to.writableLength > 0) {
    from.pause()
    to.once('drain', () => from.resume())
  }
}

function forward(route, client) {
  client.on('error', () => client.destroy())
  withTarget(route, (to) => {
    if (!to || client.destroyed) return client.destroy()
    pipeTo(route, client, to)
  })
}

function pipeTo(route, client, to) {
  const upstream = net.connect({host: to, port: route.port, allowHalfOpen: true, onread: {buffer: Buffer.allocUnsafe(BUFFER), callback: (n, buffer) => relay(upstream, client, buffer, n)}})
  open.set(client, {upstream, target: to, route})
  const close = () => {
    client.destroy()
    upstream.destroy()
    open.delete(client)
  }
  // Small requests and answers go out at once (no Nagle delay on either side).
  client.setNoDelay(true)
  upstream.setNoDelay(true)
  client.on('data', (chunk) => {
    if (!upstream.write(chunk)) {
      client.pause()
      upstream.once('drain', () => client.resume())
    }
  })
  // A side that finished sending ends the other (after what is queued): half-closed TCP passes through.
  client.on('end', () => upstream.end())
  upstream.on('end', () => client.end())
  client.on('error', close).on('close', close)
  upstream.on('error', close).on('close', () => (client.writableLength > 0 ? client.end() : close()))
}

// ---- https routes: TLS ends here, HTTP to the app ---------------------------------------------------

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'http2-settings'])
const agents = new Map() // route.listen -> http.Agent (kept-alive connections to the replicas)
const httpsClients = new Map() // route.listen -> Set of client sockets

function agentOf(route) {
  let agent = agents.get(route.listen)
  if (!agent) agents.set(route.listen, (agent = new http.Agent({keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo'})))
  return agent
}

function clientAddress(req) {
  const a = req.socket.remoteAddress || ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

/** The request's headers for the app: hop-by-hop ones dropped, X-Forwarded-* added (the client's own kept first). */
function forwardedHeaders(req, route) {
  const headers = {}
  const connection = String(req.headers.connection || '').toLowerCase().split(',').map((s) => s.trim())
  for (const [name, value] of Object.entries(req.headers)) if (!HOP.has(name) && !connection.includes(name)) headers[name] = value
  const xff = req.headers['x-forwarded-for']
  headers['x-forwarded-for'] = xff ? `${xff}, ${clientAddress(req)}` : clientAddress(req)
  headers['x-forwarded-proto'] = 'https'
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host
  headers['x-forwarded-port'] = String(route.listen)
  headers.connection = 'keep-alive'
  return headers
}

function proxy(route, req, res) {
  withTarget(route, (to) => {
    if (!to) return res.writeHead(502, {'content-type': 'text/plain'}).end(`berth door: no running ${route.service} behind this port\n`)
    const upstream = http.request({host: to, port: route.port, method: req.method, path: req.url, headers: forwardedHeaders(req, route), agent: agentOf(route)}, (answer) => {
      const headers = {}
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP.has(name)) headers[name] = value
      res.writeHead(answer.statusCode, answer.statusMessage, headers)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, {'content-type': 'text/plain'}).end(`berth door: ${route.service}: ${error.message}\n`)
      else res.destroy()
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })
}

/** A WebSocket (or other) upgrade: the request head written to the app as it came (plus X-Forwarded-*), then bytes both ways. */
function upgrade(route, req, socket, head) {
  socket.on('error', () => socket.destroy())
  withTarget(route, (to) => {
    if (!to || socket.destroyed) return socket.destroy()
    const upstream = net.connect({host: to, port: route.port}, () => {
      const headers = forwardedHeaders(req, route)
      headers.connection = 'Upgrade'
      headers.upgrade = req.headers.upgrade
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (const [name, value] of Object.entries(headers)) for (const v of [].concat(value)) lines.push(`${name}: ${v}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) upstream.write(head)
      upstream.pipe(socket).pipe(upstream)
    })
    trackHttps(route, socket)
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
  })
}

function trackHttps(route, socket) {
  let set = httpsClients.get(route.listen)
  if (!set) httpsClients.set(route.listen, (set = new Set()))
  set.add(socket)
  socket.once('close', () => set.delete(socket))
}

function httpsServer(route) {
  // noDelay on the TCP socket under TLS (a TLS socket's own setNoDelay does not reach it): the headers and the
  // body of an answer are two TLS records, and Nagle would hold the second one back for the client's ACK.
  const options = {cert: process.env.BERTH_DOOR_TLS_CERT, key: process.env.BERTH_DOOR_TLS_KEY, noDelay: true, keepAliveTimeout: 30_000}
  const server = https.createServer(options, (req, res) => proxy(route, req, res))
  server.on('secureConnection', (socket) => trackHttps(route, socket))
  server.on('upgrade', (req, socket, head) => upgrade(route, req, socket, head))
  server.on('tlsClientError', (_error, socket) => socket.destroy())
  return server
}

// ---- redirect routes: http to https -----------------------------------------------------------------

/** The host name the client used (from Host:, without its port), when it is a plain name or address. */
function hostName(req, route) {
  const given = String(req.headers.host || '')
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?$/.exec(given)
  if (m) return m[1]
  return route.bind === '0.0.0.0' || !route.bind ? '127.0.0.1' : route.bind.includes(':') ? `[${route.bind}]` : route.bind
}

function redirectServer(route) {
  return http.createServer((req, res) => {
    const port = route.https === 443 ? '' : `:${route.https}`
    const location = `https://${hostName(req, route)}${port}${req.url && req.url.startsWith('/') ? req.url : '/'}`
    res.writeHead(308, {location, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(`${location}\n`)}).end(`${location}\n`)
  })
}

// ---- listening and signals --------------------------------------------------------------------------

if (host) readTable()
const servers = routes.map((route) => {
  const server = route.kind === 'https' ? httpsServer(route) : route.kind === 'redirect' ? redirectServer(route) : net.createServer({allowHalfOpen: true}, (client) => forward(route, client))
  server.on('error', (error) => {
    console.error(`berth door: cannot listen on ${host ? route.bind : ''}:${route.listen}: ${error.message}`)
    process.exit(1)
  })
  server.listen(route.listen, host ? route.bind : process.env.BERTH_DOOR_LISTEN || '0.0.0.0')
  return server
})

process.on('SIGHUP', () => {
  const before = JSON.stringify(table)
  const old = host ? JSON.parse(before) : {}
  if (host) readTable()
  resolved.clear()
  const still = (route, target) => host && [].concat(table[route.service] ?? []).includes(target)
  for (const [client, c] of open) {
    if (still(c.route, c.target)) continue
    client.destroy()
    c.upstream.destroy()
    open.delete(client)
  }
  // https: a service whose addresses changed loses its clients' connections and its kept-alive ones.
  for (const route of routes) {
    if (route.kind !== 'https') continue
    if (host && JSON.stringify([].concat(old[route.service] ?? [])) === JSON.stringify([].concat(table[route.service] ?? []))) continue
    for (const socket of httpsClients.get(route.listen) ?? []) socket.destroy()
    agents.get(route.listen)?.destroy()
    agents.delete(route.listen)
  }
})
const stop = () => {
  for (const server of servers) server.close()
  for (const [client, c] of open) client.destroy(), c.upstream.destroy()
  for (const set of httpsClients.values()) for (const socket of set) socket.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
console.error(`berth door (${host ? 'host' : 'published'}): ${routes.map((r) => `${host ? `${r.bind}:` : ''}${r.listen}${r.kind ? ` ${r.kind}` : ''} -> ${r.kind === 'redirect' ? `https :${r.https}` : `${host ? r.service : r.host}:${r.port}`}`).join(', ') || 'no routes'}`)
