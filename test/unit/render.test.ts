import {parseDocument, stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {parseServiceTemplate} from '../../src/core/templates.js'
import {parseYamlSource} from '../../src/core/source.js'
import {builtinTemplates, render, shopStack, svc, thrown, type Svc} from './helpers.js'

const SHOP = shopStack(
  `    command: [node, server.js]
    env: {DATABASE_URL: "postgres://app:\${DB_PASSWORD}@db/app"}
    depends_on: [db, cache]
`,
  `  db:
    template: postgres
  cache:
    template: redis
environments:
  qa:
    services:
      web:
        env: {LOG_LEVEL: info}
`,
)
const EXISTING = ['/repo', '/repo/app', '/repo/app/Dockerfile']

describe('render: dev', () => {
  const r = render(SHOP, {existing: EXISTING})

  it('names the stack after project, environment and branch', () => {
    expect(r.compose.name).toBe(r.project)
    expect(r.project).toMatch(/^shop-dev-main-[0-9a-f]{8}$/)
  })

  it('mounts the source at /src and keeps node_modules in a named volume keyed by the lockfile', () => {
    const web = svc(r, 'web')
    expect(web.volumes).toContainEqual({type: 'bind', source: '/repo/app', target: '/src'})
    expect(web.volumes).toContainEqual({type: 'volume', source: 'web-node_modules', target: '/src/node_modules'})
    const nm = r.volumes.find((v) => v.key === 'node_modules')!
    expect(nm.kind).toBe('cache')
    expect(nm.name).toMatch(/^shop_cache_web-node_modules_hash-of-pack/)
    expect(web.working_dir).toBe('/src')
    expect(web.build).toBeUndefined()
  })

  it('never leaves a volume anonymous or removable by down -v: every volume is named and external', () => {
    for (const [key, v] of Object.entries(r.compose.volumes as Record<string, Svc>)) {
      expect(v, key).toEqual({name: expect.any(String), external: true})
    }
    for (const s of Object.values(r.compose.services as Record<string, Svc>)) {
      for (const m of s.volumes ?? []) expect(typeof m === 'object' && m.source, JSON.stringify(m)).toBeTruthy()
    }
  })

  it('routes every port through the front door on 127.0.0.1, keeping numbers numbers; the stack publishes none', () => {
    expect(r.door.routes).toEqual([
      {listen: 5432, bind: '127.0.0.1', service: 'db', host: 'berth-route-db', port: 5432, role: 'app'},
      {listen: 6379, bind: '127.0.0.1', service: 'cache', host: 'berth-route-cache', port: 6379, role: 'app'},
      {listen: 8000, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 8000, role: 'app'},
      {listen: 9229, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 9229, role: 'inspector'},
    ])
    for (const s of Object.values(r.compose.services as Record<string, Svc>)) expect(s.ports).toBeUndefined()
    expect(svc(r, 'web').labels['dev.berth.door']).toBe(r.door.name)
    expect(r.door.name).toMatch(/^shop-dev-door-[0-9a-f]{8}$/)
    expect(svc(r, 'web').environment.PORT).toBe(8000)
  })

  it('gives each work tree its own door, and the door a new digest when a route changes', () => {
    const other = render(SHOP, {existing: ['/elsewhere', '/elsewhere/app', '/elsewhere/app/Dockerfile'], ctx: {root: '/elsewhere'}})
    expect(other.door.name).not.toBe(r.door.name)
    const moved = render(SHOP.replace('port: 8000', 'port: 8001'), {existing: EXISTING})
    expect(moved.door.name).toBe(r.door.name)
    expect(moved.door.digest).not.toBe(r.door.digest)
    expect(render(SHOP, {existing: EXISTING}).door.digest).toBe(r.door.digest)
  })

  it('runs npm ci once per lockfile in a setup container the app waits for', () => {
    expect(svc(r, 'web-setup').command[2]).toContain('npm ci')
    expect(svc(r, 'web').depends_on['web-setup']).toEqual({condition: 'service_completed_successfully'})
  })

  it('waits for healthy dependencies and knows how to check them', () => {
    expect(svc(r, 'web').depends_on.db).toEqual({condition: 'service_healthy'})
    expect(svc(r, 'db').healthcheck.test).toContain('pg_isready')
    expect(svc(r, 'cache').healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping'])
    expect(svc(r, 'web').healthcheck.test.join(' ')).toContain("require('http').get({host:'127.0.0.1',port:8000,path:p")
    expect(svc(r, 'web').init).toBe(true)
  })

  it('labels every container, volume and the network', () => {
    const labels = {'dev.berth.project': 'shop', 'dev.berth.env': 'dev', 'dev.berth.branch': 'main'}
    for (const s of Object.values(r.compose.services as Record<string, Svc>)) expect(s.labels).toMatchObject(labels)
    expect((r.compose.networks as Svc).default.labels).toMatchObject(labels)
    for (const v of r.volumes) expect(v.labels['dev.berth.project']).toBe('shop')
  })

  it("keeps Compose's ${VAR} references instead of inlining values", () => {
    expect(svc(r, 'web').environment.DATABASE_URL).toBe('postgres://app:${DB_PASSWORD}@db/app')
  })

  it('is deterministic', () => {
    expect(stringify(render(SHOP, {existing: EXISTING}).compose, {sortMapEntries: true})).toBe(stringify(r.compose, {sortMapEntries: true}))
  })
})

describe('render: qa and stage', () => {
  it('qa builds the Dockerfile with the mapped base image, NODE_ENV=staging, ports shifted', () => {
    const r = render(SHOP, {env: 'qa', existing: EXISTING, ctx: {images: {'node:20-bookworm-slim': 'local/node:20'}}})
    const web = svc(r, 'web')
    expect(web.build).toEqual({context: '/repo/app', args: {BASE_IMAGE: 'local/node:20'}})
    expect(web.image).toMatch(/^berth\/shop-web:qa-main-[0-9a-f]{8}$/) // tagged per project, service, environment and branch
    expect(web.environment).toMatchObject({NODE_ENV: 'staging', DEPLOY_ENV: 'QA', LOG_LEVEL: 'info'})
    expect(r.door.routes.find((x) => x.service === 'web')).toMatchObject({listen: 18000, bind: '127.0.0.1', port: 8000})
    expect(web.volumes).toBeUndefined()
    expect(svc(r, 'web-setup')).toBeUndefined()
    expect(r.project).toMatch(/^shop-qa-main-/)
  })

  it('stage sets NODE_ENV=production and its own port block', () => {
    const r = render(SHOP, {env: 'stage', existing: EXISTING})
    expect(svc(r, 'web').environment).toMatchObject({NODE_ENV: 'production', DEPLOY_ENV: 'STAGE'})
    expect(r.door.routes.find((x) => x.service === 'db')!.listen).toBe(25432)
  })

  it('a custom environment extends a built-in one', () => {
    const r = render(`${SHOP}  perf:\n    extends: qa\n    port_offset: 30000\n    vars: {node_env: production}\n`, {env: 'perf', existing: EXISTING})
    expect(svc(r, 'web').environment).toMatchObject({NODE_ENV: 'production', DEPLOY_ENV: 'QA', LOG_LEVEL: 'info'})
    expect(r.door.routes.find((x) => x.service === 'web')!.listen).toBe(38000)
  })

  it('params.health_path: null turns the HTTP healthcheck off, as documented', () => {
    const off = render(`name: shop\nservices:\n  web:\n    template: node\n    port: 8000\n    params: {health_path: null}\n`, {existing: ['/repo']})
    expect(svc(off, 'web').healthcheck).toBeUndefined()
    const on = render(`name: shop\nservices:\n  web:\n    template: node\n    port: 8000\n`, {existing: ['/repo']})
    expect(svc(on, 'web').healthcheck).toBeDefined()
  })

  it('a custom environment that extends nothing gets NODE_ENV and DEPLOY_ENV from its mode and name', () => {
    const dev = render(`${SHOP}  mine:\n    port_offset: 30000\n`, {env: 'mine', existing: EXISTING})
    expect(svc(dev, 'web').environment).toMatchObject({NODE_ENV: 'development', DEPLOY_ENV: 'MINE'})
    const prod = render(`${SHOP}  perf:\n    mode: prod\n    port_offset: 30000\n`, {env: 'perf', existing: EXISTING})
    expect(svc(prod, 'web').environment).toMatchObject({NODE_ENV: 'production', DEPLOY_ENV: 'PERF'})
  })
})

describe('render: images, overrides and escapes', () => {
  it('maps images and prefixes a private registry', () => {
    const r = render(SHOP, {existing: EXISTING, ctx: {images: {'postgres:15': 'local/postgres:15'}, registry: 'registry.corp/mirror'}})
    expect(svc(r, 'db').image).toBe('local/postgres:15')
    expect(svc(r, 'cache').image).toBe('registry.corp/mirror/redis:7')
    expect(svc(r, 'web').image).toBe('registry.corp/mirror/node:20-bookworm-slim')
  })

  it('merges the raw compose fragments last', () => {
    const r = render(`${SHOP}compose:\n  services:\n    db:\n      shm_size: 256m\n      stop_grace_period: null\n`, {existing: EXISTING})
    expect(svc(r, 'db').shm_size).toBe('256m')
    expect(svc(r, 'db').stop_grace_period).toBeUndefined()
  })

  it('binds elsewhere only when asked', () => {
    const r = render(`bind: 0.0.0.0\n${SHOP}`, {existing: EXISTING})
    expect(r.door.routes.find((x) => x.service === 'web' && x.role === 'app')!.bind).toBe('0.0.0.0')
  })

  it('escapes $ in branch names so Compose never interpolates them', () => {
    const r = render(SHOP, {existing: EXISTING, ctx: {branch: 'x;touch${IFS}pwned'}})
    expect(svc(r, 'web').labels['dev.berth.branch']).toBe('x;touch$${IFS}pwned')
    expect(r.project).toMatch(/^shop-dev-x-touch-ifs-pwned-[0-9a-f]{8}$/)
  })

  it('leaves out a service disabled in an environment, and says so when another depends on it', () => {
    const text = `${SHOP}  lite:\n    extends: dev\n    services:\n      cache: {enabled: false}\n`
    const error = thrown(() => render(text, {env: 'lite', existing: EXISTING}))
    expect(error.message).toMatch(/^berth\.yml:10:\d+: service "web" depends on unknown service "cache" \(it is disabled in lite\)/)
  })

  it('uses a project template over a built-in one', () => {
    const templates = builtinTemplates()
    templates.set('redis', parseServiceTemplate('redis', parseYamlSource('params: {image: valkey:8, port: 6379}\nservice:\n  image: ${{ image }}\n', 'templates/services/redis.yml')))
    const r = render(SHOP, {existing: EXISTING, templates})
    expect(svc(r, 'cache').image).toBe('valkey:8')
  })
})

describe('render: bad input names file and line', () => {
  it('unknown template', () => {
    const error = thrown(() => render(SHOP.replace('template: redis', 'template: rediss'), {existing: EXISTING}))
    expect(error.message).toBe('berth.yml:14:15: unknown template "rediss" for service "cache"')
    expect(error.hints?.[0]).toContain('node, postgres, rabbitmq, redis')
    expect(error.exitCode).toBe(3)
  })

  it('unknown environment', () => {
    const error = thrown(() => render(SHOP, {env: 'prod', existing: EXISTING}))
    expect(error.message).toBe('unknown environment "prod"')
    expect(error.hints?.[0]).toContain('dev, qa, stage')
    expect(error.exitCode).toBe(2)
  })

  it('missing build context', () => {
    const error = thrown(() => render(SHOP.replace('build: app', 'build: ./nothere'), {existing: EXISTING}))
    expect(error.message).toBe('berth.yml:5:12: build context "./nothere" of service "web" does not exist (/repo/nothere)')
  })

  it('a service with neither image nor build', () => {
    expect(thrown(() => render('name: s\nservices:\n  x:\n    command: ["true"]\n')).message).toBe('berth.yml:3:3: service "x" has neither image nor build')
  })

  it('a host port above 65535', () => {
    expect(thrown(() => render(SHOP, {env: 'stage', existing: EXISTING, ctx: {worktreeOffset: 50000}})).message).toMatch(/host port \d+ .* is above 65535/)
  })

  it('parses its own output as valid YAML', () => {
    const r = render(SHOP, {existing: EXISTING})
    expect(parseDocument(stringify(r.compose)).errors).toEqual([])
  })
})
