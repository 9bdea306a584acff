// berth init --yes in a repository of 50,000 files (node_modules included): it must not walk node_modules.
// Target: under 2 s. Baseline: `berth --version` (Node, the bundle and oclif starting), for what init adds.
//   BENCH_ONLY=init npm run bench
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CLI, env, median, time} from './bench-rows.js'

const FILES = 50_000

/** An app with 200 source files and a node_modules of 1,000 packages: 50,000 files in all. */
function bigRepo(dir) {
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({name: 'big-app', main: 'src/server.js', scripts: {start: 'node src/server.js'}, dependencies: {pg: '^8', ioredis: '^5'}}))
  writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n')
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM node:20-bookworm-slim AS build\nFROM build AS runtime\nEXPOSE 8080\n')
  let n = 3
  for (let d = 0; d < 10; d++) {
    const sub = path.join(dir, 'src', `mod${d}`)
    mkdirSync(sub, {recursive: true})
    for (let f = 0; f < 20; f++, n++) writeFileSync(path.join(sub, `f${f}.js`), `module.exports = () => process.env.X${f}\n`)
  }
  writeFileSync(path.join(dir, 'src', 'server.js'), "require('node:http').createServer().listen(process.env.PORT || 8000)\n")
  n++
  for (let p = 0; n < FILES; p++) {
    const pkg = path.join(dir, 'node_modules', `pkg${p}`, 'lib')
    mkdirSync(pkg, {recursive: true})
    writeFileSync(path.join(pkg, '..', 'package.json'), `{"name":"pkg${p}"}`)
    n++
    for (let f = 0; f < 49 && n < FILES; f++, n++) writeFileSync(path.join(pkg, `f${f}.js`), 'server.listen(1234)\n')
  }
  return n
}

export async function benchInit() {
  const runs = Number(process.env.BENCH_RUNS ?? 7)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-init-'))
  try {
    process.stderr.write(`init: making a repository of ${bigRepo(dir)} files\n`)
    const first = spawnSync(process.execPath, [CLI, 'init', '--yes'], {cwd: dir, env, encoding: 'utf8'})
    if (first.status !== 0) throw new Error(`berth init failed: ${first.stderr}`)
    if (!/^ {4}port: 8000$/m.test(readFileSync(path.join(dir, 'berth.yml'), 'utf8'))) throw new Error('berth init did not find the app port')
    const ti = []
    const tv = []
    for (let i = 0; i < runs; i++) {
      ti.push(time(process.execPath, [CLI, 'init', '--yes', '--force'], {cwd: dir}))
      tv.push(time(process.execPath, [CLI, '--version'], {cwd: dir}))
    }
    const berth_s = median(ti)
    const baseline_s = median(tv)
    return [{name: `berth init --yes (${FILES.toLocaleString('en')} files, node_modules included) vs berth --version`, berth_s: +berth_s.toFixed(3), baseline_s: +baseline_s.toFixed(3), ratio: +(berth_s / baseline_s).toFixed(2), target: 'berth_s <= 2.0'}]
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, {recursive: true, force: true})
    else process.stderr.write(`init: kept ${dir}\n`)
  }
}
