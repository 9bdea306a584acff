// Reading a large berth.yml: one service with a 50,000-entry env (5 MB), rendered with BERTH_NO_CACHE=1,
// against `docker compose config` on a Compose file with the same environment. Side by side, alternating,
// medians. `export default` returns rows shaped like row() in scripts/bench.js, for it to include;
// `node scripts/bench-parse.js` runs it alone and prints them. `node scripts/bench-parse.js --sizes` prints
// berth's times at 0.5, 1, 2 and 5 MB instead (is it linear?).
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {CLI, median} from './bench-lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 7)
/** 100 bytes a line in berth.yml: 50,000 entries are 5 MB. */
const ENTRIES = 50_000
const LIMIT_S = 2


function time(file, args, options) {
  const t = process.hrtime.bigint()
  const r = spawnSync(file, args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...options})
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return s
}

function row(name, berth, baseline, target, better = 'lower') {
  const ratio = berth / baseline
  const ok = better === 'lower' ? ratio <= target : ratio >= target
  return {name, berth_s: +berth.toFixed(3), baseline_s: +baseline.toFixed(3), ratio: +ratio.toFixed(2), target: `${better === 'lower' ? '<=' : '>='} ${target}x`, ok}
}

function bigEnv(entries) {
  const env = {}
  for (let i = 0; i < entries; i++) env[`VAR_${String(i).padStart(6, '0')}`] = `value-${i}-${'x'.repeat(70)}`
  return env
}

/** A project folder whose berth.yml has one service with `entries` environment variables; returns its size. */
export function bigStack(dir, entries = ENTRIES) {
  const env = bigEnv(entries)
  const file = path.join(dir, 'berth.yml')
  writeFileSync(file, stringify({name: 'bigenv', services: {web: {template: 'node', port: 3000, command: ['node', 'index.js'], env}}}))
  writeFileSync(path.join(dir, 'package.json'), '{"name":"bigenv","version":"1.0.0"}\n')
  // The baseline: the same environment in a plain Compose file.
  writeFileSync(path.join(dir, 'compose.yml'), stringify({name: 'bigenv', services: {web: {image: 'node:20-bookworm-slim', command: ['node', 'index.js'], environment: env}}}))
  return statSync(file).size
}

const berthEnv = () => ({...process.env, BERTH_NO_CACHE: '1', BERTH_BRANCH: 'main', NO_COLOR: '1'})

function withStack(entries, fn) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-parse-'))
  try {
    const bytes = bigStack(dir, entries)
    return fn(dir, bytes)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export default async function benchParse(runs = RUNS) {
  return withStack(ENTRIES, (dir, bytes) => {
    const env = berthEnv()
    const mb = (bytes / 1e6).toFixed(1)
    const berth = () => time(process.execPath, [CLI, 'render', '--stdout'], {cwd: dir, env})
    const config = () => time('docker', ['compose', '-f', path.join(dir, 'compose.yml'), 'config'], {cwd: dir})
    const tb = []
    const tc = []
    for (let i = 0; i < runs; i++) {
      // In turns first, so neither side always runs after the other.
      if (i % 2) tc.push(config()), tb.push(berth())
      else tb.push(berth()), tc.push(config())
    }
    const [b, c] = [median(tb), median(tc)]
    const side = row(`berth render (${mb} MB berth.yml, 50,000-entry env, BERTH_NO_CACHE=1) vs docker compose config on the same env`, b, c, 1.0)
    return [
      {...side, target: 'info', ok: undefined},
      {name: `${mb} MB berth.yml render < ${LIMIT_S} s`, berth_s: +b.toFixed(3), baseline_s: null, ratio: null, target: `< ${LIMIT_S} s`, ok: b < LIMIT_S},
    ]
  })
}

/** CPU seconds (user + system) of one run, through GNU time: steadier than wall time on a shared machine. */
function cpuTime(args, options) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...options})
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  const [user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number)
  return user + sys
}

/** berth render's medians (wall and CPU) at several sizes, per MB: flat if reading scales linearly. */
export function benchSizes(runs = 3, sizes = [5_000, 10_000, 20_000, 50_000]) {
  return sizes.map((entries) =>
    withStack(entries, (dir, bytes) => {
      const env = berthEnv()
      const args = [CLI, 'render', '--stdout']
      const wall = median(Array.from({length: runs}, () => time(process.execPath, args, {cwd: dir, env})))
      const cpu = existsSync('/usr/bin/time') ? median(Array.from({length: runs}, () => cpuTime(args, {cwd: dir, env}))) : NaN
      const mb = bytes / 1e6
      return {entries, mb: +mb.toFixed(2), render_s: +wall.toFixed(3), s_per_mb: +(wall / mb).toFixed(3), cpu_s: +cpu.toFixed(2), cpu_s_per_mb: +(cpu / mb).toFixed(3)}
    }),
  )
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--sizes')) console.table(benchSizes())
  else console.table(await benchParse())
}
