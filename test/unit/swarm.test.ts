// The Swarm target: the rendered Compose model of an environment turned into a stack file (src/core/swarm.ts).
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/core/errors.js'
import {stackYamlText} from '../../src/core/swarm-yaml.js'
import {builtImageTag, looksSecret, swarmStack, type SwarmOptions} from '../../src/core/swarm.js'
import {render, shopStack, thrown, type Svc} from './helpers.js'

const SHOP = shopStack(
  `    command: [node, server.js]
    env_file: web.env
    env: {DATABASE_URL: "postgres://app:app@db/app"}
    depends_on: [db, cache]
`,
  `  db:
    template: postgres
  cache:
    template: redis
`,
)
const EXISTING = ['/repo', '/repo/app', '/repo/app/Dockerfile']
const ENV_FILES = {'/repo/web.env': {API_TOKEN: 's3cr3t-value', LOG_LEVEL: 'info', DB_PASSWORD: 'hunter2'}}
const options = (extra: Partial<SwarmOptions> = {}): SwarmOptions => ({projectName: 'shop', branch: 'main', envFiles: ENV_FILES, ...extra})
const stage = (text = SHOP, extra: Partial<SwarmOptions> = {}) => swarmStack(render(text, {env: 'stage', existing: EXISTING}), options(extra))
const svc = (s: ReturnType<typeof stage>, name: string) => (s.model.services as Record<string, Svc>)[name]

describe('render --target swarm', () => {
  it('is deterministic: the same render gives the same text', () => {
    const a = stackYamlText('/repo/berth.yml', 'stage', 'main', stage())
    const b = stackYamlText('/repo/berth.yml', 'stage', 'main', stage())
    expect(a).toBe(b)
    expect(parse(a).version).toBe('3.9')
  })

  it('has no build: a built service runs the image berth tags for it', () => {
    const s = stage()
    const web = svc(s, 'web')
    expect(web.build).toBeUndefined()
    expect(web.image).toBe(builtImageTag('shop', 'web', 'stage', 'main'))
    expect(web.image).toMatch(/^berth\/shop-web:stage-main-[0-9a-f]{8}$/)
    // stage's defaults: two app replicas
    expect(s.services.find((x) => x.name === 'web')).toMatchObject({built: true, replicas: 2})
    expect(svc(s, 'db').image).toBe('postgres:15')
  })

  it('drops what a swarm ignores or refuses (name, depends_on, restart, start_interval)', () => {
    const s = stage()
    expect(s.model.name).toBeUndefined()
    for (const name of ['web', 'db', 'cache']) {
      expect(svc(s, name).depends_on).toBeUndefined()
      expect(svc(s, name).restart).toBeUndefined()
      expect(svc(s, name).healthcheck?.start_interval).toBeUndefined()
    }
  })

  it('deploys with replicas, a start-first rolling update that rolls back, and a restart policy; healthchecks kept', () => {
    const web = svc(stage(), 'web')
    expect(web.deploy.replicas).toBe(2) // stage's defaults
    expect(web.deploy.update_config).toMatchObject({parallelism: 1, order: 'start-first', failure_action: 'rollback'})
    expect(web.deploy.rollback_config).toMatchObject({parallelism: 1})
    expect(web.deploy.restart_policy.condition).toBe('any')
    expect(web.healthcheck.test[0]).toBe('CMD')
  })

  it('never runs two databases on one data volume: stop-first, pinned to a manager', () => {
    const db = svc(stage(), 'db')
    expect(db.deploy.update_config.order).toBe('stop-first')
    expect(db.deploy.placement.constraints).toEqual(['node.role == manager'])
  })

  it('maps replicas and resource limits from the model (deploy.replicas, deploy.resources.limits, mem_limit, cpus)', () => {
    const text = SHOP.replace('    depends_on: [db, cache]', '    depends_on: [db, cache]\n    compose: {deploy: {replicas: 3, resources: {limits: {memory: 256M, cpus: \'0.5\'}}}}')
    const s = stage(text)
    expect(svc(s, 'web').deploy.replicas).toBe(3)
    expect(svc(s, 'web').deploy.resources.limits).toEqual({memory: '256M', cpus: '0.5'})
    expect(svc(s, 'web').cpus).toBeUndefined()
    expect(s.services.find((x) => x.name === 'web')!.replicas).toBe(3)
  })

  it('publishes the HTTP port itself (ingress by default, host when asked); databases stay inside the overlay network', () => {
    const s = stage()
    expect(svc(s, 'web').ports).toEqual([{target: 8000, published: 28000, protocol: 'tcp', mode: 'ingress'}])
    expect(svc(s, 'db').ports).toBeUndefined()
    expect(svc(s, 'cache').ports).toBeUndefined()
    const host = svc(stage(SHOP, {publishMode: 'host', endpointMode: 'dnsrr'}), 'web')
    expect(host.ports[0].mode).toBe('host')
    expect(host.deploy.update_config.order).toBe('stop-first') // the new task cannot take the port first
    expect(host.deploy.endpoint_mode).toBe('dnsrr')
    expect(s.model.networks).toMatchObject({default: {driver: 'overlay'}})
  })

  it('publish: door: a global door service holds the ports in host mode; the services publish none and update start-first', () => {
    const door = {image: 'local/node:20', script: 'const a = `${1}`; console.log(a)'}
    const s = stage(SHOP, {publishMode: 'door', door})
    expect(svc(s, 'web').ports).toBeUndefined()
    expect(svc(s, 'web').deploy.update_config.order).toBe('start-first') // no port to hold: the new task first
    expect(svc(s, 'db').deploy.update_config.order).toBe('stop-first') // still one database on its data
    const d = svc(s, 'berth-door')
    expect(d.image).toBe('local/node:20')
    expect(d.deploy.mode).toBe('global')
    expect(d.ports).toEqual([{target: 28000, published: 28000, protocol: 'tcp', mode: 'host'}])
    // It finds the tasks by the swarm's DNS, whatever the endpoint mode.
    expect(JSON.parse(d.environment.BERTH_DOOR_ROUTES)).toEqual([{listen: 28000, service: 'web', host: `tasks.${s.name}_web`, port: 8000}])
    // The program's $ are escaped for the docker CLI's interpolation.
    expect(d.command).toEqual(['node', '-e', 'const a = `$${1}`; console.log(a)'])
    expect(s.services.find((x) => x.name === 'berth-door')).toMatchObject({replicas: 1, built: false})
    const text = stackYamlText('/repo/berth.yml', 'stage', 'main', s)
    expect(text).toContain('#   28000 -> web:8000 (berth-door, host mode)')
    expect(text).not.toMatch(/28000 -> berth-door/)
    // A service of that name would be shadowed: refused.
    const clash = SHOP.replace('  cache:\n', '  berth-door:\n    image: x:1\n  cache:\n')
    expect(thrown(() => stage(clash, {publishMode: 'door', door})).message).toMatch(/service "berth-door": the name is berth's front door/)
  })

  it('keeps named volumes external with berth names, made by deploy', () => {
    const s = stage()
    const volumes = s.model.volumes as Record<string, Svc>
    expect(volumes['db-data']).toMatchObject({external: true})
    expect(volumes['db-data'].name).toMatch(/^shop-stage-main-[0-9a-f]{8}_db-data$/)
  })

  it('turns env_file values that look secret into Swarm secrets, the others into ${KEY} references, no value in the file', () => {
    const s = stage()
    const web = svc(s, 'web')
    const text = stackYamlText('/repo/berth.yml', 'stage', 'main', s)
    expect(text).not.toContain('s3cr3t-value')
    expect(text).not.toContain('hunter2')
    expect(web.env_file).toBeUndefined()
    expect(web.environment.LOG_LEVEL).toBe('${LOG_LEVEL}')
    expect(web.environment.API_TOKEN).toBeUndefined()
    expect(web.environment.API_TOKEN_FILE).toBe('/run/secrets/API_TOKEN')
    expect(web.secrets.map((x: Svc) => x.target).sort()).toEqual(['API_TOKEN', 'DB_PASSWORD'])
    expect(s.secrets.map((x) => x.key).sort()).toEqual(['API_TOKEN', 'DB_PASSWORD'])
    expect(Object.values(s.model.secrets as Svc).every((x) => x.external === true)).toBe(true)
    expect(s.envRefs).toEqual({LOG_LEVEL: '/repo/web.env'})
  })

  it('names a changed secret value anew (Swarm secrets cannot change)', () => {
    const a = stage().secrets.find((x) => x.key === 'API_TOKEN')!.name
    const b = stage(SHOP, {envFiles: {'/repo/web.env': {...ENV_FILES['/repo/web.env'], API_TOKEN: 'other'}}}).secrets.find((x) => x.key === 'API_TOKEN')!.name
    expect(a).not.toBe(b)
  })

  it('knows what looks secret', () => {
    for (const k of ['DB_PASSWORD', 'API_TOKEN', 'STRIPE_SECRET', 'API_KEY', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY']) expect(looksSecret(k), k).toBe(true)
    for (const k of ['LOG_LEVEL', 'PORT', 'KEYBOARD_LAYOUT', 'NODE_ENV']) expect(looksSecret(k), k).toBe(false)
  })
})

describe('render --target swarm: refused', () => {
  it('a dev environment: its bind mounts cannot go to a swarm', () => {
    const e = thrown(() => swarmStack(render(SHOP, {env: 'dev', existing: EXISTING}), options()))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toMatch(/service "web": a bind mount \(.*\) cannot go to a swarm: dev is a dev environment/)
  })

  it('a bind mount in a prod environment', () => {
    const text = SHOP.replace('  db:\n    template: postgres', '  db:\n    template: postgres\n    compose: {volumes: [{type: bind, source: /srv/pg, target: /x}]}')
    expect(thrown(() => stage(text)).message).toMatch(/service "db": a bind mount \(\/srv\/pg\) cannot go to a swarm$/)
  })

  it('a service with build: only and no image name', () => {
    const text = `${SHOP}compose:\n  services:\n    worker: {build: {context: /repo/app}}\n`
    const e = thrown(() => stage(text))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toMatch(/service "worker" has build: only and no image name/)
  })

  it('an env file that was not read', () => {
    expect(thrown(() => stage(SHOP, {envFiles: {}})).message).toMatch(/service "web": its env_file \/repo\/web.env was not read/)
  })
})
