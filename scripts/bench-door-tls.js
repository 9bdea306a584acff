// Speed of the https front door (qa, stage): the same tiny Node HTTP server (bench-door.js's, local/node:20)
// once published directly by Docker on 127.0.0.1 as plain http (the baseline: one hop through docker-proxy)
// and once behind the door of a berth stack whose environment has tls: true, reached over https (TLS ends in
// the door, which proxies HTTP to the app over kept-alive connections). Alternating rounds; medians.
//
//   import {benchDoorTls} from './bench-door-tls.js'
//   const rows = await benchDoorTls({rounds: 6, seconds: 2})   // or: node scripts/bench-door-tls.js
//
// One row: keep-alive requests/s (wrk by default, see CLIENT; 10 connections), target ratio >= 0.8. Neither wrk nor autocannon
// checks the certificate (autocannon sets rejectUnauthorized: false; wrk never checks); the TLS work is the same. BERTH_DOOR_MODE passes through.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI} from './bench-lib.js'
import {cleanup, freePort, median, reachable, run, SERVER} from './bench-door.js'

const IMAGES = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7,debian:bookworm-slim=local/debian:bookworm'
const IMAGE = 'local/node:20'
const PORT = 8000

// BENCH_TLS_WORKERS=N: autocannon worker threads on both sides (default none: one client thread, whose own TLS
// work is counted against the https side; a profile of the door showed it mostly idle meanwhile).
const WORKERS = Number(process.env.BENCH_TLS_WORKERS ?? 0)

// The client: wrk (C, OpenSSL, 2 threads) in a container on the host's network, its image built once from
// local/debian:bookworm (apt works in builds): its own TLS costs little, so the row measures the door, not the
// client. autocannon (BENCH_TLS_CLIENT=autocannon, or when the image cannot be built) does the client's TLS in one
// JavaScript thread on the same 2 vCPUs, and that work counts against the https side (0.61x where wrk gave 0.85x).
let CLIENT = process.env.BENCH_TLS_CLIENT ?? 'wrk'
const WRK_IMAGE = 'berth-bench/wrk'

async function wrkImage() {
  const have = await run('docker', ['image', 'ls', '-q', WRK_IMAGE]).catch(() => '')
  if (have.trim()) return
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-wrk-'))
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM local/debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends wrk ca-certificates && rm -rf /var/lib/apt/lists/*\n')
  await run('docker', ['build', '-q', '-t', WRK_IMAGE, dir])
}

async function keepAlive(url, seconds) {
  if (CLIENT === 'wrk') {
    const out = await run('docker', ['run', '--rm', '--network', 'host', WRK_IMAGE, 'wrk', '-t2', '-c10', `-d${seconds}s`, url])
    const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out)
    if (errors) throw new Error(`wrk on ${url}: ${errors[0]}`)
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])
  }
  const autocannon = (await import('autocannon')).default
  const result = await autocannon({url, connections: 10, duration: seconds, ...(WORKERS > 0 ? {workers: WORKERS} : {})})
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`autocannon on ${url}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  return result.requests.average
}

/** GET / over https answers 200 (with berth's CA). */
async function reachableTls(port, ca, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise((resolve) => {
      https.get({host: '127.0.0.1', port, path: '/', ca, agent: false, timeout: 2000}, (res) => (res.resume(), resolve(res.statusCode === 200))).on('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > until) throw new Error(`nothing answers https on 127.0.0.1:${port}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

function writeStack(dir, name) {
  mkdirSync(path.join(dir, 'app'))
  writeFileSync(path.join(dir, 'app', 'server.js'), SERVER)
  // dev (the source mounted, nothing to build) with the front door's https on, as qa and stage have it.
  const berthYml = {name, services: {web: {template: 'node', source: 'app', port: PORT, command: ['node', 'server.js'], params: {inspector: false}}}, environments: {dev: {tls: true}}}
  writeFileSync(path.join(dir, 'berth.yml'), JSON.stringify(berthYml, null, 2) + '\n') // JSON is YAML
  const git = (args) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], {cwd: dir, stdio: 'ignore'})
  git(['init', '-q', '-b', 'main'])
  git(['add', '-A'])
  git(['commit', '-qm', 'bench'])
}

export async function benchDoorTls({rounds = Number(process.env.BENCH_DOOR_ROUNDS ?? 6), seconds = 2, env = process.env, cli = CLI} = {}) {
  const name = `benchtls-${process.pid}`
  const directName = `${name}-direct`
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  const clean = () => cleanup(name, directName, [dir, state])
  const interrupted = () => void clean().finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  try {
    writeStack(dir, name)
    const app = await freePort(PORT + 20000)
    const berthEnv = {...env, BERTH_IMAGE_MAP: env.BERTH_IMAGE_MAP ?? IMAGES, NO_COLOR: '1', BERTH_PORT_OFFSET: String(app - PORT), BERTH_STATE_DIR: state, BERTH_CONFIG: '/nonexistent/berth.yml'}
    await run(process.execPath, [cli, 'up', '-q'], {cwd: dir, env: berthEnv})
    const door = app + 443
    const mode = (await run('docker', ['ps', '--filter', `label=dev.berth.project=${name}`, '--filter', 'label=dev.berth.role=door', '--format', '{{.Label "dev.berth.door.mode"}}'])).trim() || 'published'
    const ca = (await run(process.execPath, [cli, 'tls', 'ca'], {cwd: dir, env: berthEnv})).trim()
    const direct = await freePort(31000)
    // On a network of its own, as Compose would put it (and not on docker0, which another tool may have broken).
    await run('docker', ['network', 'create', '--label', `dev.berth.project=${name}`, `${name}-net`])
    await run('docker', ['run', '-d', '--name', directName, '--network', `${name}-net`, '--init', '--label', `dev.berth.project=${name}`, '-p', `127.0.0.1:${direct}:${PORT}`, '-v', `${path.join(dir, 'app')}:/src:ro`, '-w', '/src', IMAGE, 'node', 'server.js'])
    await reachable(direct)
    await reachableTls(door, (await import('node:fs')).readFileSync(ca))
    const sides = [
      {url: `https://127.0.0.1:${door}/`, rps: []},
      {url: `http://127.0.0.1:${direct}/`, rps: []},
    ]
    if (CLIENT === 'wrk') {
      await wrkImage().catch((error) => {
        console.error(`bench door-tls: no wrk image (${error.message.split('\n')[0]}): autocannon instead`)
        CLIENT = 'autocannon'
      })
    }
    for (const s of sides) await keepAlive(s.url, 1) // warm-up: JIT, connections, TLS sessions
    for (let i = 0; i < rounds; i++) for (const s of i % 2 ? [...sides].reverse() : sides) s.rps.push(await keepAlive(s.url, seconds))
    const [tls, plain] = sides.map((s) => median(s.rps))
    const ratio = tls / plain
    return [
      {
        name: `https front door (${mode} door, TLS in the door, HTTP to the app) vs plain http on a port Docker publishes: keep-alive req/s, 10 connections (${CLIENT})`,
        unit: 'req/s',
        berth_s: Math.round(tls),
        baseline_s: Math.round(plain),
        ratio: +ratio.toFixed(2),
        target: '>= 0.8x',
        ok: ratio >= 0.8,
      },
    ]
  } finally {
    process.removeListener('SIGINT', interrupted)
    await clean()
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchDoorTls()) console.log(`| ${r.name} | ${r.berth_s} ${r.unit} | ${r.baseline_s} ${r.unit} | ${r.ratio} | ${r.target} | ${r.ok ? 'yes' : 'NO'} |`)
}
