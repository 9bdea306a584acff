// berth deploy on a single-node swarm this suite makes (docker swarm init, left as it found the engine):
// the stack file passes docker stack config, stage converges and answers on its published port, a changed
// env value rolls, a broken version is rolled back, undeploy keeps the volumes; bad input changes nothing.
//
// This engine's kernel has no IPVS (no /proc/net/ip_vs): Swarm's virtual IPs and its ingress routing mesh
// do not answer here (EHOSTUNREACH, measured). The fixture asks for what works without them:
// swarm.publish: door (berth's door as a global service holds the port in host mode and finds the tasks by
// DNS) and swarm.endpoint_mode: dnsrr; the refusals test uses publish: host.
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseDocument} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {httpGet, LOCAL_IMAGES, useFixtures, volumesOf, type TestStack} from './harness.js'

const docker = (args: string[]) => execFileSync('docker', args, {encoding: 'utf8'}).trim()

let madeSwarm = false
let hadGwBridge = true
beforeAll(() => {
  hadGwBridge = docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$']) !== ''
  if (docker(['info', '--format', '{{.Swarm.LocalNodeState}}']) === 'inactive') {
    docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    madeSwarm = true
  }
}, 60_000)
afterAll(() => {
  if (!madeSwarm) return
  docker(['swarm', 'leave', '--force'])
  // swarm init made the bridge to the overlay networks; leaving keeps it.
  if (!hadGwBridge) execFileSync('docker', ['network', 'rm', 'docker_gwbridge'], {stdio: 'ignore'})
}, 60_000)

const SWARM = {publish: 'host', endpoint_mode: 'dnsrr'}
const SWARM_DOOR = {publish: 'door', endpoint_mode: 'dnsrr'}

function stackServices(fx: TestStack): string[] {
  return docker(['service', 'ls', '--filter', `label=dev.berth.project=${fx.name}`, '--format', '{{.Name}}']).split('\n').filter(Boolean)
}

const status0 = (stdout: string) => stdout.trim().split('\n').at(-1)!

function edit(fx: TestStack, change: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = path.join(fx.dir, 'berth.yml')
  const doc = parseDocument(readFileSync(file, 'utf8'))
  change(doc)
  writeFileSync(file, doc.toString())
}

/** Undeploy at clean-up, and the images deploy built. */
function undeployLater(fx: TestStack): void {
  fx.defer(async () => {
    await fx.run(['undeploy', 'stage', '--yes', '-q'])
    const images = docker(['image', 'ls', '-q', '--filter', `reference=berth/${fx.name}-*`]).split('\n').filter(Boolean)
    if (images.length) docker(['image', 'rm', '-f', ...new Set(images)])
  })
}

async function stats(url: string): Promise<{deployEnv: string; visits: number}> {
  const r = await httpGet(url)
  expect(r.status, r.body).toBe(200)
  return JSON.parse(r.body)
}

describe('berth deploy on a single-node swarm', () => {
  const fixtures = useFixtures()
  const env = {BERTH_IMAGE_MAP: LOCAL_IMAGES}

  it('converges, answers, rolls an update, rolls a broken version back, and undeploy keeps the volumes', async () => {
    const fx = await fixtures.stack('shop', {
      prefix: 't-swarm',
      edit: (doc) => {
        doc.set('swarm', SWARM_DOOR)
        doc.setIn(['services', 'web', 'env_file'], 'web.env')
      },
    })
    undeployLater(fx)
    const url = fx.url('/api/stats', 28000)
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`
    writeFileSync(path.join(fx.dir, 'web.env'), `API_TOKEN=${secret}\nLOG_FORMAT=json\n`)

    // The stack file passes the docker CLI's own stack loader.
    await fx.ok(['render', 'stage', '--target', 'swarm', '--check'], {env})

    const first = await fx.ok(['deploy', 'stage', '--timeout', '180'], {env})
    expect(first.stderr).toContain('Single-node swarm: the services run the images on this engine')
    expect(first.stderr).toMatch(/web: converged: 2\/2 running/)
    expect(first.stderr).toMatch(/berth-door: converged: 1\/1 running/)
    expect(await stats(url)).toMatchObject({deployEnv: 'STAGE', visits: 1})
    // The env file's secret-looking value is a Swarm secret, never in the stack file or the service's spec.
    const stack = status0(first.stdout)
    expect(readFileSync(path.join(fx.dir, '.berth', 'stage.stack.yml'), 'utf8')).not.toContain(secret)
    expect(docker(['service', 'inspect', `${stack}_web`])).not.toContain(secret)
    const web = docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${stack}_web`]).split('\n')[0]
    expect(docker(['exec', web, 'cat', '/run/secrets/API_TOKEN'])).toBe(secret)
    expect(docker(['exec', web, 'printenv', 'API_TOKEN_FILE', 'LOG_FORMAT'])).toBe('/run/secrets/API_TOKEN\njson')
    // berth status --all-contexts lists the swarm stack too, its door with it.
    const all = JSON.parse((await fx.ok(['status', '--all-contexts', '--json'], {env})).stdout)
    type Listed = {stack: string; services: Array<{service: string; state: string}>}
    const here = all.contexts.flatMap((c: {stacks?: Listed[]}) => c.stacks ?? []).find((s: Listed) => s.stack === stack) as Listed | undefined
    // (Swarm keeps the containers of earlier tasks: a web task that started before the database was ready, say.)
    expect(here?.services.filter((s) => s.state === 'running').map((s) => s.service).sort()).toEqual(['berth-door', 'cache', 'db', 'web', 'web'])
    const status = JSON.parse((await fx.ok(['deploy', 'status', 'stage', '--json'], {env})).stdout)
    expect(status.stacks[0].services.map((s: {service: string; running: number; wanted: number}) => `${s.service} ${s.running}/${s.wanted}`)).toEqual(['berth-door 1/1', 'cache 1/1', 'db 1/1', 'web 2/2'])

    // A changed env value: an update, which converges on the new value; the data stays.
    edit(fx, (doc) => doc.setIn(['environments', 'stage', 'services', 'web', 'env', 'DEPLOY_ENV'], 'STAGE2'))
    const requests = requestLoop(url)
    const second = await fx.ok(['deploy', 'stage', '--timeout', '180'], {env})
    const counted = await requests.stop()
    expect(second.stderr).toMatch(/web: .*updating/)
    const after = await stats(url)
    expect(after.deployEnv).toBe('STAGE2')
    expect(after.visits).toBeGreaterThan(counted.ok) // the same database
    // Through the door, the web tasks are replaced one by one, each new one first: no request failed.
    console.info(`rolling update through the door: ${counted.ok} requests answered, ${counted.failed} failed`)
    expect(counted.ok).toBeGreaterThan(20)
    expect(counted.failed, `${counted.failed} of ${counted.ok + counted.failed} requests failed during the rolling update: ${counted.reasons.join('; ')}`).toBe(0)

    // A broken version: Swarm rolls it back, berth says which task failed and its last log lines.
    edit(fx, (doc) => doc.setIn(['environments', 'stage', 'services', 'web', 'command'], ['node', '-e', 'console.error("boom: broken version"); process.exit(3)']))
    const broken = await fx.run(['deploy', 'stage', '--timeout', '180'], {env})
    expect(broken.code, broken.stderr).toBe(10)
    expect(broken.stderr).toMatch(/berth: error: the update of web failed and was rolled back: task \w+ \(slot \d+\) failed: task: non-zero exit \(3\)/)
    expect(broken.stderr).toContain('boom: broken version')
    expect(await stats(url)).toMatchObject({deployEnv: 'STAGE2'})

    // undeploy: the stack goes, its volumes stay.
    const volumes = await volumesOf(fx.name)
    expect(volumes.length).toBe(2)
    await fx.ok(['undeploy', 'stage', '--yes'], {env})
    expect(stackServices(fx)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual(volumes)
  }, 600_000)

  it('refuses what a swarm cannot run, one line each, and creates nothing', async () => {
    const fx = await fixtures.stack('shop', {
      prefix: 't-swarmbad',
      edit: (doc) => {
        doc.set('swarm', SWARM)
        doc.setIn(['environments', 'stage', 'defaults', 'replicas'], 1)
      },
    })
    undeployLater(fx)

    const dev = await fx.run(['render', 'dev', '--target', 'swarm'], {env})
    expect(dev.code).toBe(3)
    expect(dev.stderr).toMatch(/^berth: error: berth\.yml:\d+:\d+: service "web": a bind mount \(.*\) cannot go to a swarm: dev is a dev environment/)

    const missing = await fx.run(['deploy', 'stage'], {env: {BERTH_IMAGE_MAP: LOCAL_IMAGES.replace('redis:7=local/redis:7', `redis:7=local/no-such-image-${fx.name}:1`)}})
    expect(missing.code, missing.stderr).toBe(5)
    expect(missing.stderr).toMatch(/service "cache": the image local\/no-such-image-.* is not on this engine, and a single-node swarm without a registry cannot get it/)

    const unreachable = await fx.run(['deploy', 'stage'], {env: {...env, DOCKER_CONTEXT: `no-such-context-${fx.name}`}})
    expect(unreachable.code).toBe(4)
    expect(unreachable.stderr).toMatch(/the docker context "no-such-context-.*" .*does not exist/)

    edit(fx, (doc) => doc.set('compose', {services: {worker: {build: {context: '.'}}}}))
    const buildOnly = await fx.run(['deploy', 'stage'], {env})
    expect(buildOnly.code).toBe(3)
    expect(buildOnly.stderr).toMatch(/service "worker" has build: only and no image name/)

    // More replicas than nodes with host-mode ports could never all run: refused before anything is deployed.
    edit(fx, (doc) => {
      doc.delete('compose')
      doc.setIn(['environments', 'stage', 'defaults', 'replicas'], 2)
    })
    const crowded = await fx.run(['deploy', 'stage'], {env})
    expect(crowded.code, crowded.stderr).toBe(3)
    expect(crowded.stderr).toMatch(/berth: error: service "web": 2 replicas publish host-mode ports, and this swarm has 1 node/)
    edit(fx, (doc) => doc.setIn(['environments', 'stage', 'defaults', 'replicas'], 1))

    expect(stackServices(fx)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual([])

    // A first deploy that does not converge is removed: the stack, and the volumes it made.
    edit(fx, (doc) => {
      doc.setIn(['environments', 'stage', 'services'], {web: {command: ['node', '-e', 'console.error("no start"); process.exit(4)']}})
    })
    const crash = await fx.run(['deploy', 'stage', '--timeout', '120'], {env})
    expect(crash.code, crash.stderr).toBe(10)
    expect(crash.stderr).toMatch(/berth: error: web does not start: task \w+ \(slot \d+\) failed: task: non-zero exit \(4\)/)
    expect(crash.stderr).toContain('no start')
    expect(stackServices(fx)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual([])
  }, 300_000)
})

/** GET url every 50 ms (at most 4,000 requests) until stopped; answered and failed counted. */
function requestLoop(url: string): {stop(): Promise<{ok: number; failed: number; reasons: string[]}>} {
  let running = true
  const counts = {ok: 0, failed: 0, reasons: [] as string[]}
  const loop = (async () => {
    for (let i = 0; running && i < 4000; i++) {
      try {
        const r = await fetch(url, {signal: AbortSignal.timeout(5000)})
        await r.text()
        if (r.status === 200) counts.ok++
        else counts.failed++, counts.reasons.push(`HTTP ${r.status}`)
      } catch (error) {
        counts.failed++
        counts.reasons.push(String((error as Error & {cause?: Error}).cause?.message ?? error))
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return counts
    },
  }
}
