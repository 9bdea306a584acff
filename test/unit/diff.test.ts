// The diff core of `berth diff`: facts read from rendered models, compared per key (maps per entry),
// secrets masked; on hand-built models and on real renders of a small stack.
import {describe, expect, it} from 'vitest'
import {pair} from '../../src/commands/diff.js'
import {compareFacts, diffEnvironments, sameValue} from '../../src/core/diff/compare.js'
import {serviceFacts} from '../../src/core/diff/facts.js'
import {isReferenceOnly, isSecretName, MASK, maskUrlPasswords, showValue} from '../../src/core/diff/mask.js'
import {fromRender, side} from './diff-model.js'
import {render} from './helpers.js'

const SALT = 'test-salt'

const STACK = `name: shop
services:
  web:
    template: node
    source: app
    build: app
    port: 8000
    command: [node, server.js]
    env:
      DATABASE_URL: postgres://app:\${DB_PASSWORD}@db:5432/app
      API_TOKEN: abc123
  db:
    template: postgres
environments:
  qa:
    services:
      web:
        compose:
          deploy: {replicas: 2, resources: {limits: {cpus: '1', memory: 512M}}}
          read_only: true
          user: '1000:1000'
`
const existing = ['/repo', '/repo/app', '/repo/app/Dockerfile']

function changeOf(report: ReturnType<typeof diffEnvironments>, service: string, key: string) {
  return report.services.find((s) => s.service === service)?.changes.find((c) => c.key === key)
}

describe('berth diff: the core', () => {
  it('reports NODE_ENV, the source mounts, the limits, the inspector, replicas and image vs build between dev and qa of a rendered stack', () => {
    const dev = fromRender(render(STACK, {env: 'dev', existing, ctx: {runtimeDir: '/berth/runtime'}}))
    const qa = fromRender(render(STACK, {env: 'qa', existing, ctx: {runtimeDir: '/berth/runtime'}}))
    const report = diffEnvironments(dev, qa, SALT)
    expect(report.a).toMatchObject({env: 'dev', mode: 'dev', branch: 'main'})
    expect(report.b).toMatchObject({env: 'qa', mode: 'prod'})
    expect(changeOf(report, 'web', 'environment.NODE_ENV')).toEqual({key: 'environment.NODE_ENV', a: 'development', b: 'staging'})
    expect(changeOf(report, 'web', 'mounts./src')).toEqual({key: 'mounts./src', a: {type: 'bind', source: './app', read_only: false}, b: null})
    expect(changeOf(report, 'web', 'mounts./opt/berth')?.a).toEqual({type: 'bind', source: '/berth/runtime', read_only: true})
    expect(changeOf(report, 'web', 'limits.memory')).toEqual({key: 'limits.memory', a: null, b: '512M'})
    expect(changeOf(report, 'web', 'limits.cpus')).toEqual({key: 'limits.cpus', a: null, b: '1'})
    expect(changeOf(report, 'web', 'inspector')).toEqual({key: 'inspector', a: '127.0.0.1:9229', b: null})
    expect(changeOf(report, 'web', 'replicas')).toEqual({key: 'replicas', a: 1, b: 2})
    expect(changeOf(report, 'web', 'read_only')).toEqual({key: 'read_only', a: false, b: true})
    expect(changeOf(report, 'web', 'user')).toEqual({key: 'user', a: null, b: '1000:1000'})
    expect(changeOf(report, 'web', 'image')).toEqual({key: 'image', a: 'node:20-bookworm-slim', b: null})
    expect(changeOf(report, 'web', 'build.context')).toEqual({key: 'build.context', a: null, b: './app'})
    expect(changeOf(report, 'web', 'restart')).toEqual({key: 'restart', a: null, b: 'unless-stopped'})
    // the same in both: not a change, listed as same
    const web = report.services.find((s) => s.service === 'web')!
    expect(web.same).toEqual(expect.arrayContaining(['command', 'healthcheck']))
    expect(web.changes.map((c) => c.key)).not.toContain('environment.DATABASE_URL')
    // the setup helper is left out, and named
    expect(report.services.map((s) => s.service)).toEqual(['db', 'web'])
    expect(report.setup).toEqual({a: ['web-setup'], b: []})
    // the data volume differs by its Docker name only: shown, marked
    expect(changeOf(report, 'db', 'mounts./var/lib/postgresql/data')?.note).toBe('volume name')
  })

  it('masks secret-named values and URL passwords, keeps ${VAR} references, and hashes equal values equally', () => {
    const dev = fromRender(render(STACK, {env: 'dev', existing}))
    const web = serviceFacts(dev, 'web', SALT)
    expect(web.environment.DATABASE_URL).toBe('postgres://app:${DB_PASSWORD}@db:5432/app')
    expect(web.environment.API_TOKEN).toMatch(new RegExp(`^${MASK}[0-9a-f]{6}$`))
    expect(JSON.stringify(web)).not.toContain('abc123')
    const db = serviceFacts(dev, 'db', SALT)
    expect(db.environment.POSTGRES_PASSWORD).toMatch(/^••••[0-9a-f]{6}$/)
    expect(db.environment.POSTGRES_USER).toBe('app')
    // equal values hash equally within a run; another run's salt gives another hash
    expect(showValue('X_TOKEN', 'abc123', SALT)).toBe(web.environment.API_TOKEN)
    expect(showValue('X_TOKEN', 'abc124', SALT)).not.toBe(web.environment.API_TOKEN)
    expect(showValue('X_TOKEN', 'abc123', 'other salt')).not.toBe(web.environment.API_TOKEN)
  })

  it('knows secret names and credentials', () => {
    for (const n of ['POSTGRES_PASSWORD', 'DB_PASS', 'API_KEY', 'jwtSecret', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY_PEM', 'SESSION_COOKIE_NAME', 'mysqlpassword']) expect(isSecretName(n), n).toBe(true)
    for (const n of ['NODE_ENV', 'PORT', 'DATABASE_URL', 'KEYBOARD', 'MONKEY_COUNT', 'LOG_LEVEL']) expect(isSecretName(n), n).toBe(false)
    expect(isReferenceOnly('${DB_PASSWORD}')).toBe(true)
    expect(isReferenceOnly('$DB_PASSWORD')).toBe(true)
    expect(isReferenceOnly('${DB_PASSWORD:-app}')).toBe(false)
    expect(showValue('DB_PASSWORD', '${DB_PASSWORD}', SALT)).toBe('${DB_PASSWORD}')
    expect(showValue('DB_PASSWORD', '${DB_PASSWORD:-app}', SALT)).toMatch(/^••••/)
    expect(showValue('SOME_VALUE', 'ghp_abcdefghijklmnopqrstuvwxyz0123', SALT)).toMatch(/^••••[0-9a-f]{6}$/)
    expect(maskUrlPasswords('redis://:hunter2@cache:6379 and amqp://u:p@q/', SALT)).toMatch(/^redis:\/\/:••••[0-9a-f]{6}@cache:6379 and amqp:\/\/u:••••[0-9a-f]{6}@q\/$/)
    expect(showValue('REDIS_URL', 'redis://cache:6379', SALT)).toBe('redis://cache:6379')
  })

  it('compares maps entry by entry and fills defaults (replicas 1, read_only false) on hand-built models', () => {
    const a = side({api: {image: 'x:1', environment: ['A=1', 'B'], healthcheck: {test: ['CMD', 'true'], interval: '2s'}, tmpfs: '/tmp'}})
    const b = side(
      {api: {image: 'x:1', environment: {A: 1, C: 'c'}, healthcheck: {test: ['CMD', 'true'], interval: '5s'}, deploy: {replicas: 1}, restart: 'always', ports: ['8080:80', {target: 81, published: 8081, host_ip: '127.0.0.1'}]}},
      {env: 'qa'},
    )
    const fa = serviceFacts(a, 'api', SALT)
    const fb = serviceFacts(b, 'api', SALT)
    expect(fa.environment).toEqual({A: '1', B: '(from the shell)'})
    expect(fb.ports).toEqual({'80': '0.0.0.0:8080', '81': '127.0.0.1:8081'})
    const {changes, same} = compareFacts(fa, fb)
    expect(changes.map((c) => c.key)).toEqual(['environment.B', 'environment.C', 'ports.80', 'ports.81', 'tmpfs', 'healthcheck.interval', 'restart'])
    expect(same).toEqual(expect.arrayContaining(['image', 'build', 'command', 'mounts', 'limits', 'read_only', 'user', 'inspector', 'replicas']))
    expect(same).not.toContain('environment')
  })

  it('lists a service of one side only without comparing it', () => {
    const report = diffEnvironments(side({web: {image: 'n:20'}, mail: {image: 'mailpit:1'}}), side({web: {image: 'n:20'}}, {env: 'qa'}), SALT)
    expect(report.services.find((s) => s.service === 'mail')).toMatchObject({in: 'a', b: null, changes: []})
    expect(report.services.find((s) => s.service === 'web')).toMatchObject({in: 'both', changes: []})
  })

  it('compares structurally', () => {
    expect(sameValue({a: [1, {b: 2}]}, {a: [1, {b: 2}]})).toBe(true)
    expect(sameValue({a: [1, 2]}, {a: [2, 1]})).toBe(false)
    expect(sameValue({a: 1}, {a: 1, b: undefined})).toBe(true)
    expect(sameValue(null, {})).toBe(false)
  })

  it('picks the two environments: none given dev and qa, one given dev and it, with --branch the same on both sides', () => {
    expect(pair(undefined, undefined, false)).toEqual(['dev', 'qa'])
    expect(pair('stage', undefined, false)).toEqual(['dev', 'stage'])
    expect(pair('qa', 'stage', false)).toEqual(['qa', 'stage'])
    expect(pair('qa', undefined, true)).toEqual(['qa', 'qa'])
    expect(pair(undefined, undefined, true)).toEqual(['dev', 'dev'])
    expect(pair('dev', 'qa', true)).toEqual(['dev', 'qa'])
  })
})

describe('berth diff of custom environments', () => {
  it('compares two environments of berth.yml that extend the built-in ones', () => {
    const text = `${STACK}  perf:
    extends: stage
    port_offset: 30000
    services:
      web:
        env: {NODE_ENV: production, WORKERS: '4'}
  demo:
    extends: dev
    bind: 0.0.0.0
`
    const perf = fromRender(render(text, {env: 'perf', existing}))
    const demo = fromRender(render(text, {env: 'demo', existing}))
    const report = diffEnvironments(demo, perf, SALT)
    expect(report.a).toMatchObject({env: 'demo', mode: 'dev'})
    expect(report.b).toMatchObject({env: 'perf', mode: 'prod'})
    expect(changeOf(report, 'web', 'environment.WORKERS')).toEqual({key: 'environment.WORKERS', a: null, b: '4'})
    expect(changeOf(report, 'web', 'ports.8000')).toEqual({key: 'ports.8000', a: '0.0.0.0:8000', b: '127.0.0.1:38000'})
    // demo publishes beyond loopback (its inspector stays on 127.0.0.1)
    expect(report.warnings.map((w) => `${w.rule} ${w.service} ${w.key} ${w.envs.join()}`)).toEqual(['public-port db ports.5432 demo', 'public-port web ports.8000 demo'])
  })
})
