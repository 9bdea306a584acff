// 100 branches of one project, each created and switched to in turn (`berth switch --create`): no switch
// runs out of networks (an engine's default address pools hold about 30), because a stack that is no longer
// kept warm keeps no network. At the end the project has the current stack's network, keep_warm (2) warm
// stacks' and the door's, and no more containers than those stacks and the door.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {git} from '../e2e/harness.js'
import {dockerOut, engineObjects, smallFixture, type SmallFixture} from './lib.js'

const BRANCHES = 100

describe(`${BRANCHES} branches`, () => {
  let fx: SmallFixture
  beforeAll(async () => {
    // one service that starts in a moment, with a port so that the front door exists too
    fx = await smallFixture('t-many', {yml: (name) => `name: ${name}\nservices:\n  app:\n    image: debian:bookworm-slim\n    command: [sleep, infinity]\n    port: 8000\n`})
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('each created and switched to: never out of networks, few networks left', async () => {
    await fx.ok(['up', '-q'])
    let most = 0
    for (let i = 0; i < BRANCHES; i++) {
      const r = await fx.run(['switch', '--create', `b${i}`, '-q'])
      expect(r.stderr).not.toMatch(/could not find an available, non-overlapping IPv4 address pool/)
      expect(r.code, `switch --create b${i}:\n${r.stderr}`).toBe(0)
      if (i % 10 === 9) most = Math.max(most, (await engineObjects(fx.name)).networks.length)
    }
    expect(git(['branch', '--show-current'], fx.dir).trim()).toBe(`b${BRANCHES - 1}`)
    const {containers, networks} = await engineObjects(fx.name)
    // the current stack, two warm ones, the door
    expect(networks, networks.join('\n')).toHaveLength(4)
    expect(networks.filter((n) => /-door-/.test(n))).toHaveLength(1)
    expect(networks.filter((n) => n.includes(`-dev-b${BRANCHES - 1}-`))).toHaveLength(1)
    expect(most, 'networks of the project at any tenth switch').toBeLessThanOrEqual(4)
    expect(containers, containers.join('\n')).toHaveLength(4)
    const paused = (await dockerOut(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'status=paused', '--format', '{{.Names}}'])).trim().split('\n').filter(Boolean)
    expect(paused.map((c) => c.replace(/^.*-dev-(b\d+)-.*$/, '$1')).sort()).toEqual([`b${BRANCHES - 3}`, `b${BRANCHES - 2}`])
  })
})
