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
// - in a swarm (swarm.publish: door), it is a global service of the stack in published mode; a route's host is
//   tasks.STACK_SERVICE, which the swarm's DNS answers with every running task.
//
// A target that refuses a connection (a replica stopping) or does not answer within a second (a task gone) is
// skipped and the next one tried, before a byte of the client's is sent: the client does not notice.
//
// Three kinds of route:
// - tcp (default): bytes both ways, a new connection to the next replica each time.
// - https: TLS ends here (BERTH_DOOR_TLS_CERT/KEY, a certificate from berth's local CA); each connection goes
//   to the next replica, and each request on it gets X-Forwarded-Proto: https, X-Forwarded-For (the client's
//   address), X-Forwarded-Host and X-Forwarded-Port. WebSocket upgrades pass.
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
const net = require('node:net')
const tls = require('node:tls')

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
    // Not in the table: berth may have just written it, its SIGHUP not handled yet (a request right after up).
    if (table[route.service] === undefined) readTable()
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

/** Call back with the next address of the route's service (round-robin) not in `skip`, or undefined when it has none. */
function withTarget(route, done, skip) {
  const pick = (all) => {
    const list = skip && skip.size ? all.filter((a) => !skip.has(a)) : all
    if (list.length === 0) return done(undefined)
    const i = turn.get(route.service) ?? 0
    turn.set(route.service, (i + 1) % list.length)
    done(list[i % list.length])
  }
  const now = addressesNow(route)
  if (now) pick(now)
  else lookup(route, pick)
}

/** An address that refused or did not answer: left out until the next lookup (published mode). */
function drop(route, address) {
  const r = resolved.get(route.host)
  if (r) r.list = r.list.filter((a) => a !== address)
}

// A connection the target refuses (a replica stopping, its container gone) is tried on the next address before
// the client notices: nothing of the client's has been sent yet (the client is paused until one connects). A
// task that is gone may not answer at all (no ARP reply on an overlay network): a connect gives up after a second.
const CONNECT_MS = 1000

/** Connect to one of the route's addresses, each tried once (and a fresh lookup once); done(socket, address) or done(). */
function connectTarget(route, socketOptions, done, tried = new Set(), looked = false) {
  withTarget(
    route,
    (to) => {
      if (!to) {
        if (tried.size > 0 && !looked && !host) {
          resolved.delete(route.host)
          return connectTarget(route, socketOptions, done, tried, true)
        }
        return done(undefined)
      }
      tried.add(to)
      const upstream = net.connect({...socketOptions(() => upstream), host: to, port: route.port})
      const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), CONNECT_MS)
      const failed = () => {
        clearTimeout(timer)
        drop(route, to)
        connectTarget(route, socketOptions, done, tried, looked)
      }
      upstream.once('error', failed)
      upstream.once('connect', () => {
        clearTimeout(timer)
        upstream.removeListener('error', failed)
        done(upstream, to)
      })
    },
    tried,
  )
}

// ---- tcp routes -------------------------------------------------------------------------------------

// Bytes from the target are read into one buffer per connection (256 KB, reused: fewer reads and no
// allocation per chunk: a fifth to two fifths less CPU on a download, measured) and written on at once. A write
// the kernel did not take whole keeps referring to the buffer, so reading pauses until it drained.
const BUFFER = 256 * 1024

function relay(from, to, buffer, n) {
  // The write's callback runs once this chunk is handed to the kernel. 'drain' would not do: Node emits it only
  // after a write() that returned false, and a small chunk left queued returns true (reading then never resumed).
  let queued = false
  to.write(buffer.subarray(0, n), () => {
    if (queued) from.resume()
  })
  if (to.writableLength > 0) {
    queued = true
    from.pause()
  }
}

function forward(route, client) {
  client.on('error', () => client.destroy())
  client.pause()
  const options = (self) => ({allowHalfOpen: true, onread: {buffer: Buffer.allocUnsafe(BUFFER), callback: (n, buffer) => relay(self(), client, buffer, n)}})
  connectTarget(route, options, (upstream, to) => {
    if (!upstream || client.destroyed) {
      upstream?.destroy()
      return client.destroy()
    }
    pipeTo(route, client, upstream, to)
  })
}

function pipeTo(route, client, upstream, to) {
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
  client.resume()
}

// ---- https routes: TLS ends here, HTTP to the app ---------------------------------------------------
//
// Each TLS connection goes to the next replica over a connection of its own, and its bytes stream through:
// the answers untouched, the requests parsed only as far as needed to find each request's head (where
// X-Forwarded-* are written) and its end (Content-Length, or the chunks of a chunked body). No HTTP object
// model, no second serialisation: about the cost of the tcp route plus TLS (an http.request proxy did a
// third to a half of the requests per second of a port Docker publishes, measured). Requests on one
// kept-alive connection stay with its replica, as with an L4 balancer; new connections take the replicas in turn.

const MAX_HEAD = 64 * 1024
const SET = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'])

function clientAddress(socket) {
  const a = socket.remoteAddress || ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

/** The request head with X-Forwarded-For (the client's address after any given), -Proto: https, -Host and -Port set. */
function rewriteHead(head, route, client) {
  const lines = head.split('\r\n')
  const out = [lines[0]]
  let xff = ''
  let host = ''
  const info = {length: 0, chunked: false, upgrade: false}
  let connection = ''
  let upgradeHeader = false
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${value}` : value
      continue
    }
    if (SET.has(name)) continue
    if (name === 'host') host = value
    else if (name === 'content-length') info.length = Number(value) || 0
    else if (name === 'transfer-encoding') info.chunked = /(^|,)\s*chunked\s*$/i.test(value)
    else if (name === 'connection') connection = value.toLowerCase()
    else if (name === 'upgrade') upgradeHeader = true
    out.push(line)
  }
  info.upgrade = upgradeHeader && /(^|,)\s*upgrade\s*(,|$)/.test(connection)
  out.push(`X-Forwarded-For: ${xff ? `${xff}, ${client}` : client}`, 'X-Forwarded-Proto: https')
  if (host) out.push(`X-Forwarded-Host: ${host}`)
  out.push(`X-Forwarded-Port: ${route.listen}`)
  return {head: `${out.join('\r\n')}\r\n\r\n`, info}
}

/**
 * The client's bytes to the app: each request head rewritten, bodies passed as they come. Returns a function
 * taking each chunk from the client and writing what is ready to `write`; false: not HTTP, the connection goes.
 */
function requestStream(route, client, write) {
  const address = clientAddress(client)
  let state = 'head' // head | body | size | data | crlf | trailer | raw
  let pending = Buffer.alloc(0) // a head (or a chunk-size line, a trailer) not complete yet
  let left = 0
  return function take(chunk) {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk
    pending = Buffer.alloc(0)
    let at = 0
    while (at < buf.length) {
      if (state === 'raw') {
        write(at ? buf.subarray(at) : buf)
        return true
      }
      if (state === 'body' || state === 'data') {
        const n = Math.min(left, buf.length - at)
        write(buf.subarray(at, at + n))
        at += n
        left -= n
        if (left === 0 && state === 'body') state = 'head'
        else if (left === 0) (state = 'crlf'), (left = 2)
        continue
      }
      if (state === 'crlf') {
        // the CRLF after a chunk's data
        const n = Math.min(left, buf.length - at)
        write(buf.subarray(at, at + n))
        at += n
        left -= n
        if (left === 0) state = 'size'
        continue
      }
      const end = buf.indexOf(state === 'head' ? '\r\n\r\n' : '\r\n', at)
      if (end < 0) {
        if (buf.length - at > MAX_HEAD) return false
        pending = Buffer.from(buf.subarray(at))
        return true
      }
      if (state === 'head') {
        if (end === at) {
          at += 2 // a stray CRLF between requests
          continue
        }
        const {head, info} = rewriteHead(buf.toString('latin1', at, end), route, address)
        write(Buffer.from(head, 'latin1'))
        at = end + 4
        if (info.upgrade) state = 'raw'
        else if (info.chunked) state = 'size'
        else if (info.length > 0) (state = 'body'), (left = info.length)
        continue
      }
      if (state === 'size') {
        const size = parseInt(buf.toString('latin1', at, end).split(';')[0].trim(), 16)
        if (Number.isNaN(size)) return false
        write(buf.subarray(at, end + 2))
        at = end + 2
        if (size === 0) state = 'trailer'
        else (state = 'data'), (left = size)
        continue
      }
      // trailer: lines until an empty one, which ends the request
      write(buf.subarray(at, end + 2))
      if (end === at) state = 'head'
      at = end + 2
    }
    return true
  }
}

function httpsForward(route, client) {
  client.on('error', () => client.destroy())
  client.pause()
  connectTarget(route, () => ({}), (upstream, to) => {
    if (client.destroyed) return upstream?.destroy()
    if (!upstream) {
      const text = `berth door: no running ${route.service} behind this port\n`
      return client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`)
    }
    // The answers are written to the TLS socket as they come (it encrypts them into its own buffers, so no
    // read buffer is reused under it as on the tcp route).
    upstream.setNoDelay(true)
    upstream.on('data', (chunk) => {
      if (!client.write(chunk)) {
        upstream.pause()
        client.once('drain', () => upstream.resume())
      }
    })
    open.set(client, {upstream, target: to, route})
    const close = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
    }
    const take = requestStream(route, client, (bytes) => {
      if (!upstream.write(bytes)) {
        client.pause()
        upstream.once('drain', () => client.resume())
      }
    })
    client.on('data', (chunk) => {
      if (!take(chunk)) close()
    })
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    client.on('close', close)
    upstream.on('error', close).on('close', () => (client.writableLength > 0 ? client.end() : close()))
    client.resume()
  })
}

function httpsServer(route) {
  // noDelay on the TCP socket under TLS: the app's headers and body may be two writes, and Nagle would hold the
  // second one back for the client's ACK.
  // AES-128-GCM first (TLS 1.3's mandatory suite; less work than AES-256 on both ends of a loopback connection).
  const options = {cert: process.env.BERTH_DOOR_TLS_CERT, key: process.env.BERTH_DOOR_TLS_KEY, noDelay: true, ALPNProtocols: ['http/1.1'], ciphers: `TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:${tls.DEFAULT_CIPHERS}`, honorCipherOrder: true}
  const server = tls.createServer(options, (client) => httpsForward(route, client))
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
  if (host) readTable()
  resolved.clear()
  const still = (route, target) => host && [].concat(table[route.service] ?? []).includes(target)
  for (const [client, c] of open) {
    if (still(c.route, c.target)) continue
    client.destroy()
    c.upstream.destroy()
    open.delete(client)
  }
})
const stop = () => {
  for (const server of servers) server.close()
  for (const [client, c] of open) client.destroy(), c.upstream.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
console.error(`berth door (${host ? 'host' : 'published'}): ${routes.map((r) => `${host ? `${r.bind}:` : ''}${r.listen}${r.kind ? ` ${r.kind}` : ''} -> ${r.kind === 'redirect' ? `https :${r.https}` : `${host ? r.service : r.host}:${r.port}`}`).join(', ') || 'no routes'}`)
