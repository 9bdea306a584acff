// The example stack on the real engine: up, HTTP through 127.0.0.1 with data from postgres and redis,
// status --json healthy, down removes every container and keeps every volume.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {berth, containersOf, httpGet, stackFixture, volumesOf, type Fixture} from './harness.js'

describe('example stack lifecycle (dev)', () => {
  let fx: Fixture

  beforeAll(async () => {
    fx = await stackFixture('shop')
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('up starts every service healthy and prints the app URL', async () => {
    const up = await berth(['up', '--json'], {cwd: fx.dir, env: fx.env})
    expect(up.code, up.stderr).toBe(0)
    const result = JSON.parse(up.stdout)
    const services = Object.fromEntries(result.services.filter((s: {role: string}) => s.role === 'app').map((s: {service: string; health: string}) => [s.service, s.health]))
    expect(services).toEqual({cache: 'healthy', db: 'healthy', web: 'healthy'})
    const web = result.services.find((s: {service: string}) => s.service === 'web')
    expect(web.url).toBe(`http://127.0.0.1:${8000 + fx.offset}/`)
  })

  it('serves the page through 127.0.0.1 with data from postgres and redis', async () => {
    const first = await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)
    expect(first.status).toBe(200)
    const a = JSON.parse(first.body)
    const second = JSON.parse((await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)).body)
    expect(second.visits).toBe(a.visits + 1) // a row per request in postgres
    expect(second.hits).toBe(a.hits + 1) // INCR in redis
    expect(second.nodeEnv).toBe('development')
    const page = await httpGet(`http://127.0.0.1:${8000 + fx.offset}/`)
    expect(page.body).toMatch(/<strong id="visits">\d+<\/strong>/)
  })

  it('status --json shows every service running and healthy, published on 127.0.0.1 only', async () => {
    const status = await berth(['status', '--json'], {cwd: fx.dir, env: fx.env})
    expect(status.code, status.stderr).toBe(0)
    const {stacks} = JSON.parse(status.stdout)
    expect(stacks).toHaveLength(1)
    expect(stacks[0].env).toBe('dev')
    expect(stacks[0].branch).toBe('main')
    const apps = stacks[0].services.filter((s: {role: string}) => s.role === 'app')
    expect(apps.map((s: {service: string}) => s.service)).toEqual(['cache', 'db', 'web'])
    for (const s of apps) {
      expect(s.state).toBe('running')
      expect(s.health).toBe('healthy')
      expect(s.ports.length).toBeGreaterThan(0)
      for (const p of s.ports) expect(p.host).toBe('127.0.0.1')
    }
  })

  it('down removes every container of the project and keeps its volumes', async () => {
    const before = await volumesOf(fx.name)
    expect(before.length).toBe(3) // db data, redis data, node_modules cache
    const down = await berth(['down'], {cwd: fx.dir, env: fx.env})
    expect(down.code, down.stderr).toBe(0)
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual(before)
  })
})
