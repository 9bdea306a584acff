import {describe, expect, it} from 'vitest'
import {apiAtLeast, START_INTERVAL, withStartInterval} from '../../src/core/healthcheck.js'
import {render} from './helpers.js'

const SHOP = `name: shop
services:
  web:
    template: node
    port: 8000
    command: [node, server.js]
    params: {health_path: /health}
    depends_on: [db, cache]
  db:
    template: postgres
  cache:
    template: redis
  worker:
    image: busybox
`
type Svc = Record<string, any>
const services = (engineApi?: string) => render(SHOP, {ctx: engineApi ? {engineApi} : {}}).compose.services as Record<string, Svc>

describe('healthcheck start_interval by the engine API version in the render context', () => {
  it('API 1.44 and later: every template healthcheck probes every 250ms during its start period', () => {
    for (const api of ['1.44', '1.45', '1.51', '2.0']) {
      const s = services(api)
      for (const name of ['web', 'db', 'cache']) {
        expect(s[name].healthcheck.start_interval, `${name} on ${api}`).toBe(START_INTERVAL)
        expect(s[name].healthcheck.start_period, name).toBeDefined()
      }
      expect(s.worker.healthcheck).toBeUndefined()
    }
  })

  it('below 1.44, or an engine not asked (berth render): no start_interval, the file as before', () => {
    for (const api of ['1.43', '1.41', '1.9', undefined]) {
      const s = services(api)
      for (const name of ['web', 'db', 'cache']) expect(s[name].healthcheck.start_interval, `${name} on ${api}`).toBeUndefined()
    }
  })

  it('keeps a start_interval of the user, and leaves healthchecks turned off or without start_period alone', () => {
    const model = {
      services: {
        a: {healthcheck: {test: ['CMD', 'true'], start_period: '5s', start_interval: '1s'}},
        b: {healthcheck: {disable: true, start_period: '5s'}},
        c: {healthcheck: {test: ['NONE'], start_period: '5s'}},
        d: {healthcheck: {test: ['CMD', 'true'], interval: '1s'}},
      },
    }
    const out = withStartInterval(model, '1.45').services as Record<string, Svc>
    expect(out.a.healthcheck.start_interval).toBe('1s')
    expect(out.b.healthcheck.start_interval).toBeUndefined()
    expect(out.c.healthcheck.start_interval).toBeUndefined()
    expect(out.d.healthcheck.start_interval).toBeUndefined()
    // The input is not changed (a loaded project renders again in the same process).
    const e = {services: {e: {healthcheck: {test: ['CMD', 'true'], start_period: '5s'}}}}
    withStartInterval(e, '1.45')
    expect(e.services.e.healthcheck).not.toHaveProperty('start_interval')
  })

  it('params.health_path: null still turns the HTTP healthcheck off on any engine', () => {
    const off = render(`name: shop\nservices:\n  web:\n    template: node\n    port: 8000\n    params: {health_path: null}\n`, {ctx: {engineApi: '1.45'}})
    expect((off.compose.services as Record<string, Svc>).web.healthcheck).toBeUndefined()
  })

  it('compares versions as numbers', () => {
    expect(apiAtLeast('1.44', '1.44')).toBe(true)
    expect(apiAtLeast('1.100', '1.44')).toBe(true)
    expect(apiAtLeast('1.5', '1.44')).toBe(false)
    expect(apiAtLeast('', '1.44')).toBe(false)
    expect(apiAtLeast('garbage', '1.44')).toBe(false)
  })
})

describe('the node template health probe', () => {
  it('prints the method, path and status or the connection error, and is healthy below HTTP 500', () => {
    const test = (services('1.45').web.healthcheck.test as string[]).join(' ')
    expect(test).toContain("console.log('GET '+p+' -> '+t)")
    expect(test).toContain("s('HTTP '+r.statusCode,r.statusCode<500?0:1)")
    expect(test).toContain("const p='/health'")
    expect(test).toContain("port:8000,path:p")
    expect(test).toContain('e.code||e.message')
  })
})
