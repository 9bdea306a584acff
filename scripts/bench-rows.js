// The rows `npm run bench` can measure: a registry of {id, description, run}. `run(ctx)` is an async
// function returning row objects {name, berth_s, baseline_s, ratio, target[, ok]} (target: "<= 1.5x",
// ">= 0.8", "berth_s <= 1.0" or "info"); scripts/bench.js runs them in this order, or the ones BENCH_ONLY names.
//
// To add a row measured in another module (it exports an async function returning rows), add one entry:
//   {id: 'door', description: 'front door: ...', run: fromModule('./bench-door.js', 'benchDoor')},
// The module is imported only when its row runs.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {CLI, copyExample, IMAGE_MAP, median, removeProjectSync, ROOT as root} from './bench-lib.js'

export {CLI, median, root}
export const env = {...process.env, BERTH_IMAGE_MAP: process.env.BERTH_IMAGE_MAP ?? IMAGE_MAP, NO_COLOR: '1'}
const RUNS = Number(process.env.BENCH_RUNS ?? 15)

export function time(file, args, options = {}) {
  const t = process.hrtime.bigint()
  const r = spawnSync(file, args, {stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'], env: options.env ?? env, cwd: options.cwd})
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (r.status !== 0 && !options.allowFail) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`)
  return s
}

/** Run two commands alternately n times; medians of each. */
export function sideBySide(a, b, n = RUNS) {
  const ta = []
  const tb = []
  for (let i = 0; i < n; i++) {
    ta.push(a())
    tb.push(b())
  }
  return [median(ta), median(tb)]
}

export function row(name, berth, baseline, target, better = 'lower') {
  const ratio = berth / baseline
  const ok = better === 'lower' ? ratio <= target : ratio >= target
  return {name, berth_s: +berth.toFixed(3), baseline_s: +baseline.toFixed(3), ratio: +ratio.toFixed(2), target: `${better === 'lower' ? '<=' : '>='} ${target}x`, ok}
}

/** A row function exported by another module of scripts/, imported when the row runs. */
export function fromModule(file, exportName) {
  return async (ctx) => {
    const mod = await import(new URL(file, import.meta.url).href)
    if (typeof mod[exportName] !== 'function') throw new Error(`${file} exports no function ${exportName}`)
    return mod[exportName](ctx)
  }
}

function fiftyServiceStack(dir) {
  const services = {}
  for (let i = 0; i < 50; i++) {
    const kind = i % 5 === 0 ? 'postgres' : i % 5 === 1 ? 'redis' : 'node'
    services[`svc${String(i).padStart(2, '0')}`] =
      kind === 'node'
        ? {template: 'node', port: 3000 + i, command: ['node', 'index.js'], env: {N: String(i)}, depends_on: [`svc${String(i - (i % 5)).padStart(2, '0')}`]}
        : {template: kind, host_port: 20000 + i}
  }
  writeFileSync(path.join(dir, 'berth.yml'), stringify({name: 'bench50', services}))
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bench50","version":"1.0.0"}\n')
}

/**
 * berth render of a 50-service stack vs `docker compose config` of the same output, interleaved. The first
 * render fills the render cache (.berth/cache): `cached` measures an unchanged stack (the usual case),
 * otherwise BERTH_NO_CACHE=1, a full render.
 */
function benchRender(cached) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench50-'))
  try {
    fiftyServiceStack(dir)
    execFileSync(process.execPath, [CLI, 'render'], {cwd: dir, env, stdio: 'ignore'})
    const file = path.join(dir, '.berth/dev.compose.yml')
    const renderEnv = cached ? env : {...env, BERTH_NO_CACHE: '1'}
    const [b, config] = sideBySide(
      () => time(process.execPath, [CLI, 'render'], {cwd: dir, env: renderEnv}),
      () => time('docker', ['compose', '-f', file, 'config'], {cwd: dir}),
    )
    if (cached) return [row('berth render (50 services) vs docker compose config', b, config, 1.0)]
    const full = row('berth render (50 services, BERTH_NO_CACHE=1) vs docker compose config', b, config, 1.0)
    return [{...full, target: 'info', ok: undefined}]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * up of the example vs raw docker compose up -d --wait on the same rendered file. qa: the production image
 * built by the first up, an unchanged tree (berth checks it needs no build; Compose builds nothing either).
 */
function benchUp(envName = 'dev') {
  const name = envName === 'dev' ? `bench-up-${process.pid}` : `bench-up-${envName}-${process.pid}`
  const dir = copyExample(name, 'berth-benchup-')
  const benv = {...env, BERTH_PORT_OFFSET: '33000', BERTH_BRANCH: 'main'}
  const berth = (...args) => spawnSync(process.execPath, [CLI, ...args], {cwd: dir, env: benv, encoding: 'utf8'})
  try {
    const envArgs = envName === 'dev' ? [] : [envName]
    const first = berth('up', ...envArgs, '--json', '-q')
    if (first.status !== 0) throw new Error(`berth up failed: ${first.stderr}`)
    const project = JSON.parse(first.stdout).stack
    const file = path.join(dir, `.berth/${envName}.compose.yml`)
    const down = () => spawnSync('docker', ['compose', '-p', project, 'down'], {stdio: 'ignore'})
    const n = Number(process.env.BENCH_UP_RUNS ?? 5)
    const tb = []
    const tr = []
    // Each side starts from the same state (the stack's containers removed, volumes kept); in turns first.
    const sides = [
      () => {
        const t = process.hrtime.bigint()
        // qa: not quiet, so that a build (berth's "Building" step) would show, and fail the row
        const r = berth('up', ...envArgs, ...(envName === 'dev' ? ['-q'] : []))
        if (r.status !== 0) throw new Error(`berth up failed: ${r.stderr}`)
        if (/Building /.test(r.stderr)) throw new Error(`berth up ${envName} built an image on an unchanged tree: ${r.stderr}`)
        tb.push(Number(process.hrtime.bigint() - t) / 1e9)
      },
      () => {
        const t = process.hrtime.bigint()
        const r = spawnSync('docker', ['compose', '-p', project, '-f', file, '--project-directory', dir, 'up', '-d', '--wait', '--remove-orphans'], {stdio: 'ignore', env: benv})
        if (r.status !== 0) throw new Error('docker compose up failed')
        tr.push(Number(process.hrtime.bigint() - t) / 1e9)
      },
    ]
    for (let i = 0; i < n; i++) {
      process.stderr.write(`bench: up ${envName}: run ${i + 1}/${n}\n`)
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        down()
        side()
      }
      process.stderr.write(`bench: up ${envName}: berth ${tb.at(-1).toFixed(2)} s, compose ${tr.at(-1).toFixed(2)} s\n`)
    }
    const what = envName === 'dev' ? 'berth up (example, warm)' : `berth up ${envName} (example, images built, unchanged tree)`
    return [row(`${what} vs docker compose up -d --wait`, median(tb), median(tr), 1.1)]
  } finally {
    removeProjectSync(name, {images: true})
    rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * Start-up: `berth --help` (the bundle and oclif, no project, no engine) and `berth volumes ls` in a project
 * with no volumes (also berth.yml, the engine connection and two volume calls) vs `node -e 0`. The first runs
 * (untimed) write the code cache (dist/.code-cache), as the first run of each command after a build does.
 */
function benchStartup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-benchstart-'))
  try {
    writeFileSync(path.join(dir, 'berth.yml'), stringify({name: `benchstart${process.pid}`, services: {db: {template: 'postgres'}}}))
    const help = () => time(process.execPath, [CLI, '--help'], {cwd: dir})
    const ls = () => time(process.execPath, [CLI, 'volumes', 'ls'], {cwd: dir})
    const node = () => time(process.execPath, ['-e', '0'], {cwd: dir})
    help()
    ls()
    return [row('berth --help vs node -e 0 (start-up, code cache written)', ...sideBySide(help, node), 2.5), row('berth volumes ls, a project without volumes, vs node -e 0', ...sideBySide(ls, node), 3.0)]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export const ROWS = [
  {
    id: 'version',
    description: 'berth --version vs node -e 0 (start-up)',
    run: async () => [row('berth --version vs node -e 0', ...sideBySide(() => time(process.execPath, [CLI, '--version']), () => time(process.execPath, ['-e', '0'])), 1.5)],
  },
  {id: 'startup', description: 'berth --help and berth volumes ls (a project without volumes) vs node -e 0 (start-up with the code cache)', run: async () => benchStartup()},
  {id: 'render', description: 'berth render of 50 services, unchanged (render cache) vs docker compose config', run: async () => benchRender(true)},
  {id: 'render-full', description: 'berth render of 50 services, BERTH_NO_CACHE=1 vs docker compose config (information)', run: async () => benchRender(false)},
  {id: 'up', description: 'berth up of the example vs docker compose up -d --wait', run: async () => benchUp()},
  {id: 'up-live', description: "berth up's live view vs up -q, on a terminal (example, from containers removed)", run: fromModule('./bench-uplive.js', 'benchUpLive')},
  {id: 'start-interval', description: 'up of the example from containers removed: healthcheck start_interval vs without it', run: fromModule('./bench-uplive.js', 'benchStartInterval')},
  {id: 'up-qa', description: 'berth up qa of the example (images built, unchanged tree) vs docker compose up -d --wait', run: async () => benchUp('qa')},
  {id: 'switch', description: 'berth switch to a branch used before vs compose down + up -d --wait', run: fromModule('./bench-branches.js', 'benchSwitch')},
  {id: 'clone', description: 'berth volumes clone vs tar | tar in one container (throughput)', run: fromModule('./bench-branches.js', 'benchClone')},
  {id: 'cow-size', description: 'berth switch --create, copy-on-write: a 1 GB base database vs a 10 MB one', run: fromModule('./bench-cow.js', 'benchCowSize')},
  {id: 'cow-vs-tar', description: 'berth volumes clone, copy-on-write, 1 GB base (and the whole switch --create, information) vs tar | tar of the same volume', run: fromModule('./bench-cow.js', 'benchCowVsTar')},
  {id: 'cow-pgbench', description: 'pgbench on a copy-on-write branch vs on a full copy (plain volume): transactions/s', run: fromModule('./bench-cow.js', 'benchCowPgbench')},
  {id: 'debug', description: 'berth debug --break: start to breakpoint armed', run: fromModule('./bench-debug.js', 'benchDebug')},
  {id: 'deploy', description: 'berth deploy stage of the example (images present) vs docker stack deploy + polling docker service ls', run: fromModule('./bench-deploy.js', 'benchDeploy')},
  {id: 'door', description: 'the front door vs a port Docker publishes: keep-alive req/s, p50, a 100 MB download', run: fromModule('./bench-door.js', 'benchDoor')},
  {id: 'init', description: 'berth init --yes in a repository of 50,000 files (node_modules included): under 2 s', run: fromModule('./bench-init.js', 'benchInit')},
  {id: 'diff', description: 'berth diff dev qa of 50 services (cached renders) vs docker compose config of one file', run: fromModule('./bench-diff.js', 'benchDiff')},
  {id: 'door-tls', description: 'https through the front door vs plain http on a port Docker publishes, same app: keep-alive req/s', run: fromModule('./bench-door-tls.js', 'benchDoorTls')},
  {
    id: 'parse',
    description: 'berth render of a 5 MB berth.yml (50,000-entry env, BERTH_NO_CACHE=1) vs docker compose config; and < 2 s',
    // docker compose config alone takes a minute or more on that file: 3 rounds unless BENCH_PARSE_RUNS says otherwise.
    run: async () => (await import('./bench-parse.js')).default(Number(process.env.BENCH_PARSE_RUNS ?? 3)),
  },
]
