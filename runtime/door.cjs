// berth's front door: a small TCP forwarder that holds a work tree's stable host ports and passes each
// connection to the service of the branch that is active now. It runs in its own container, on its own
// network; berth attaches the active stack's containers to that network under their service names, so
// "web" here is always the checked-out branch's web. Switching branches re-attaches other containers and
// sends SIGHUP, which closes the connections still open to the previous branch (keep-alive connections
// would otherwise keep talking to a paused stack).
//
// Routes come from the environment: BERTH_DOOR_ROUTES='[{"listen":8000,"host":"web","port":8000}, ...]'.
// No dependency beyond Node's standard library; it is passed to `node -e`, so no file has to be mounted.
'use strict'
const net = require('node:net')

const routes = JSON.parse(process.env.BERTH_DOOR_ROUTES || '[]')
const open = new Set()

function forward(route, client) {
  open.add(client)
  const upstream = net.connect({host: route.host, port: route.port})
  open.add(upstream)
  const close = () => {
    client.destroy()
    upstream.destroy()
    open.delete(client)
    open.delete(upstream)
  }
  client.on('error', close).on('close', close)
  upstream.on('error', close).on('close', close)
  client.pipe(upstream)
  upstream.pipe(client)
}

const servers = routes.map((route) => {
  const server = net.createServer((client) => forward(route, client))
  server.on('error', (error) => {
    console.error(`berth door: cannot listen on ${route.listen}: ${error.message}`)
    process.exit(1)
  })
  server.listen(route.listen, process.env.BERTH_DOOR_LISTEN || '0.0.0.0')
  return server
})

process.on('SIGHUP', () => {
  for (const socket of open) socket.destroy()
  open.clear()
})
const stop = () => {
  for (const server of servers) server.close()
  for (const socket of open) socket.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
console.error(`berth door: ${routes.map((r) => `${r.listen} -> ${r.host}:${r.port}`).join(', ') || 'no routes'}`)
