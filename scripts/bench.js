// npm run bench: berth against its baselines, measured side by side in one run (medians, interleaved).
// Prints a table (and writes bench-results.json). Targets are ratios berth/baseline.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLI = path.join(root, 'bin/run.js')
const LOCAL = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7,debian:bookworm-slim=local/debian:bookworm'
const env = {...process.env, BERTH_IMAGE_MAP: process.env.BERTH_IMAGE_MAP ?? LOCAL, NO_COLOR: '1'}
const RUNS = Number(process.env.BENCH_RUNS ?? 15)

export function time(file, args, options = {}) {
  const t = process.hrtime.bigint()
  const r = spawnSync(file, args, {stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'], env: options.env ?? env, cwd: options.cwd})
  const s = Number(process.hrtime.bigint() - t) / 1e9
  if (r.status !== 0 && !options.allowFail) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`)
  return s
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

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

const rows = []

// 1. start-up
rows.push(row('berth --version vs node -e 0', ...sideBySide(() => time(process.execPath, [CLI, '--version']), () => time(process.execPath, ['-e', '0'])), 1.5))

// 2. render of a 50-service stack vs docker compose config of the same output. The first render fills
// the render cache (.berth/cache), so the target row measures an unchanged stack (the usual case);
// the BERTH_NO_CACHE=1 row (information, no target) measures a full render, interleaved with both.
{
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench50-'))
  fiftyServiceStack(dir)
  execFileSync(process.execPath, [CLI, 'render'], {cwd: dir, env, stdio: 'ignore'})
  const file = path.join(dir, '.berth/dev.compose.yml')
  const cached = []
  const cold = []
  const config = []
  for (let i = 0; i < RUNS; i++) {
    cached.push(time(process.execPath, [CLI, 'render'], {cwd: dir}))
    cold.push(time(process.execPath, [CLI, 'render'], {cwd: dir, env: {...env, BERTH_NO_CACHE: '1'}}))
    config.push(time('docker', ['compose', '-f', file, 'config'], {cwd: dir}))
  }
  rows.push(row('berth render (50 services) vs docker compose config', median(cached), median(config), 1.0))
  const full = row('berth render (50 services, BERTH_NO_CACHE=1) vs docker compose config', median(cold), median(config), 1.0)
  rows.push({...full, target: 'info', ok: undefined})
  rmSync(dir, {recursive: true, force: true})
}

// 3. up of the example vs raw docker compose up -d --wait on the same rendered file
{
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-benchup-'))
  cpSync(path.join(root, 'stacks/shop'), dir, {recursive: true, filter: (s) => !/node_modules|\.berth$/.test(s)})
  const name = `bench-up-${process.pid}`
  writeFileSync(path.join(dir, 'berth.yml'), readFileSync(path.join(dir, 'berth.yml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`))
  const benv = {...env, BERTH_PORT_OFFSET: '33000', BERTH_BRANCH: 'main'}
  const berth = (...args) => spawnSync(process.execPath, [CLI, ...args], {cwd: dir, env: benv, encoding: 'utf8'})
  try {
    const first = berth('up', '--json', '-q')
    if (first.status !== 0) throw new Error(`berth up failed: ${first.stderr}`)
    const project = JSON.parse(first.stdout).stack
    const file = path.join(dir, '.berth/dev.compose.yml')
    const down = () => spawnSync('docker', ['compose', '-p', project, 'down'], {stdio: 'ignore'})
    const n = Number(process.env.BENCH_UP_RUNS ?? 5)
    const tb = []
    const tr = []
    // Each side starts from the same state (the stack's containers removed, volumes kept); in turns first.
    const sides = [
      () => {
        const t = process.hrtime.bigint()
        if (berth('up', '-q').status !== 0) throw new Error('berth up failed')
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
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        down()
        side()
      }
    }
    rows.push(row('berth up (example, warm) vs docker compose up -d --wait', median(tb), median(tr), 1.1))
  } finally {
    const label = `label=dev.berth.project=${name}`
    const ids = (cmd) => execFileSync('docker', [...cmd, '--filter', label], {encoding: 'utf8'}).split('\n').filter(Boolean)
    const c = ids(['ps', '-aq'])
    if (c.length) spawnSync('docker', ['rm', '-f', ...c], {stdio: 'ignore'})
    const nets = ids(['network', 'ls', '-q'])
    if (nets.length) spawnSync('docker', ['network', 'rm', ...nets], {stdio: 'ignore'})
    const v = ids(['volume', 'ls', '-q'])
    if (v.length) spawnSync('docker', ['volume', 'rm', ...v], {stdio: 'ignore'})
    rmSync(dir, {recursive: true, force: true})
  }
}

// 4. the other issues' measurements, where present
for (const extra of ['bench-branches.js', 'bench-debug.js']) {
  const file = path.join(root, 'scripts', extra)
  if (!existsSync(file)) continue
  const mod = await import(file)
  for (const fn of Object.values(mod)) if (typeof fn === 'function' && fn.name.startsWith('bench')) rows.push(...(await fn({root, cli: CLI, env})))
}

// Rows from other modules may carry only a target text ("<= 0.5", ">= 0.8", "berth_s <= 1.0"): judge them alike.
for (const r of rows) {
  if (typeof r.ok === 'boolean' || r.target === 'info') continue
  const m = /^(berth_s\s*)?(<=|>=)\s*([\d.]+)/.exec(String(r.target))
  if (!m) continue
  const value = m[1] ? r.berth_s : r.ratio
  r.ok = m[2] === '<=' ? value <= Number(m[3]) : value >= Number(m[3])
}
const width = Math.max(...rows.map((r) => r.name.length))
console.log(`| ${'measure'.padEnd(width)} | berth (s) | baseline (s) | ratio | target | ok |`)
console.log(`| ${'-'.repeat(width)} | --- | --- | --- | --- | --- |`)
for (const r of rows) console.log(`| ${r.name.padEnd(width)} | ${r.berth_s} | ${r.baseline_s} | ${r.ratio} | ${r.target} | ${r.ok === undefined ? '-' : r.ok ? 'yes' : 'NO'} |`)
writeFileSync(path.join(root, 'bench-results.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows}, null, 2) + '\n')
