// Parity warnings: each rule on hand-built models (and where it must stay silent), --strict as an error
// (exit 3), and berth up of a prod-mode environment warning or refusing before anything is created.
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {Deps, Reporter} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {up} from '../../src/app/up.js'
import {devOnlyVariable, imageMajor, parityWarnings, strictError, warningLine} from '../../src/core/diff/parity.js'
import {ExitCode} from '../../src/core/errors.js'
import {fromRender, side} from './diff-model.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'
import {render, ROOT} from './helpers.js'

const rules = (ws: ReturnType<typeof parityWarnings>) => ws.map((w) => `${w.rule} ${w.service} ${w.key}`)

describe('parity warnings', () => {
  it('source-bind: a bind mount of the project folder in a prod-mode environment, not in dev nor outside the project', () => {
    const mounts = {volumes: [{type: 'bind', source: '/repo/app', target: '/src'}, {type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock'}, '/repo/conf:/etc/app:ro']}
    const ws = parityWarnings(side({web: {image: 'n:20', ...mounts}}), side({web: {image: 'n:20', ...mounts}}, {env: 'qa'}))
    expect(rules(ws)).toEqual(['source-bind web mounts./src', 'source-bind web mounts./etc/app'])
    expect(ws[0].envs).toEqual(['qa'])
    expect(warningLine(ws[0])).toBe('service "web", mounts./src: the source folder ./app is bind-mounted in qa (prod mode); build it into the image instead')
  })

  it('dev-variable: NODE_ENV=development, DEBUG, an inspector in NODE_OPTIONS, polling watchers in a prod-mode environment only', () => {
    const environment = {NODE_ENV: 'development', DEBUG: '*', NODE_OPTIONS: '--inspect=0.0.0.0:9229', CHOKIDAR_USEPOLLING: 'true', LOG_LEVEL: 'debug'}
    const ws = parityWarnings(side({web: {image: 'n:20', environment}}), side({web: {image: 'n:20', environment}}, {env: 'stage'}))
    expect(rules(ws)).toEqual(['dev-variable web environment.NODE_ENV', 'dev-variable web environment.DEBUG', 'dev-variable web environment.NODE_OPTIONS', 'dev-variable web environment.CHOKIDAR_USEPOLLING'])
    expect(ws.every((w) => w.envs.join() === 'stage')).toBe(true)
    expect(devOnlyVariable('NODE_ENV', 'production')).toBeUndefined()
    expect(devOnlyVariable('DEBUG', 'false')).toBeUndefined()
    expect(devOnlyVariable('DEBUG', '')).toBeUndefined()
    expect(devOnlyVariable('NODE_OPTIONS', '--max-old-space-size=512')).toBeUndefined()
    expect(devOnlyVariable('NODE_OPTIONS', '--require=/opt/berth/inspector.cjs')).toMatch(/inspector/)
  })

  it('major-version: postgres 15 in dev and 16 in qa, a built Node service on another major BASE_IMAGE; not a minor version, nor another image', () => {
    const a = side({db: {image: 'postgres:15.4'}, web: {image: 'node:20-bookworm-slim'}, cache: {image: 'redis:7.0'}, other: {image: 'mailpit:1'}})
    const b = side({db: {image: 'registry.example.com/lib/postgres:16-alpine'}, web: {build: {context: '/repo/app', args: {BASE_IMAGE: 'node:18-bookworm-slim'}}}, cache: {image: 'redis:7.2'}, other: {image: 'mailhog:2'}}, {env: 'qa'})
    const ws = parityWarnings(a, b)
    expect(rules(ws)).toEqual(['major-version db image', 'major-version web image/build.args.BASE_IMAGE'])
    expect(ws[0].message).toBe('postgres 15 in dev (postgres:15.4) but 16 in qa (registry.example.com/lib/postgres:16-alpine)')
    expect(ws[0].envs).toEqual(['dev', 'qa'])
    expect(imageMajor('local/node:20')).toEqual({family: 'node', major: 20})
    expect(imageMajor('localhost:5000/postgres:v16@sha256:abc')).toEqual({family: 'postgres', major: 16})
    expect(imageMajor('node')).toBeUndefined()
    expect(imageMajor('node:lts')).toBeUndefined()
    expect(imageMajor('${IMAGE}:20')).toBeUndefined()
  })

  it('public-port: a port the door publishes beyond 127.0.0.1, or a compose fragment publishes without an address, in either environment', () => {
    const a = side({web: {image: 'n:20'}}, {ports: [{service: 'web', bind: '0.0.0.0', host: 8000, container: 8000, role: 'app'}]})
    const b = side({web: {image: 'n:20', ports: ['9000:9000', '127.0.0.1:9001:9001', {target: 9002, published: 9002, host_ip: '::1'}]}}, {env: 'qa', ports: [{service: 'web', bind: '127.0.0.1', host: 18000, container: 8000, role: 'app'}]})
    const ws = parityWarnings(a, b)
    expect(rules(ws)).toEqual(['public-port web ports.8000', 'public-port web ports.9000'])
    expect(ws.map((w) => w.envs.join())).toEqual(['dev', 'qa'])
    expect(ws[0].message).toMatch(/port 8000 is published on 0\.0\.0\.0 in dev, beyond 127\.0\.0\.1/)
  })

  it('missing-service: a service in one environment only (setup helpers aside), both ways', () => {
    const a = side({web: {image: 'n:20'}, mail: {image: 'mailpit:1'}, 'web-setup': {image: 'n:20'}}, {setup: ['web-setup']})
    const b = side({web: {image: 'n:20'}, metrics: {image: 'prom:2'}}, {env: 'qa'})
    expect(rules(parityWarnings(a, b))).toEqual(['missing-service mail service', 'missing-service metrics service'])
    expect(parityWarnings(a, b)[0].message).toBe('present in dev, not in qa')
    // one environment on two branches names the branches
    const other = side({web: {image: 'n:20'}}, {env: 'dev', branch: 'feat/x'})
    expect(parityWarnings(a, other).find((w) => w.service === 'mail')?.message).toBe('present in dev on main, not in dev on feat/x')
  })

  it('is silent for the example stack dev against qa, though volume names and ports differ', () => {
    const text = readFileSync(path.join(ROOT, 'stacks/shop/berth.yml'), 'utf8')
    const existing = ['/repo', '/repo/app', '/repo/app/Dockerfile']
    const dev = fromRender(render(text, {env: 'dev', existing, ctx: {runtimeDir: '/berth/runtime'}}))
    const qa = fromRender(render(text, {env: 'qa', existing, ctx: {runtimeDir: '/berth/runtime'}}))
    expect(parityWarnings(dev, qa)).toEqual([])
  })

  it('--strict: one error, exit 3, the first warning line as its message', () => {
    const ws = parityWarnings(side({web: {image: 'n:20'}}), side({web: {image: 'n:20', environment: {DEBUG: '*'}}}, {env: 'qa'}))
    const error = strictError(ws)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe('parity: service "web", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output')
  })
})

describe('berth up of a prod-mode environment checks parity against dev', () => {
  async function shop(edit: (text: string) => string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-parity-'))
    cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
    writeFileSync(path.join(dir, 'berth.yml'), edit(readFileSync(path.join(dir, 'berth.yml'), 'utf8')))
    const engine = new FakeEngine()
    const warnings: string[] = []
    /** What the engine had been asked (besides its ping) when each warning came. */
    const before: number[] = []
    const reporter: Reporter = {tty: false, step() {}, info() {}, passthrough() {}, warn: (m) => void (warnings.push(m), before.push(engine.calls.filter((c) => c !== 'ping').length))}
    const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
    const deps: Deps = testDeps({engine, compose: new FakeCompose(engine, () => []), state: memoryState(), reporter}, env)
    return {project: await loadProject({cwd: dir}, deps), deps, engine, warnings, before}
  }
  const debugInQa = (text: string) => text.replace('          LOG_LEVEL: info\n', "          LOG_LEVEL: info\n          DEBUG: '*'\n")

  it('--strict refuses with exit 3 and the warning line before the engine is even asked', async () => {
    const {project, deps, engine} = await shop(debugInQa)
    const error = await up(project, {env: 'qa', strict: true}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.message).toBe('parity: service "web", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output')
    // the engine's ping starts beside the render; nothing else reached it
    expect(engine.calls.filter((c) => c !== 'ping')).toEqual([])
  })

  it('without --strict, warns through the reporter (dev itself is not checked)', async () => {
    const {project, deps, warnings, before, engine} = await shop((t) => debugInQa(t).replace('    template: redis\n', "    template: redis\n    compose: {environment: {DEBUG: '*'}}\n"))
    const result = await up(project, {env: 'qa'}, deps)
    expect(result.render.env.name).toBe('qa')
    expect(engine.calls.some((c) => c.startsWith('volume '))).toBe(true)
    expect(before).toEqual([0, 0])
    expect(warnings.filter((w) => w.startsWith('parity:'))).toEqual([
      'parity: service "cache", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output',
      'parity: service "web", environment.DEBUG: a dev-only variable reaches qa (prod mode): DEBUG turns on debug output',
    ])
  })
})
