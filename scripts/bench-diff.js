// berth diff dev qa of a 50-service stack (both renders in the render cache, the usual case) vs
// `docker compose config` of the qa file: two environments compared in at most what reading two Compose files costs.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {CLI, env, row, sideBySide, time} from './bench-rows.js'

function stack(dir) {
  const services = {}
  for (let i = 0; i < 50; i++) {
    const kind = i % 5 === 0 ? 'postgres' : i % 5 === 1 ? 'redis' : 'node'
    services[`svc${String(i).padStart(2, '0')}`] = kind === 'node' ? {template: 'node', port: 3000 + i, command: ['node', 'index.js'], env: {N: String(i)}} : {template: kind, host_port: 20000 + i}
  }
  writeFileSync(path.join(dir, 'berth.yml'), stringify({name: 'benchdiff', services}))
  writeFileSync(path.join(dir, 'package.json'), '{"name":"benchdiff","version":"1.0.0"}\n')
}

export async function benchDiff() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-benchdiff-'))
  try {
    stack(dir)
    const denv = {...env, BERTH_BRANCH: 'main'}
    execFileSync(process.execPath, [CLI, 'render', 'qa'], {cwd: dir, env: denv, stdio: 'ignore'})
    const first = spawnSync(process.execPath, [CLI, 'diff', 'dev', 'qa', '--json'], {cwd: dir, env: denv, encoding: 'utf8'})
    if (first.status !== 0) throw new Error(`berth diff failed: ${first.stderr}`)
    const file = path.join(dir, '.berth/qa.compose.yml')
    const [b, config] = sideBySide(
      () => time(process.execPath, [CLI, 'diff', 'dev', 'qa', '--json'], {cwd: dir, env: denv}),
      () => time('docker', ['compose', '-f', file, 'config'], {cwd: dir}),
    )
    return [row('berth diff dev qa --json (50 services, cached renders) vs docker compose config', b, config, 2.0)]
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
