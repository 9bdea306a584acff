// Bench row `deploy`: berth deploy stage of the example (images present) vs docker stack deploy of the same
// stack file plus polling docker service ls until every service has its replicas. On a single-node swarm
// made here when the engine is in none (and left again at the end). Each side starts with the stack removed
// (volumes kept), in turns first.
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CLI, env, median, root, row} from './bench-rows.js'

const docker = (args) => execFileSync('docker', args, {encoding: 'utf8'}).trim()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function gone(stack) {
  for (let i = 0; i < 240; i++) {
    const left = docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`]) + docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`])
    if (!left) return
    await sleep(250)
  }
  throw new Error(`stack ${stack} was not removed`)
}

export async function benchDeploy() {
  const madeSwarm = docker(['info', '--format', '{{.Swarm.LocalNodeState}}']) === 'inactive'
  const hadGwBridge = docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$']) !== ''
  if (madeSwarm) docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-benchdeploy-'))
  cpSync(path.join(root, 'stacks/shop'), dir, {recursive: true, filter: (s) => !/node_modules|\.berth$/.test(s)})
  const name = `bench-deploy-${process.pid}`
  // This machine's kernel has no IPVS: host-mode ports and DNS round robin (README, swarm:).
  const publish = process.env.BENCH_SWARM_PUBLISH ?? 'host'
  const text = readFileSync(path.join(dir, 'berth.yml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`)
  writeFileSync(path.join(dir, 'berth.yml'), `${text}swarm:\n  publish: ${publish}\n  endpoint_mode: ${publish === 'host' ? 'dnsrr' : 'vip'}\n`)
  const benv = {...env, BERTH_PORT_OFFSET: '34000', BERTH_BRANCH: 'main'}
  const berth = (...args) => spawnSync(process.execPath, [CLI, ...args], {cwd: dir, env: benv, encoding: 'utf8'})
  let stack
  try {
    const first = berth('deploy', 'stage', '-q')
    if (first.status !== 0) throw new Error(`berth deploy failed: ${first.stderr}`)
    stack = first.stdout.trim()
    const file = path.join(dir, '.berth/stage.stack.yml')
    if (berth('render', 'stage', '--target', 'swarm').status !== 0) throw new Error('berth render --target swarm failed')
    const n = Number(process.env.BENCH_DEPLOY_RUNS ?? 3)
    const tb = []
    const tr = []
    const sides = [
      async () => {
        const t = process.hrtime.bigint()
        const r = berth('deploy', 'stage', '-q')
        if (r.status !== 0) throw new Error(`berth deploy failed: ${r.stderr}`)
        tb.push(Number(process.hrtime.bigint() - t) / 1e9)
      },
      async () => {
        const t = process.hrtime.bigint()
        const r = spawnSync('docker', ['stack', 'deploy', '-c', file, '--prune', '--detach=true', '--resolve-image', 'never', stack], {stdio: 'ignore', env: benv})
        if (r.status !== 0) throw new Error('docker stack deploy failed')
        for (;;) {
          const replicas = docker(['service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Replicas}}']).split('\n').filter(Boolean)
          if (replicas.length === 3 && replicas.every((x) => /^(\d+)\/\1$/.test(x.trim()))) break
          await sleep(250)
        }
        tr.push(Number(process.hrtime.bigint() - t) / 1e9)
      },
    ]
    for (let i = 0; i < n; i++) {
      process.stderr.write(`bench: deploy: run ${i + 1}/${n}\n`)
      for (const side of i % 2 ? [...sides].reverse() : sides) {
        spawnSync('docker', ['stack', 'rm', stack], {stdio: 'ignore'})
        await gone(stack)
        await side()
      }
    }
    return [row('berth deploy stage (example, images present) vs docker stack deploy + polling service ls', median(tb), median(tr), 1.1)]
  } finally {
    if (stack) {
      spawnSync('docker', ['stack', 'rm', stack], {stdio: 'ignore'})
      await gone(stack).catch(() => {})
    }
    const v = docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${name}`]).split('\n').filter(Boolean)
    if (v.length) spawnSync('docker', ['volume', 'rm', ...v], {stdio: 'ignore'})
    const images = docker(['image', 'ls', '-q', '--filter', `reference=berth/${name}-*`]).split('\n').filter(Boolean)
    if (images.length) spawnSync('docker', ['image', 'rm', '-f', ...new Set(images)], {stdio: 'ignore'})
    rmSync(dir, {recursive: true, force: true})
    if (madeSwarm) docker(['swarm', 'leave', '--force'])
    // swarm init made the bridge to the overlay networks; leaving keeps it.
    if (madeSwarm && !hadGwBridge) spawnSync('docker', ['network', 'rm', 'docker_gwbridge'], {stdio: 'ignore'})
  }
}
