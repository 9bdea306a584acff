// The front door and warm stacks on the real engine: the door holds the ports on 127.0.0.1 and routes
// them to the checked-out branch; the previous branch's stack is paused, and switching back resumes
// the very same containers (not recreated, not restarted) with their own data; keep_warm: 0 stops it
// instead; down stops the warm stacks and removes the door.
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {afterEach, describe, expect, it} from 'vitest'
import {berth, expectOk, containersOf, httpGet, stackFixture, volumesOf, type Fixture, type FixtureOptions} from './harness.js'

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, {encoding: 'utf8'}, (e, stdout, stderr) => (e ? reject(new Error(`docker ${args.join(' ')}: ${stderr}`)) : resolve(stdout)))
  })
}

/** id, state and start time of every container of a stack (Compose project). */
async function snapshot(stack: string): Promise<Record<string, {id: string; state: string; started: string}>> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${stack}`])).split('\n').filter(Boolean)
  const out: Record<string, {id: string; state: string; started: string}> = {}
  for (const id of ids) {
    const [service, state, started] = (await docker(['inspect', id, '--format', '{{index .Config.Labels "com.docker.compose.service"}}\t{{.State.Status}}\t{{.State.StartedAt}}'])).trim().split('\t')
    out[service] = {id, state, started}
  }
  return out
}

/** The addresses this machine listens on for a TCP port (LISTEN sockets of /proc/net/tcp and tcp6). */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const found: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      if (state !== '0A' || !local?.endsWith(`:${hex}`)) continue
      const addr = local.slice(0, local.indexOf(':'))
      found.push(addr.length === 8 ? addr.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `[${addr}]`)
    }
  }
  return found.sort()
}

const fixtures: Fixture[] = []
async function fixture(edit?: FixtureOptions['edit']) {
  const fx = await stackFixture('shop', {prefix: 't-door', edit})
  fixtures.push(fx)
  const env = fx.env
  const run = (args: string[]) => berth(args, {cwd: fx.dir, env})
  const visits = async () => JSON.parse((await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)).body).visits as number
  return {...fx, env, run, visits}
}

afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.cleanup()
})

describe('front door and warm stacks', () => {
  it('switching back resumes the paused stack as it was, and the door routes the ports to it', async () => {
    const fx = await fixture()
    const up = await fx.run(['up', '--json', '-q'])
    expect(up.code, up.stderr).toBe(0)
    const mainStack = JSON.parse(up.stdout).stack
    expect(await fx.visits()).toBe(1)

    // Only the door holds host ports, on 127.0.0.1; the stack's containers publish none. On this machine (a
    // local Linux engine) the door runs in the host's network namespace and listens itself; with
    // BERTH_DOOR_MODE=published, Docker publishes its ports.
    const published = (await docker(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--format', '{{.Label "dev.berth.role"}}\t{{.Ports}}\t{{.Names}}'])).trim().split('\n')
    for (const line of published) {
      const [role, ports, name] = line.split('\t')
      if (role !== 'door') expect(ports, line).not.toMatch(/->/)
      else if (process.env.BERTH_DOOR_MODE === 'published') expect(ports.split(', ').every((p) => p.startsWith('127.0.0.1:')), ports).toBe(true)
      else {
        expect((await docker(['inspect', name, '--format', '{{.HostConfig.NetworkMode}}'])).trim()).toBe('host')
        expect(ports).toBe('')
        const routes = JSON.parse((await docker(['inspect', name, '--format', '{{index .Config.Labels "dev.berth.door.routes"}}'])).trim()) as Array<{listen: number}>
        expect(routes.map((r) => r.listen)).toContain(8000 + fx.offset)
        for (const r of routes) expect(listeners(r.listen), String(r.listen)).toEqual(['127.0.0.1'])
      }
    }

    const toFeature = await fx.run(['switch', '--create', 'feature', '-q'])
    expect(toFeature.code, toFeature.stderr).toBe(0)
    expect(await fx.visits()).toBe(2) // the feature branch's database, seeded from main's
    const warm = await snapshot(mainStack)
    for (const s of ['web', 'db', 'cache']) expect(warm[s].state, s).toBe('paused')

    const back = await fx.run(['switch', 'main'])
    expect(back.code, back.stderr).toBe(0)
    expect(back.stderr).toContain(`Resuming ${mainStack}`)
    const resumed = await snapshot(mainStack)
    for (const s of ['web', 'db', 'cache']) {
      expect(resumed[s].id, s).toBe(warm[s].id) // the same container, not recreated
      expect(resumed[s].started, s).toBe(warm[s].started) // and not restarted
      expect(resumed[s].state, s).toBe('running')
    }
    expect(await fx.visits()).toBe(2) // main's own count: its one visit before, this one now
    const status = JSON.parse(expectOk(await fx.run(['status', '--json'])).stdout)
    const routed = status.stacks.filter((s: {routed: boolean}) => s.routed).map((s: {branch: string}) => s.branch)
    expect(routed).toEqual(['main'])
  })

  it('inside the stack, service names resolve on the stack\'s own network only, never through the door\'s', async () => {
    const fx = await fixture()
    const up = await fx.run(['up', '--json', '-q'])
    expect(up.code, up.stderr).toBe(0)
    const stack = JSON.parse(up.stdout).stack
    const ip = async (service: string, network: string) =>
      (await docker(['inspect', `${stack}-${service}-1`, '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`])).trim()
    const door = (await docker(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.role=door', '--format', '{{.Names}}'])).trim()
    // web is attached to the door (the door reaches it under its door name), and db too.
    expect(await ip('web', door)).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    const dbOnDoor = await ip('db', door)
    expect(dbOnDoor).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    // Yet web finds "db" at its address on the stack's network: a connection over the door's network would
    // die when the stack is detached for a switch.
    const resolved = (await docker(['exec', `${stack}-web-1`, 'getent', 'ahostsv4', 'db'])).trim().split('\n').map((l) => l.split(/\s+/)[0])
    expect(new Set(resolved)).toEqual(new Set([await ip('db', `${stack}_default`)]))
    expect(resolved).not.toContain(dbOnDoor)
  })

  it('keep_warm: 0 stops the previous branch instead of pausing it: its containers and network go, its data stays', async () => {
    const fx = await fixture((doc) => doc.set('keep_warm', 0))
    expectOk(await fx.run(['up', '-q']))
    const mainVolumes = (await volumesOf(fx.name)).filter((v) => v.includes('-dev-main-'))
    expect(mainVolumes.length).toBeGreaterThan(0)
    const sw = await fx.run(['switch', '--create', 'feature', '-q'])
    expect(sw.code, sw.stderr).toBe(0)
    expect((await containersOf(fx.name)).filter((c) => c.name.includes('-dev-main-'))).toEqual([])
    expect((await docker(['network', 'ls', '--format', '{{.Name}}', '--filter', `label=dev.berth.project=${fx.name}`])).split('\n').filter((n) => n.includes('-dev-main-'))).toEqual([])
    expect((await volumesOf(fx.name)).filter((v) => v.includes('-dev-main-'))).toEqual(mainVolumes)
  })

  it('down stops the warm stacks, removes the current one and the door, and keeps every volume', async () => {
    const fx = await fixture()
    expectOk(await fx.run(['up', '-q']))
    expectOk(await fx.run(['switch', '--create', 'feature', '-q']))
    const volumes = await volumesOf(fx.name)
    expect(volumes.filter((v) => v.includes('_db-data'))).toHaveLength(2)
    const down = await fx.run(['down', '-q'])
    expect(down.code, down.stderr).toBe(0)
    const left = await containersOf(fx.name)
    expect(left.filter((c) => c.state === 'running' || c.state === 'paused')).toEqual([])
    expect((await docker(['ps', '-aq', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.role=door'])).trim()).toBe('')
    expect((await docker(['network', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.role=door'])).trim()).toBe('')
    expect(await volumesOf(fx.name)).toEqual(volumes)
    // Nothing listens on the door's ports any more.
    await expect(httpGet(`http://127.0.0.1:${8000 + fx.offset}/`)).rejects.toThrow()
  })
})
