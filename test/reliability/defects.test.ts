// One test per defect fixed on main (issue 10), each checking the specific behaviour the old code got wrong.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {lockFile} from '../../src/infra/lock.js'
import {stateFile} from '../../src/infra/state.js'
import {volumeSum} from '../e2e/data.js'
import {dockerOut, engineObjects, helpersOf, smallFixture, type SmallFixture} from './lib.js'

let fx: SmallFixture | undefined
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
})

async function db(f: SmallFixture, branch = 'main'): Promise<{name: string; id: string; state: string}> {
  const line = (await dockerOut(['ps', '-a', '--filter', `label=dev.berth.project=${f.name}`, '--filter', 'label=dev.berth.service=db', '--filter', `label=dev.berth.branch=${branch}`, '--format', '{{.Names}}\t{{.ID}}\t{{.State}}'])).trim()
  const [name, id, state] = line.split('\t')
  return {name, id, state}
}

/** What a berth killed with -9 mid-copy leaves: the source's database paused, and the record of that pause. */
async function leavePausedByACopy(f: SmallFixture): Promise<string> {
  const {name} = await db(f)
  execFileSync('docker', ['pause', name])
  const id = execFileSync('docker', ['inspect', '-f', '{{.Id}}', name], {encoding: 'utf8'}).trim()
  const file = stateFile(f.name, f.env)
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, JSON.stringify({volumes: {}, paused: [id]}))
  expect((await db(f)).state).toBe('paused')
  return id
}

describe('a container left paused by a killed copy', () => {
  it.each([[['status']], [['volumes', 'ls']], [['debug', '--json']]])('is resumed by the read command berth %j', async (args) => {
    fx = await smallFixture('t-resume')
    await fx.ok(['up', '-q'])
    const id = await leavePausedByACopy(fx)
    await fx.run(args) // its exit code is not the point (debug finds no Node service here)
    expect((await db(fx)).state).toBe('running')
    expect(JSON.parse(execFileSync('cat', [stateFile(fx.name, fx.env)], {encoding: 'utf8'})).paused ?? []).not.toContain(id)
  })

  it('is left alone by a read command while another berth command holds the lock (its copy may be live)', async () => {
    fx = await smallFixture('t-resume-locked')
    await fx.ok(['up', '-q'])
    await leavePausedByACopy(fx)
    const locks = mkdtempSync(path.join(os.tmpdir(), 'berth-locks-'))
    // this test process, alive, holds the project's lock, as a running copy would
    writeFileSync(lockFile(fx.name, locks), `${process.pid}\nberth volumes clone main feat\n`)
    const r = await fx.run(['status', '--json'], {BERTH_LOCK_DIR: locks})
    expect(r.code, r.stderr).toBe(0)
    expect((await db(fx)).state).toBe('paused')
    execFileSync('docker', ['unpause', (await db(fx)).name])
  })
})

describe('a warm (paused) stack stopped by down', () => {
  it('is resumed first: down does not wait the stop timeout, postgres exits 0 (not 137)', async () => {
    fx = await smallFixture('t-warmdown')
    await fx.ok(['up', '-q'])
    await fx.ok(['switch', '--create', 'feat', '-q'])
    expect((await db(fx, 'main')).state).toBe('paused') // main kept warm
    const since = Math.floor(Date.now() / 1000) - 1
    const started = Date.now()
    await fx.ok(['down'])
    const took = Date.now() - started
    const until = Math.floor(Date.now() / 1000) + 1
    const dies = (await dockerOut(['events', '--since', String(since), '--until', String(until), '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service=db', '--filter', 'event=die', '--format', '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'])).trim().split('\n').filter(Boolean)
      // the copy helper of the switch (berth-clone-...) may end within the second of slack before down
      .filter((line) => !line.startsWith('berth-'))
    expect(dies.sort()).toEqual([expect.stringMatching(/-dev-feat-.*-db-1 0$/), expect.stringMatching(/-dev-main-.*-db-1 0$/)])
    expect(took, 'down took the stop timeout (10 s) of a paused container').toBeLessThan(9_000)
    expect((await engineObjects(fx.name)).containers).toEqual([])
  })
})

describe('stopped stacks', () => {
  it('keep no network: with keep_warm 0, a switch retires the previous stack with its network, and its data stays', async () => {
    fx = await smallFixture('t-nonet', {yml: (n) => `name: ${n}\nkeep_warm: 0\nservices:\n  db:\n    template: postgres\n`})
    await fx.ok(['up', '-q'])
    await fx.ok(['switch', '--create', 'feat', '-q'])
    const {networks, containers, volumes} = await engineObjects(fx.name)
    expect(networks.filter((n) => n.includes('-dev-main-'))).toEqual([])
    expect(containers.filter((n) => n.includes('-dev-main-'))).toEqual([])
    expect(volumes.filter((n) => n.includes('-dev-main-'))).toHaveLength(1)
  })
})

describe('the front door', () => {
  it('half-started (created, never started) is replaced by the next up, and routes again', async () => {
    fx = await smallFixture('t-door')
    await fx.ok(['up', '-q'])
    const door = (await engineObjects(fx.name)).containers.find((c) => /-door-/.test(c))!
    const labels = JSON.parse(await dockerOut(['inspect', '-f', '{{json .Config.Labels}}', door])) as Record<string, string>
    // what a berth killed between creating the door and starting it leaves
    execFileSync('docker', ['rm', '-f', door])
    execFileSync('docker', ['create', '--name', door, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), 'local/debian:bookworm', 'true'])
    expect((await dockerOut(['inspect', '-f', '{{.State.Status}}', door])).trim()).toBe('created')

    const r = await fx.run(['up', '-q'])
    expect(r.code, r.stderr).toBe(0)
    expect((await dockerOut(['inspect', '-f', '{{.State.Status}}', door])).trim()).toBe('running')
    const port = 5432 + Number(fx.env.BERTH_PORT_OFFSET)
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({host: '127.0.0.1', port}, () => (s.end(), resolve()))
      s.on('error', reject)
    })
  })
})

describe('volumes clone onto volumes that exist', () => {
  it('exits 9, says so in one line, and changes no volume', async () => {
    fx = await smallFixture('t-clone9')
    await fx.ok(['up', '-q'])
    await fx.ok(['volumes', 'clone', 'main', 'feat'])
    const target = (await engineObjects(fx.name)).volumes.find((v) => v.includes('-dev-feat-'))!
    const before = {objects: await engineObjects(fx.name), sum: await volumeSum(target)}
    const r = await fx.run(['volumes', 'clone', 'main', 'feat'])
    expect(r.code, r.stderr).toBe(9)
    expect(r.stderr.split('\n')[0]).toMatch(/^berth: error: branch "feat" already has volume .*_db-data; berth never overwrites data$/)
    expect(r.stderr).not.toMatch(/^\s+at /m)
    expect(await engineObjects(fx.name)).toEqual(before.objects)
    expect(await volumeSum(target)).toBe(before.sum)
    expect(await helpersOf(fx.name)).toEqual([])
  })
})
