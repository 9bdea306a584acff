// berth inspector preload (dev mode). Mounted read-only into Node containers and loaded through
// NODE_OPTIONS=--require=..., so it runs in every Node process of the container. It opens the inspector
// only in the app process: wrapper processes (npm, npx, yarn, pnpm, corepack, nodemon, tsx's CLI),
// `node -e`/REPL one-offs (healthchecks, docker exec), workers, cluster workers and install scripts
// are skipped, so they never take the port from the app.
// After a restart inside the container (nodemon, tsx watch, berth watch) the previous instance may
// still hold the port for a moment: the app retries quietly until it is free, on the same port.
'use strict'

function appProcess() {
  const env = process.env
  if (env.BERTH_INSPECTOR === '0' || env.BERTH_INSTALL_KEY !== undefined) return false
  if (env.NODE_UNIQUE_ID !== undefined) return false // cluster worker
  if (/^(pre|post)?install$|^prepare$/.test(env.npm_lifecycle_event || '')) return false
  try {
    if (!require('node:worker_threads').isMainThread) return false
  } catch {
    return false
  }
  const script = process.argv[1]
  if (!script) return false // node -e, node -p, the REPL, stdin
  let real = script
  try {
    real = require('node:fs').realpathSync(script)
  } catch {
    // keep the path as given
  }
  const wrappers = [
    /[\\/]npm[\\/]bin[\\/](npm|npx)-cli\.js$/,
    /[\\/](npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack)(\.c?js)?$/,
    /[\\/]yarn[\\/](bin|lib)[\\/]/,
    /[\\/]pnpm[\\/](bin|dist)[\\/]/,
    /[\\/]corepack[\\/]/,
    /[\\/]nodemon[\\/]bin[\\/]nodemon\.js$/,
    /[\\/]tsx[\\/]dist[\\/]cli\.[cm]?js$/,
    /[\\/]node-dev[\\/]bin[\\/]/,
  ]
  const extra = (env.BERTH_INSPECTOR_SKIP || '').split(',').filter(Boolean)
  return !wrappers.some((re) => re.test(script) || re.test(real)) && !extra.some((s) => script.includes(s) || real.includes(s))
}

function start() {
  const inspector = require('node:inspector')
  if (inspector.url()) return // already open (--inspect given by the user)
  const port = Number(process.env.BERTH_INSPECTOR_PORT || 9229)
  const host = process.env.BERTH_INSPECTOR_HOST || '0.0.0.0'
  const net = require('node:net')
  const deadline = Date.now() + Number(process.env.BERTH_INSPECTOR_WAIT_MS || 15000)
  let warned = false
  const attempt = () => {
    // Probe first so a busy port costs no "address already in use" line on every try.
    const probe = net.createServer()
    probe.unref()
    probe.once('error', () => {
      if (!warned) {
        warned = true
        process.stderr.write(`berth: inspector port ${port} is still held (a previous instance shutting down?); retrying\n`)
      }
      if (Date.now() < deadline) setTimeout(attempt, 100).unref()
      else process.stderr.write(`berth: inspector port ${port} stayed busy; this process (pid ${process.pid}) runs without the inspector\n`)
    })
    probe.listen({port, host, exclusive: true}, () => {
      probe.close(() => {
        inspector.open(port, host, false)
        if (!inspector.url() && Date.now() < deadline) setTimeout(attempt, 100).unref()
      })
    })
  }
  attempt()
}

if (appProcess()) {
  try {
    start()
  } catch (error) {
    process.stderr.write(`berth: could not open the inspector: ${error && error.message}\n`)
  }
}
