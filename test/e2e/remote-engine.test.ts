// A remote engine, simulated by a second dockerd this suite starts on its own socket and data root
// (in its own network namespace, no bridge, no iptables rules: it leaves the main engine's network alone), reached through a
// docker context in a DOCKER_CONFIG of the suite's own: `berth up --context other` runs there and nothing
// appears on the default engine; dev's source bind mount is refused there. The dockerd is stopped and its
// data root removed at the end, also when a test failed.
//
// The environment run there extends qa without web and db: qa's web build runs `npm ci`, which needs a
// network this dockerd does not have; cache (local/redis:7) and the door (local/node:20) are loaded into it.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {containersOf, LOCAL_IMAGES, useFixtures} from './harness.js'

let root = ''
let dockerd: ChildProcess | undefined
let config = ''
const sock = () => `unix://${path.join(root, 'docker.sock')}`
const other = (args: string[]) => execFileSync('docker', ['-H', sock(), ...args], {encoding: 'utf8'}).trim()

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-dockerd-'))
  config = path.join(root, 'config')
  const log = path.join(root, 'dockerd.log')
  // In a network namespace of its own: a dockerd started with --bridge none deletes the docker0 bridge of the
  // namespace it runs in, and the main engine's containers on the default bridge (builds included) then fail.
  // Its own host name too: berth sees another machine's engine (as with a real remote one: the front door is then
  // published, not in the host's network).
  dockerd = spawn('unshare', ['--net', '--uts', 'sh', '-c', `hostname berth-e2e-remote && ip link set lo up && exec dockerd --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/dockerd.pid" -H "unix://$1/docker.sock" --bridge none --iptables=false --ip6tables=false --log-level=warn >"$1/dockerd.log" 2>&1`, 'sh', root], {stdio: 'ignore', detached: true})
  for (let i = 0; i < 120; i++) {
    try {
      if (!other(['version', '--format', '{{.Server.Version}}'])) throw new Error('not yet')
      break
    } catch {
      if (i === 119) throw new Error(`the second dockerd did not start: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  execFileSync('sh', ['-c', 'docker save local/redis:7 local/node:20 | docker -H "$1" load -q', 'sh', sock()])
  execFileSync('docker', ['context', 'create', 'other', '--docker', `host=${sock()}`], {env: {...process.env, DOCKER_CONFIG: config}})
}, 180_000)

afterAll(async () => {
  const pid = existsSync(path.join(root, 'dockerd.pid')) ? Number(readFileSync(path.join(root, 'dockerd.pid'), 'utf8')) : dockerd?.pid
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // gone already
    }
    for (let i = 0; i < 60; i++) {
      try {
        process.kill(pid, 0)
      } catch {
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  // dockerd leaves its default network namespace mounted under its exec root.
  try {
    execFileSync('umount', [path.join(root, 'exec', 'netns', 'default')], {stdio: 'ignore'})
  } catch {
    // not mounted
  }
  if (root) rmSync(root, {recursive: true, force: true})
}, 60_000)

describe('a remote engine (--context)', () => {
  const fixtures = useFixtures()

  it('runs a prod environment there, nothing on the default engine; refuses dev\'s bind mount there', async () => {
    const fx = await fixtures.stack('shop', {
      prefix: 't-remote',
      edit: (doc) => doc.setIn(['environments', 'remote'], {extends: 'qa', services: {web: {enabled: false}, db: {enabled: false}}}),
    })
    const env = {BERTH_IMAGE_MAP: LOCAL_IMAGES, DOCKER_CONFIG: config}
    fx.defer(() => fx.run(['down', 'remote', '--context', 'other', '-q'], {env}))

    await fx.ok(['up', 'remote', '--context', 'other', '-q'], {env})
    const there = other(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service', '--format', '{{.Label "dev.berth.service"}} {{.State}}'])
    expect(there.split('\n')).toEqual(['cache running'])
    expect(await containersOf(fx.name)).toEqual([]) // the default engine: nothing
    // and the default engine's own network is intact (its default bridge, which builds use, still works)
    expect(execFileSync('docker', ['run', '--rm', '--network', 'bridge', 'local/debian:bookworm', 'true'], {encoding: 'utf8'})).toBe('')
    const status = JSON.parse((await fx.ok(['status', '--json', '--context', 'other'], {env})).stdout)
    expect(status.stacks.map((s: {env: string}) => s.env)).toEqual(['remote'])
    const all = JSON.parse((await fx.ok(['status', '--json', '--all-contexts'], {env})).stdout)
    const byContext = Object.fromEntries(all.contexts.map((c: {context: string; stacks?: unknown[]}) => [c.context, c.stacks?.length]))
    expect(byContext).toMatchObject({default: 0, other: 1})

    const dev = await fx.run(['up', '--context', 'other'], {env})
    expect(dev.code).toBe(3)
    expect(dev.stderr).toMatch(/^berth: error: service "web": a bind mount \(.*\) cannot go to the remote engine at unix:\/\/.*\(docker context other\): it names a folder of this machine; dev is a dev environment, and dev on a remote engine is out of berth's scope/)
    expect(other(['ps', '-a', '--filter', `label=dev.berth.env=dev`, '--filter', `label=dev.berth.project=${fx.name}`, '-q'])).toBe('')

    const missing = await fx.run(['status', '--context', 'nowhere'], {env})
    expect(missing.code).toBe(4)
    expect(missing.stderr).toMatch(/the docker context "nowhere" .*does not exist/)
  }, 300_000)
})
