// berth diff and parity warnings, through the built CLI: the example stack's dev against qa as JSON,
// one environment across two branches, the table, and --strict (diff and up) exiting 3 with the warning line.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse, type Document} from 'yaml'
import {containersOf, git, useFixtures, volumesOf} from './harness.js'

interface Change {
  key: string
  a: unknown
  b: unknown
  note?: string
}
interface Report {
  a: {env: string; mode: string; branch: string | null}
  b: {env: string; mode: string; branch: string | null}
  services: Array<{service: string; in: string; changes: Change[]; same: string[]; a: Record<string, unknown> | null; b: Record<string, unknown> | null}>
  setup: {a: string[]; b: string[]}
  warnings: Array<{rule: string; service: string; key: string; envs: string[]; message: string}>
}

const changesOf = (r: Report, service: string) => r.services.find((s) => s.service === service)?.changes ?? []
const change = (r: Report, service: string, key: string) => changesOf(r, service).find((c) => c.key === key)

/** Set berth.yml's environments.qa.services.web.env.NAME (the fixture's edit before its first commit). */
const qaEnv = (name: string, value: string) => (doc: Document) => void doc.setIn(['environments', 'qa', 'services', 'web', 'env', name], value)

describe('berth diff', () => {
  const fixtures = useFixtures()

  it('dev qa --json on the example stack reports NODE_ENV, the mounts, the limits and the inspector, masks the password, writes no render', async () => {
    const fx = await fixtures.stack('shop')
    const r = JSON.parse((await fx.ok(['diff', 'dev', 'qa', '--json'])).stdout) as Report
    expect(r.a).toMatchObject({env: 'dev', mode: 'dev', branch: 'main'})
    expect(r.b).toMatchObject({env: 'qa', mode: 'prod', branch: 'main'})
    expect(change(r, 'web', 'environment.NODE_ENV')).toEqual({key: 'environment.NODE_ENV', a: 'development', b: 'staging'})
    expect(change(r, 'web', 'mounts./src')).toEqual({key: 'mounts./src', a: {type: 'bind', source: './app', read_only: false}, b: null})
    expect(change(r, 'web', 'mounts./src/node_modules')?.a).toMatchObject({type: 'volume', source: 'web-node_modules'})
    expect(change(r, 'web', 'inspector')).toEqual({key: 'inspector', a: `127.0.0.1:${9229 + fx.offset}`, b: null})
    expect(change(r, 'web', 'environment.NODE_OPTIONS')?.a).toBe('--require=/opt/berth/inspector.cjs')
    // the limits: as the two rendered files have them (a change when they differ, "same" when they do not)
    const limitsIn = async (env: string) => {
      const model = parse((await fx.ok(['render', env, '--stdout'])).stdout) as {services: {web: {deploy?: {resources?: {limits?: Record<string, unknown>}}}}}
      return Object.fromEntries(Object.entries(model.services.web.deploy?.resources?.limits ?? {}).map(([k, v]) => [k, String(v)]))
    }
    const [devLimits, qaLimits] = [await limitsIn('dev'), await limitsIn('qa')]
    const reported = changesOf(r, 'web').filter((c) => c.key.startsWith('limits.'))
    const expected = [...new Set([...Object.keys(devLimits), ...Object.keys(qaLimits)])].filter((k) => devLimits[k] !== qaLimits[k]).sort()
    expect(reported.map((c) => c.key)).toEqual(expected.map((k) => `limits.${k}`))
    for (const c of reported) expect([c.a, c.b]).toEqual([devLimits[c.key.slice(7)] ?? null, qaLimits[c.key.slice(7)] ?? null])
    if (expected.length === 0) expect(r.services.find((s) => s.service === 'web')?.same).toContain('limits')
    // a volume that differs by its Docker name only is marked so; the setup helper is left out
    expect(change(r, 'db', 'mounts./var/lib/postgresql/data')?.note).toBe('volume name')
    expect(r.setup.a).toEqual(['web-setup'])
    expect(r.services.map((s) => s.service)).toEqual(['cache', 'db', 'web'])
    // DATABASE_URL's and POSTGRES_PASSWORD's password masked, in both sides' facts
    const text = JSON.stringify(r)
    expect(text).toContain('postgres://app:••••')
    expect(text).not.toMatch(/app:app@/)
    expect(r.services.find((s) => s.service === 'db')?.a?.environment).toMatchObject({POSTGRES_PASSWORD: expect.stringMatching(/^••••[0-9a-f]{6}$/)})
    // the example stack has no parity problem; nothing rendered into .berth/ but the cache
    expect(r.warnings).toEqual([])
    expect(existsSync(path.join(fx.dir, '.berth', 'dev.compose.yml'))).toBe(false)
    expect(existsSync(path.join(fx.dir, '.berth', 'qa.compose.yml'))).toBe(false)
  })

  it('a limit set for qa in berth.yml is reported as limits.memory and limits.cpus', async () => {
    const fx = await fixtures.stack('shop', {edit: (doc) => void doc.setIn(['environments', 'qa', 'services', 'web', 'compose'], {deploy: {resources: {limits: {cpus: '0.5', memory: '256M'}}}})})
    const r = JSON.parse((await fx.ok(['diff', 'dev', 'qa', '--json'])).stdout) as Report
    // dev has no such limit (or another one): the change is reported with qa's values
    expect(change(r, 'web', 'limits.memory')?.b).toBe('256M')
    expect(change(r, 'web', 'limits.memory')?.a).not.toBe('256M')
    expect(change(r, 'web', 'limits.cpus')?.b).toBe('0.5')
  })

  it('qa --branch other: qa of this branch against qa of the other branch\'s berth.yml, with its name', async () => {
    const fx = await fixtures.stack('shop')
    git(['switch', '-q', '-c', 'other'], fx.dir)
    const file = path.join(fx.dir, 'berth.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('          LOG_LEVEL: info\n', '          LOG_LEVEL: debug\n').replace('  cache:\n    template: redis\n', '  cache:\n    template: redis\n  mail:\n    image: mailpit:1\n'))
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'other'], fx.dir)
    git(['switch', '-q', 'main'], fx.dir)
    const r = JSON.parse((await fx.ok(['diff', 'qa', '--branch', 'other', '--json'])).stdout) as Report
    expect(r.a).toMatchObject({env: 'qa', branch: 'main'})
    expect(r.b).toMatchObject({env: 'qa', branch: 'other'})
    expect(change(r, 'web', 'environment.LOG_LEVEL')).toEqual({key: 'environment.LOG_LEVEL', a: 'info', b: 'debug'})
    // the data volumes are per branch: their names differ, shown, not a parity problem
    expect(change(r, 'db', 'mounts./var/lib/postgresql/data')?.note).toBe('volume name')
    expect(r.services.find((s) => s.service === 'mail')?.in).toBe('b')
    expect(r.warnings.map((w) => `${w.rule} ${w.service} ${w.key}`)).toEqual(['missing-service mail service'])
    expect(r.warnings[0].message).toBe('present in qa on other, not in qa on main')
    // a branch git does not know: exit 7 (GIT), one line
    const bad = await fx.run(['diff', 'qa', '--branch', 'no-such-branch'])
    expect(bad.code, bad.stderr).toBe(7)
    expect(bad.stderr).toMatch(/^berth: error: git knows no branch or commit "no-such-branch"/)
  })

  it('prints a table on a terminal-less stdout: the header, one row per difference, the warnings', async () => {
    const fx = await fixtures.stack('shop', {edit: qaEnv('DEBUG', '*')})
    const out = (await fx.ok(['diff'])).stdout
    expect(out).toMatch(/^dev \(dev mode, branch main\) {2}vs {2}qa \(prod mode, branch main\)\n/)
    expect(out).toMatch(/^SERVICE\s+KEY\s+DEV\s+QA$/m)
    expect(out).toMatch(/^web\s+image\s+local\/node:20\s+berth\/[a-z0-9-]+-web:qa-main-[0-9a-f]{8}$/m) // qa runs the image berth builds
    expect(out).toMatch(/^\s+environment\.NODE_ENV\s+development\s+staging$/m)
    expect(out).toMatch(/^\s+mounts\.\/src\s+bind \.\/app\s+-$/m)
    expect(out).toContain('Setup helpers left out: web-setup')
    expect(out).toContain('warning: parity: service "web", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output')
  })
})

describe('parity warnings with --strict', () => {
  const fixtures = useFixtures()
  const line = 'parity: service "web", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output'

  it('berth diff dev qa --strict prints the diff, then exits 3 with the warning line', async () => {
    const fx = await fixtures.stack('shop', {edit: qaEnv('DEBUG', '*')})
    const r = await fx.run(['diff', 'dev', 'qa', '--strict', '--json'])
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr.split('\n')[0]).toBe(`berth: error: ${line}`)
    expect((JSON.parse(r.stdout) as Report).warnings.map((w) => w.key)).toEqual(['environment.DEBUG'])
    // without --strict: the same warning, exit 0
    expect((await fx.run(['diff', 'dev', 'qa'])).code).toBe(0)
  })

  it('berth up qa --strict exits 3 with the warning line before anything is created on the engine', async () => {
    const fx = await fixtures.stack('shop', {edit: qaEnv('DEBUG', '*')})
    const r = await fx.run(['up', 'qa', '--strict'])
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toContain(`berth: error: ${line}`)
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual([])
    expect(existsSync(path.join(fx.dir, '.berth', 'qa.compose.yml'))).toBe(false)
  })
})
