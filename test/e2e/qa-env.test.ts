// qa next to dev: the app's Dockerfile is built on the mapped base image, NODE_ENV=staging, ports +10000,
// its own containers and volumes.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {berth, containersOf, httpGet, stackFixture, volumesOf, type Fixture} from './harness.js'

describe('qa environment', () => {
  let fx: Fixture
  beforeAll(async () => {
    fx = await stackFixture('shop')
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('builds the image and serves it with production-like settings on shifted ports', async () => {
    const up = await berth(['up', 'qa', '--json'], {cwd: fx.dir, env: fx.env})
    expect(up.code, up.stderr).toBe(0)
    const {stack, services} = JSON.parse(up.stdout)
    expect(stack).toMatch(new RegExp(`^${fx.name}-qa-main-`))
    expect(services.map((s: {service: string}) => s.service).sort()).toEqual(['cache', 'db', 'web']) // no setup container
    const stats = JSON.parse((await httpGet(`http://127.0.0.1:${18000 + fx.offset}/api/stats`)).body)
    expect(stats).toMatchObject({nodeEnv: 'staging', deployEnv: 'QA', visits: 1, hits: 1})
    const web = (await containersOf(fx.name)).find((c) => c.service === 'web')
    expect(web?.state).toBe('running')
  })

  it('keeps qa data apart from dev data', async () => {
    const volumes = await volumesOf(fx.name)
    expect(volumes.filter((v) => v.includes('-qa-'))).toHaveLength(2) // db and redis data
    expect(volumes.filter((v) => v.includes('-dev-'))).toEqual([])
    const down = await berth(['down', 'qa'], {cwd: fx.dir, env: fx.env})
    expect(down.code, down.stderr).toBe(0)
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual(volumes)
  })
})
