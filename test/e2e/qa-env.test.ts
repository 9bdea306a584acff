// qa next to dev: the app's Dockerfile is built on the mapped base image, NODE_ENV=staging, ports +10000,
// its own containers and volumes: dev's, running beside it, are left as they were.
import {describe, expect, it} from 'vitest'
import {containersOf, httpGet, useFixtures, volumesOf} from './harness.js'

describe('qa environment', () => {
  const fixtures = useFixtures()
  const stats = async (url: string) => {
    const r = await httpGet(url)
    expect(r.status, `${url}: ${r.body}`).toBe(200)
    return JSON.parse(r.body) as {visits: number; hits: number; nodeEnv: string; deployEnv: string}
  }

  it('builds the image and serves it with production-like settings on shifted ports', async () => {
    const fx = await fixtures.up('shop', {env: 'qa'})
    expect(fx.up.stack).toMatch(new RegExp(`^${fx.name}-qa-main-`))
    expect(fx.up.services.map((s) => s.service).sort()).toEqual(['cache', 'db', 'web', 'web']) // two web replicas, no setup container
    expect(await stats(fx.url('/api/stats', 18000))).toMatchObject({nodeEnv: 'staging', deployEnv: 'QA', visits: 1, hits: 1})
    const web = (await containersOf(fx.name)).find((c) => c.service === 'web')
    expect(web?.state).toBe('running')
  })

  it('keeps qa data apart from dev data: qa gets its own volumes, and dev running beside it keeps its own', async () => {
    const fx = await fixtures.up('shop') // dev first, with data of its own
    for (let i = 0; i < 3; i++) await stats(fx.url('/api/stats'))
    const devVolumes = await volumesOf(fx.name)
    expect(devVolumes).toHaveLength(3) // db data, redis data, node_modules cache

    await fx.ok(['up', 'qa', '-q'])
    const volumes = await volumesOf(fx.name)
    const qaVolumes = volumes.filter((v) => !devVolumes.includes(v))
    expect(qaVolumes).toHaveLength(2) // db and redis data of qa's own
    for (const v of qaVolumes) expect(v).toContain(`${fx.name}-qa-`)
    expect(volumes.filter((v) => !qaVolumes.includes(v))).toEqual(devVolumes) // dev's all still there
    // qa counts from zero in its own database and redis; dev goes on from its three visits in its own.
    expect(await stats(fx.url('/api/stats', 18000))).toMatchObject({deployEnv: 'QA', visits: 1, hits: 1})
    expect(await stats(fx.url('/api/stats'))).toMatchObject({nodeEnv: 'development', visits: 4, hits: 4})

    // down qa removes every qa container, leaves dev running, and keeps every volume.
    await fx.ok(['down', 'qa'])
    const containers = await containersOf(fx.name)
    expect(containers.filter((c) => c.name.startsWith(`${fx.name}-qa-`))).toEqual([])
    const dev = containers.filter((c) => ['web', 'db', 'cache'].includes(c.service))
    expect(dev.map((c) => `${c.service} ${c.state}`).sort()).toEqual(['cache running', 'db running', 'web running'])
    expect(await volumesOf(fx.name)).toEqual(volumes)
  })
})
