// The https front door in the render: which environments and services get https and a redirect, on which
// host ports, the URL shown, and the keys berth.yml may set (tls per environment and per service).
import {describe, expect, it} from 'vitest'
import {render, thrown} from './helpers.js'

const WEB = `name: shop
services:
  web:
    template: node
    port: 8000
  db:
    template: postgres
`
const routes = (r: ReturnType<typeof render>, service = 'web') => r.door.routes.filter((x) => x.service === service && x.role !== 'inspector').map((x) => [x.listen, x.role, x.https])
const url = (r: ReturnType<typeof render>) => (r.compose.services as Record<string, {labels: Record<string, string>}>).web.labels['dev.berth.url']

describe('render: the https front door', () => {
  it('qa and stage serve https on the app port + 443 and redirect http on + 80; the app port stays', () => {
    const qa = render(WEB, {env: 'qa'})
    expect(routes(qa)).toEqual([
      [18000, 'app', undefined],
      [18080, 'redirect', 18443],
      [18443, 'https', undefined],
    ])
    expect(url(qa)).toBe('https://127.0.0.1:18443/')
    expect(qa.door.routes.find((x) => x.role === 'https')).toMatchObject({port: 8000, host: 'berth-route-web', bind: '127.0.0.1'})
    expect(routes(render(WEB, {env: 'stage'})).map((x) => x[0])).toEqual([28000, 28080, 28443])
  })

  it('only for HTTP services: a database gets none', () => {
    expect(routes(render(WEB, {env: 'qa'}), 'db')).toEqual([[15432, 'app', undefined]])
  })

  it('dev has none (plain http as before); an environment may turn it on or off', () => {
    const dev = render(WEB)
    expect(routes(dev)).toEqual([[8000, 'app', undefined]])
    expect(url(dev)).toBe('http://127.0.0.1:8000/')
    expect(routes(render(`${WEB}environments:\n  dev:\n    tls: true\n`))).toHaveLength(3)
    expect(routes(render(`${WEB}environments:\n  qa:\n    tls: false\n`, {env: 'qa'}))).toEqual([[18000, 'app', undefined]])
  })

  it('a service may keep plain http (tls: false) or fix its ports (443 and 80), and the work tree offset applies as to host_port', () => {
    const off = render(`${WEB}environments:\n  qa:\n    services:\n      web:\n        tls: false\n`, {env: 'qa'})
    expect(routes(off)).toEqual([[18000, 'app', undefined]])
    const fixed = `${WEB}environments:\n  qa:\n    services:\n      web:\n        tls: {https_port: 443, http_port: 80}\n`
    expect(routes(render(fixed, {env: 'qa'}))).toEqual([
      [80, 'redirect', 443],
      [443, 'https', undefined],
      [18000, 'app', undefined],
    ])
    expect(url(render(fixed, {env: 'qa'}))).toBe('https://127.0.0.1:443/')
    expect(routes(render(fixed, {env: 'qa', ctx: {worktreeOffset: 100}})).map((x) => x[0])).toEqual([180, 543, 18100])
  })

  it('the rendered file names the https and redirect routes in its header', async () => {
    const {composeYamlText} = await import('../../src/core/compose-yaml.js')
    const text = composeYamlText('/repo/berth.yml', 'main', render(WEB, {env: 'qa'}))
    expect(text).toContain('#   127.0.0.1:18443 -> web:8000 (https')
    expect(text).toContain('#   127.0.0.1:18080 -> web:8000 (http: redirects to https on 18443)')
  })

  it('a bad tls value is refused with the key named', () => {
    const e = thrown(() => render(`${WEB}environments:\n  qa:\n    services:\n      web:\n        tls: {https_port: 70000}\n`, {env: 'qa'}))
    expect(e.message).toMatch(/https_port/)
    expect(e.exitCode).toBe(3)
    const p = thrown(() => render(`${WEB}environments:\n  qa:\n    tls: yes please\n`, {env: 'qa'}))
    expect(p.message).toMatch(/tls/)
  })

  it('an https port above 65535 is refused', () => {
    const e = thrown(() => render(WEB.replace('port: 8000', 'port: 8000\n    host_port: 65400'), {env: 'qa'}))
    expect(e.message).toMatch(/host port 65843/)
  })

  it('the door digest changes with https routes (the door is re-created)', () => {
    expect(render(WEB, {env: 'qa'}).door.digest).not.toBe(render(`${WEB}environments:\n  qa:\n    tls: false\n`, {env: 'qa'}).door.digest)
  })
})
