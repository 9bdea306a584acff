// A plain `git checkout` (IDE, terminal) then `berth up`: the previous branch's stack gives way (paused,
// kept warm), the new branch runs behind the same front door, on the same ports, with its own data.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {berth, containersOf, expectOk, git, httpGet, stackFixture, volumesOf, type Fixture} from './harness.js'

describe('berth up after a plain git checkout', () => {
  let fx: Fixture
  beforeAll(async () => {
    fx = await stackFixture('shop', {prefix: 't-co'})
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('pauses the other branch stack behind the door and routes the ports to this one', async () => {
    const main = await berth(['up', '--json', '-q'], {cwd: fx.dir, env: fx.env})
    expect(main.code, main.stderr).toBe(0)
    const mainStack = JSON.parse(main.stdout).stack
    expect((await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)).status).toBe(200) // one visit on main

    git(['checkout', '-q', '-b', 'feature/x'], fx.dir)
    const feature = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expect(feature.code, feature.stderr).toBe(0)
    expect(feature.stderr).toContain(`Paused ${mainStack} (branch main)`)
    const status = JSON.parse(expectOk(await berth(['status', '--json'], {cwd: fx.dir, env: fx.env})).stdout)
    expect(status.branch).toBe('feature/x')
    const running = status.stacks.filter((s: {services: Array<{state: string}>}) => s.services.some((x) => x.state === 'running'))
    expect(running.map((s: {branch: string}) => s.branch)).toEqual(['feature/x'])
    const featureStack = running[0].stack
    expect(featureStack).toMatch(new RegExp(`^${fx.name}-dev-feature-x-[0-9a-f]{8}$`))

    const containers = await containersOf(fx.name)
    const mainDb = containers.find((c) => c.name.startsWith(`${mainStack}-db`))
    expect(mainDb?.state).toBe('paused') // kept warm, not removed
    const stats = JSON.parse((await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)).body)
    expect(stats.visits).toBe(2) // main's row (seeded copy) + this one: the feature branch has its own database

    const volumes = await volumesOf(fx.name)
    expect(volumes).toContain(`${mainStack}_db-data`)
    expect(volumes).toContain(`${featureStack}_db-data`)
  })
})
