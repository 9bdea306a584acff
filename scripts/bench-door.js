// Speed of berth's front door: the same tiny Node HTTP server (local/node:20) once published directly by
// Docker on 127.0.0.1 (the baseline: one hop through docker-proxy) and once behind the door of a berth stack,
// measured side by side in alternating rounds; medians of the rounds.
//
//   import {benchDoor} from './bench-door.js'
//   const rows = await benchDoor({rounds: 8, seconds: 2})   // or: node scripts/bench-door.js (BENCH_DOOR_ROUNDS=N)
//
// Rows have the shape of bench.js's row(): {name, berth_s, baseline_s, ratio, target, ok}, plus `unit`.
// The fields berth_s and baseline_s hold the measure in `unit` (named in the row's name too), not seconds:
//   - keep-alive requests/s (autocannon, 10 connections): target ratio >= 0.9
//   - keep-alive p50 latency in ms: target berth <= baseline + 0.5 ms (ratio is information)
//   - a 100 MB download, MB/s: target ratio >= 0.9
// Needs a built CLI (npm run build), the engine and local/node:20. Removes its containers, networks and
// volumes even when it fails. BERTH_DOOR_MODE passes through to berth (host or published door).
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI, median, run} from './bench-lib.js'

const IMAGES = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7,debian:bookworm-slim=local/debian:bookworm'
const IMAGE = 'local/node:20'
const PORT = 8000
const DOWNLOAD_MB = 100

export {median, run}

// The server: "/" answers "ok" (keep-alive), "/big" streams DOWNLOAD_MB MB in 64 KB chunks.
export const SERVER = `const http = require('node:http')
const chunk = Buffer.alloc(65536, 120)
http.createServer((req, res) => {
  if (req.url !== '/big') return res.end('ok')
  res.writeHead(200, {'content-length': String(${DOWNLOAD_MB} * 1024 * 1024)})
  let left = ${DOWNLOAD_MB} * 16
  const more = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once('drain', more) } res.end() }
  more()
}).listen(Number(process.env.PORT || ${PORT}), '0.0.0.0')
process.on('SIGTERM', () => process.exit(0))
`

function canBind(port) {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen({host: '127.0.0.1', port}, () => s.close(() => resolve(true)))
  })
}

const picked = new Set()
export async function freePort(base) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = base + Math.floor(Math.random() * 200) * 100
    if (picked.has(port)) continue
    if ((await canBind(port)) && (await canBind(port + 1229))) return picked.add(port), port
  }
  throw new Error('no free port found')
}

/** GET / on the port answers 200 (http.get with a timeout: a half-ready port may never answer). */
function answers(port) {
  return new Promise((resolve) => {
    const req = http.get({host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000}, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
      res.on('error', () => resolve(false))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/** Poll until GET / answers on the port. */
export async function reachable(port, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs
  while (!(await answers(port))) {
    if (Date.now() > until) throw new Error(`nothing answers on 127.0.0.1:${port}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/**
 * autocannon against the port: requests/s (mean) and p50 latency (ms). autocannon's own percentiles are whole
 * milliseconds; the p50 here is exact, from every response's time (a float in ms, its 'response' event).
 */
async function keepAlive(port, seconds) {
  const autocannon = (await import('autocannon')).default
  const times = []
  const instance = autocannon({url: `http://127.0.0.1:${port}/`, connections: 10, duration: seconds})
  instance.on('response', (_client, _status, _bytes, ms) => times.push(ms))
  const result = await instance
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`autocannon on ${port}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  return {rps: result.requests.average, p50: +median(times).toFixed(3)}
}

/** Seconds to download /big from the port (the body read and dropped). */
function download(port) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    let bytes = 0
    http
      .get({host: '127.0.0.1', port, path: '/big', agent: false}, (res) => {
        res.on('data', (c) => (bytes += c.length))
        res.on('end', () => {
          if (bytes !== DOWNLOAD_MB * 1024 * 1024) return reject(new Error(`download on ${port}: ${bytes} bytes`))
          resolve(Number(process.hrtime.bigint() - start) / 1e9)
        })
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** A one-service berth stack running the server (node template, no inspector). */
function writeStack(dir, name) {
  mkdirSync(path.join(dir, 'app'))
  writeFileSync(path.join(dir, 'app', 'server.js'), SERVER)
  const berthYml = {name, services: {web: {template: 'node', source: 'app', port: PORT, command: ['node', 'server.js'], params: {inspector: false}}}}
  writeFileSync(path.join(dir, 'berth.yml'), JSON.stringify(berthYml, null, 2) + '\n') // JSON is YAML
  const git = (args) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], {cwd: dir, stdio: 'ignore'})
  git(['init', '-q', '-b', 'main'])
  git(['add', '-A'])
  git(['commit', '-qm', 'bench'])
}

export async function cleanup(name, direct, dirs) {
  const ids = async (args) => (await run('docker', args).catch(() => '')).split('\n').filter(Boolean)
  const label = `label=dev.berth.project=${name}`
  await run('docker', ['rm', '-f', '-v', direct]).catch(() => undefined)
  const containers = await ids(['ps', '-aq', '--filter', label])
  if (containers.length) await run('docker', ['rm', '-f', '-v', ...containers]).catch(() => undefined)
  const networks = await ids(['network', 'ls', '-q', '--filter', label])
  if (networks.length) await run('docker', ['network', 'rm', ...networks]).catch(() => undefined)
  const volumes = await ids(['volume', 'ls', '-q', '--filter', label])
  if (volumes.length) await run('docker', ['volume', 'rm', '-f', ...volumes]).catch(() => undefined)
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
}

function rows(door, direct, mode) {
  const m = (xs) => median(xs)
  const rps = [m(door.rps), m(direct.rps)]
  const p50 = [m(door.p50), m(direct.p50)]
  const mbs = [m(door.mbs), m(direct.mbs)]
  const tag = `(${mode} door)`
  return [
    {name: `door ${tag}: keep-alive req/s, 10 connections, vs a port Docker publishes`, unit: 'req/s', berth_s: Math.round(rps[0]), baseline_s: Math.round(rps[1]), ratio: +(rps[0] / rps[1]).toFixed(2), target: '>= 0.9x', ok: rps[0] / rps[1] >= 0.9},
    {name: `door ${tag}: keep-alive p50 latency (ms) vs a port Docker publishes`, unit: 'ms', berth_s: p50[0], baseline_s: p50[1], ratio: +(p50[0] / p50[1]).toFixed(2), target: '<= +0.5 ms', ok: p50[0] <= p50[1] + 0.5},
    {name: `door ${tag}: 100 MB download (MB/s) vs a port Docker publishes`, unit: 'MB/s', berth_s: +mbs[0].toFixed(1), baseline_s: +mbs[1].toFixed(1), ratio: +(mbs[0] / mbs[1]).toFixed(2), target: '>= 0.9x', ok: mbs[0] / mbs[1] >= 0.9},
  ]
}

/** A berth stack running the server behind its door (in `mode`, or berth's choice): its port and the mode it got. */
async function doorSide(name, mode, {env, cli}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  const side = {name, dirs: [dir, state], rps: [], p50: [], mbs: []}
  writeStack(dir, name)
  side.port = await freePort(PORT + 20000)
  const berthEnv = {...env, BERTH_IMAGE_MAP: env.BERTH_IMAGE_MAP ?? IMAGES, NO_COLOR: '1', BERTH_PORT_OFFSET: String(side.port - PORT), BERTH_STATE_DIR: state, BERTH_CONFIG: '/nonexistent/berth.yml'}
  if (mode) berthEnv.BERTH_DOOR_MODE = mode
  return {
    side,
    async up() {
      await run(process.execPath, [cli, 'up', '-q'], {cwd: dir, env: berthEnv})
      side.mode = (await run('docker', ['ps', '--filter', `label=dev.berth.project=${name}`, '--filter', 'label=dev.berth.role=door', '--format', '{{.Label "dev.berth.door.mode"}}'])).trim() || 'published'
    },
  }
}

/**
 * Measure; returns the rows. `rounds` rounds of `seconds` of autocannon and one download on every side, the
 * order rotating each round. `modes`: the door modes to measure (BENCH_DOOR_MODES=host,published compares
 * both, interleaved in one run); default berth's own choice (or BERTH_DOOR_MODE).
 */
export async function benchDoor({rounds = Number(process.env.BENCH_DOOR_ROUNDS ?? 8), seconds = 2, env = process.env, cli = CLI, modes = (process.env.BENCH_DOOR_MODES ?? '').split(',').filter(Boolean)} = {}) {
  const name = `benchdoor-${process.pid}`
  const direct = {name: `${name}-direct`, rps: [], p50: [], mbs: []}
  const doors = []
  const all = () => [direct, ...doors.map((d) => d.side)]
  const clean = () => Promise.all([cleanup(name, direct.name, []), ...doors.map((d) => cleanup(d.side.name, direct.name, d.side.dirs))])
  // Interrupted (Ctrl-C): clean up all the same, then exit as interrupted.
  const interrupted = () => void clean().finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  try {
    for (const [i, mode] of (modes.length ? modes : [undefined]).entries()) doors.push(await doorSide(`${name}-${i}`, mode, {env, cli}))
    for (const d of doors) await d.up()
    direct.port = await freePort(31000)
    const app = path.join(doors[0].side.dirs[0], 'app')
    await run('docker', ['run', '-d', '--name', direct.name, '--init', '--label', `dev.berth.project=${name}`, '-p', `127.0.0.1:${direct.port}:${PORT}`, '-v', `${app}:/src:ro`, '-w', '/src', IMAGE, 'node', 'server.js'])
    await Promise.all(all().map((s) => reachable(s.port)))
    // Warm-up (JIT, connection set-up) on every side, not measured.
    for (const s of all()) {
      await keepAlive(s.port, 1)
      await download(s.port)
    }
    for (let i = 0; i < rounds; i++) {
      const sides = all()
      const order = sides.map((_, j) => sides[(i + j) % sides.length])
      for (const s of order) {
        const k = await keepAlive(s.port, seconds)
        s.rps.push(k.rps)
        s.p50.push(k.p50)
      }
      for (const s of order) s.mbs.push(DOWNLOAD_MB / (await download(s.port)))
    }
    return doors.flatMap((d) => rows(d.side, direct, d.side.mode))
  } finally {
    process.removeListener('SIGINT', interrupted)
    await clean()
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchDoor()
  for (const r of result) console.log(`| ${r.name} | ${r.berth_s} ${r.unit} | ${r.baseline_s} ${r.unit} | ${r.ratio} | ${r.target} | ${r.ok ? 'yes' : 'NO'} |`)
}
