// Production images and production-like settings in the rendered Compose model: the production stage, the
// per-branch image tag, the qa/stage profile's defaults on app services only, services and environment
// overrides winning, dev keeping none; and the bad input that stops a render.
import {describe, expect, it} from 'vitest'
import {builtImageName} from '../../src/core/naming.js'
import {memoryAboveMachine, memoryBytes} from '../../src/core/runtime-settings.js'
import {parseEnvironmentProfile} from '../../src/core/templates.js'
import {parseYamlSource} from '../../src/core/source.js'
import {render, shopStack, svc} from './helpers.js'

const SHOP = shopStack(
  '    command: [node, server.js]\n',
  `  db:
    template: postgres
  worker:
    build: worker
`,
)
const STAGED = 'ARG BASE_IMAGE=node:20\nFROM ${BASE_IMAGE} AS deps\nRUN npm ci\nFROM ${BASE_IMAGE} AS production\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n'
const ROOTY = 'FROM debian AS production\nCMD ["sh"]\n'
const FILES = {'/repo/app/Dockerfile': STAGED, '/repo/worker/Dockerfile': ROOTY}
const EXISTING = ['/repo', '/repo/app', '/repo/worker']
const run = (text: string, env: string, files: Record<string, string> = FILES) => render(text, {env, existing: EXISTING, files})

describe('production images', () => {
  it('qa builds the production stage, tagged berth/PROJECT-SERVICE:ENV-BRANCHID', () => {
    const web = svc(run(SHOP, 'qa'), 'web')
    expect(web.build.target).toBe('production')
    expect(web.image).toBe(builtImageName('shop', 'web', 'qa', 'main'))
    expect(web.image).toMatch(/^berth\/shop-web:qa-main-[0-9a-f]{8}$/)
  })

  it('build.target overrides the production stage; a Dockerfile without a production stage builds its last', () => {
    const text = SHOP.replace('    build: app\n', '    build: {context: app, target: deps}\n')
    expect(svc(run(text, 'qa'), 'web').build.target).toBe('deps')
    const single = {...FILES, '/repo/app/Dockerfile': 'FROM node:20\nUSER node\n'}
    expect(svc(run(SHOP, 'qa', single), 'web').build.target).toBeUndefined()
  })

  it('dev does not pick the production stage (the generic template builds the last one there)', () => {
    expect(svc(run(SHOP, 'dev'), 'worker').build.target).toBeUndefined()
  })

  it('refuses an unknown build target, naming the service, the key and the stages there are', () => {
    const text = SHOP.replace('    build: app\n', '    build: {context: app, target: prodution}\n')
    expect(() => run(text, 'qa')).toThrow(/berth\.yml:5:\d+: service "web": build\.target "prodution" is not a stage of app\/Dockerfile \(its stages: deps, production\)/)
    expect(() => run(text, 'dev')).toThrow(/build\.target "prodution"/) // wherever the build is rendered
  })

  it('refuses a target the Dockerfile does not have, and a target that is not a stage name (schema)', () => {
    const text = SHOP.replace('    build: worker\n', '    build: {context: worker, target: test}\n')
    expect(() => run(text, 'qa', {...FILES, '/repo/worker/Dockerfile': 'FROM debian\n'})).toThrow(/service "worker": build\.target "test" is not a stage of worker\/Dockerfile \(it has no named stage/)
    expect(() => run(SHOP.replace('    build: app\n', '    build: {context: app, target: "-x"}\n'), 'qa')).toThrow(/services\.web\.build\.target has an invalid value .*expected a build stage name/)
  })

  it('image names are valid Docker references for any service name, and differ where slugs would not', () => {
    const ref = /^[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
    for (const [p, s, b] of [['Shop', 'web', 'feat/X'], ['shop', 'a_b', 'x;touch${IFS}pwned'], ['shop', 'a-b', null]] as const) expect(builtImageName(p, s, 'qa', b)).toMatch(ref)
    expect(builtImageName('shop', 'a_b', 'qa', 'main')).not.toBe(builtImageName('shop', 'a-b', 'qa', 'main'))
    expect(builtImageName('shop', 'web', 'qa', 'feat/a-b')).not.toBe(builtImageName('shop', 'web', 'qa', 'feat-a/b'))
  })
})

describe('production-like settings', () => {
  it('qa gives app services limits, restart, a read-only root with /tmp, and two replicas; the database keeps none of them', () => {
    const r = run(SHOP, 'qa')
    for (const name of ['web', 'worker']) {
      const s = svc(r, name)
      expect(s.deploy).toEqual({replicas: 2, resources: {limits: {cpus: 1, memory: '512m'}}})
      expect(s).toMatchObject({restart: 'unless-stopped', read_only: true, tmpfs: ['/tmp']})
    }
    const db = svc(r, 'db')
    expect(db.read_only).toBeUndefined()
    expect(db.deploy).toBeUndefined()
    expect(db.tmpfs).toBeUndefined()
  })

  it('the user: the Dockerfile USER as it is; a default non-root one only for an image that declares none', () => {
    const r = run(SHOP, 'qa')
    expect(svc(r, 'web').user).toBeUndefined() // USER node of the production stage
    expect(svc(r, 'worker').user).toBe('1000:1000') // no USER: never root unless asked
    const asked = run(SHOP.replace('    build: worker\n', '    build: worker\n    user: root\n'), 'qa')
    expect(svc(asked, 'worker').user).toBe('root')
  })

  it('stage does the same with its own variables', () => {
    const web = svc(run(SHOP, 'stage'), 'web')
    expect(web.environment).toMatchObject({NODE_ENV: 'production', DEPLOY_ENV: 'STAGE'})
    expect(web.read_only).toBe(true)
  })

  it('dev keeps none of them', () => {
    const r = run(SHOP, 'dev')
    for (const name of ['web', 'worker']) {
      const s = svc(r, name)
      for (const key of ['deploy', 'restart', 'read_only', 'tmpfs', 'user']) expect(s[key], `${name}.${key}`).toBeUndefined()
    }
  })

  it('the service wins over the profile, and the environment override of the service over both', () => {
    const text = `${SHOP.replace('    command: [node, server.js]\n', '    command: [node, server.js]\n    limits: {memory: 1g}\n    replicas: 1\n    read_only: false\n')}environments:
  qa:
    defaults:
      tmpfs: [/tmp, /var/cache]
      env: {FEATURE_FLAGS: qa}
    services:
      web:
        limits: {cpus: "0.5"}
        restart: "no"
`
    const web = svc(run(text, 'qa'), 'web')
    expect(web.deploy).toEqual({resources: {limits: {cpus: '0.5', memory: '1g'}}}) // replicas 1: no deploy.replicas
    expect(web).toMatchObject({restart: 'no', read_only: false, tmpfs: ['/tmp', '/var/cache']})
    expect(web.environment).toMatchObject({FEATURE_FLAGS: 'qa', NODE_ENV: 'staging'})
    expect(svc(run(text, 'qa'), 'db').environment.FEATURE_FLAGS).toBeUndefined()
  })

  it('null in berth.yml defaults turns a profile default off', () => {
    const web = svc(run(`${SHOP}environments:\n  qa:\n    defaults: {limits: null, replicas: null}\n`, 'qa'), 'web')
    expect(web.deploy).toBeUndefined()
    expect(web.read_only).toBe(true)
  })

  it('service keys apply in any environment when the service sets them (dev included)', () => {
    const web = svc(run(SHOP.replace('    port: 8000\n', '    port: 8000\n    limits: {memory: 256m}\n'), 'dev'), 'web')
    expect(web.deploy).toEqual({resources: {limits: {memory: '256m'}}})
  })

  it('profile replicas skip a service with a fixed host_port; replicas asked for with one are refused', () => {
    const pinned = SHOP.replace('    port: 8000\n', '    port: 8000\n    host_port: 8080\n')
    expect(svc(run(pinned, 'qa'), 'web').deploy).toEqual({resources: {limits: {cpus: 1, memory: '512m'}}})
    expect(() => run(pinned.replace('    host_port: 8080\n', '    host_port: 8080\n    replicas: 3\n'), 'qa')).toThrow(/berth\.yml:\d+:\d+: service "web": replicas 3 cannot share the fixed host_port 8080/)
  })

  it('limits that are not a number or a size are refused by the schema, at their line', () => {
    expect(() => run(SHOP.replace('    port: 8000\n', '    port: 8000\n    limits: {cpus: lots}\n'), 'qa')).toThrow(/berth\.yml:8:\d+: services\.web\.limits\.cpus has an invalid value the string "lots": expected a number of CPUs/)
    expect(() => run(SHOP.replace('    port: 8000\n', '    port: 8000\n    limits: {cpus: -1}\n'), 'qa')).toThrow(/services\.web\.limits\.cpus must be more than 0/)
    expect(() => run(SHOP.replace('    port: 8000\n', '    port: 8000\n    limits: {memory: 12 apples}\n'), 'qa')).toThrow(/services\.web\.limits\.memory has an invalid value .*expected a size such as 512m/)
    expect(() => run(SHOP.replace('    port: 8000\n', '    port: 8000\n    replicas: 0\n'), 'qa')).toThrow(/services\.web\.replicas must be >= 1/)
  })

  it('a profile file with bad defaults is refused at its line', () => {
    const parse = (text: string) => parseEnvironmentProfile('perf', parseYamlSource(text, 'templates/environments/perf.yml'))
    expect(() => parse('mode: prod\ndefaults:\n  limits: {memory: lots}\n')).toThrow(/perf\.yml:3:\d+: defaults\.limits\.memory must be a size such as 512m/)
    expect(() => parse('defaults:\n  replicas: two\n')).toThrow(/defaults\.replicas must be an integer >= 1/)
    expect(() => parse('defaults:\n  readonly: true\n')).toThrow(/defaults\.readonly is not a key of defaults/)
    expect(parse('defaults:\n  limits: {cpus: "1.5", memory: 1GiB}\n').value.defaults).toEqual({limits: {cpus: '1.5', memory: '1GiB'}})
  })
})

describe('memory above the machine', () => {
  it('reads sizes as Docker does and finds a limit above MemTotal', () => {
    expect(memoryBytes('512m')).toBe(512 * 1024 ** 2)
    expect(memoryBytes('1g')).toBe(1024 ** 3)
    expect(memoryBytes('1.5GiB')).toBe(1.5 * 1024 ** 3)
    expect(memoryBytes('100')).toBe(100)
    expect(memoryBytes('lots')).toBeUndefined()
    const model = run(SHOP, 'qa').compose
    expect(memoryAboveMachine(model, 24 * 1024 ** 3)).toBeUndefined()
    expect(memoryAboveMachine(model, 256 * 1024 ** 2)).toEqual({service: 'web', memory: '512m'})
    expect(memoryAboveMachine(model, undefined)).toBeUndefined()
  })
})
