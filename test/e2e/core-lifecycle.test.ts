// The example stack on the real engine: up, HTTP through 127.0.0.1 with data from postgres and redis,
// status --json healthy, down removes every container and keeps every volume. Each test brings up its own copy.
import {describe, expect, it} from 'vitest'
import {containersOf, httpGet, useFixtures, volumesOf} from './harness.js'

describe('example stack lifecycle (dev)', () => {
  const fixtures = useFixtures()

  it('up starts every service healthy, prints the app URL, and the app serves data from postgres and redis there', async () => {
    const fx = await fixtures.up('shop')
    const services = Object.fromEntries(fx.up.services.filter((s) => s.role === 'app').map((s) => [s.service, s.health]))
    expect(services).toEqual({cache: 'healthy', db: 'healthy', web: 'healthy'})
    const web = fx.up.services.find((s) => s.service === 'web')
    expect(web?.url).toBe(`http://127.0.0.1:${8000 + fx.offset}/`)

    const first = await httpGet(fx.url('/api/stats'))
    expect(first.status).toBe(200)
    const a = JSON.parse(first.body)
    const second = JSON.parse((await httpGet(fx.url('/api/stats'))).body)
    expect(second.visits).toBe(a.visits + 1) // a row per request in postgres
    expect(second.hits).toBe(a.hits + 1) // INCR in redis
    expect(second.nodeEnv).toBe('development')
    const page = await httpGet(fx.url('/'))
    expect(page.body).toMatch(/<strong id="visits">\d+<\/strong>/)
  })

  it('status --json shows every service running and healthy, published on 127.0.0.1 only', async () => {
    const fx = await fixtures.up('shop')
    const status = await fx.ok(['status', '--json'])
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
    const fx = await fixtures.up('shop')
    const before = await volumesOf(fx.name)
    expect(before.length).toBe(3) // db data, redis data, node_modules cache
    await fx.ok(['down'])
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual(before)
  })
})
