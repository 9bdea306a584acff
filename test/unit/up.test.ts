// berth up, driven with an engine and Compose in memory: the order of its steps, validation before any
// change, seeding a new branch's data from the base branch, and resuming a warm stack without Compose.
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {ComposeTarget, Deps} from '../../src/app/ports.js'
import {loadProject, type Project} from '../../src/app/project.js'
import {up} from '../../src/app/up.js'
import {ExitCode} from '../../src/core/errors.js'
import {branchDataVolume} from '../../src/core/naming.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {memoryState, testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

/** The services of the file Compose was given, with their labels. */
function servicesOf(target: ComposeTarget) {
  const model = parse(readFileSync(target.file!, 'utf8')) as {services: Record<string, {labels: Record<string, string>}>}
  return Object.entries(model.services).map(([name, s]) => ({name, labels: s.labels}))
}

async function shop(branch: string, over: (engine: FakeEngine) => Partial<Deps> = () => ({}), edit?: (berthYml: string) => string): Promise<{project: Project; deps: Deps; engine: FakeEngine; compose: FakeCompose}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-up-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  if (edit) writeFileSync(path.join(dir, 'berth.yml'), edit(readFileSync(path.join(dir, 'berth.yml'), 'utf8')))
  const engine = new FakeEngine()
  const compose = new FakeCompose(engine, servicesOf)
  const env = {BERTH_BRANCH: branch, BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  const base = testDeps({}, env)
  const git = {...base.git, baseBranchFacts: async () => ({originHead: 'main', local: ['main']})}
  const deps = testDeps({engine, compose, git, state: memoryState(), ...over(engine)}, env)
  return {project: await loadProject({cwd: dir}, deps), deps, engine, compose}
}

describe('berth up with fakes', () => {
  it('checks the engine, creates the volumes, then the door, runs compose up --wait and routes the door to the stack', async () => {
    const {project, deps, engine, compose} = await shop('main')
    const result = await up(project, {env: 'dev'}, deps)
    const order = (prefix: string) => engine.calls.findIndex((c) => c.startsWith(prefix))
    expect(engine.calls[0]).toBe('ping')
    expect(order('volume ')).toBeGreaterThan(0)
    expect(order('volume ')).toBeLessThan(order('compose up'))
    expect(order('network ')).toBeLessThan(order('compose up'))
    expect(order('connect berth-route-web')).toBeGreaterThan(order('compose up'))
    expect(compose.runs.find((a) => a[0] === 'up')).toEqual(['up', '--detach', '--wait', '--remove-orphans'])
    expect(result.resumed).toBe(false)
    expect(result.status?.services.map((s) => s.service)).toEqual(expect.arrayContaining(['web', 'db', 'cache']))
    expect(deps.state.read('shop').stacks?.[result.render.project]?.yaml).toMatch(/^[0-9a-f]{16}$/)
  })

  it('refuses a host port held by another process before creating any volume, network or container', async () => {
    const {project, deps, engine} = await shop('main', () => ({hostPorts: {canBind: async (_h, port) => port !== 8000, describeListener: () => 'pid 42 (python3)'}}))
    const error = await up(project, {env: 'dev'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.PREFLIGHT)
    expect(error.message).toMatch(/port 8000 .* in use by pid 42 \(python3\)/)
    expect(engine.calls.filter((c) => /^(volume|network|create|start|pause|compose up)/.test(c))).toEqual([])
    expect(engine.volumesByName.size).toBe(0)
  })

  it("seeds a new branch's data volume from the base branch's, through a helper that reads the base's read-only", async () => {
    const {project, deps, engine} = await shop('feat/login')
    deps.env.BERTH_CLONE = 'copy' // full copies (copy-on-write: test/unit/cow.test.ts)
    const mainDb = branchDataVolume({project: 'shop', env: 'dev', branch: 'main', service: 'db', key: 'data'})
    engine.volumesByName.set(mainDb, {'dev.berth.project': 'shop'})
    await up(project, {env: 'dev'}, deps)
    const featDb = branchDataVolume({project: 'shop', env: 'dev', branch: 'feat/login', service: 'db', key: 'data'})
    expect(engine.volumesByName.get(featDb)?.['dev.berth.seed-from']).toBe(mainDb)
    expect(engine.calls).toContain(`helper clone ${featDb}:/to ${mainDb}:/from:ro`)
    expect(deps.state.read('shop').volumes[featDb]?.complete).toBeTruthy()
  })

  it('resumes a paused stack of the same file without Compose', async () => {
    const {project, deps, engine, compose} = await shop('main')
    const first = await up(project, {env: 'dev'}, deps)
    for (const c of engine.containersById.values()) if (c.Labels['com.docker.compose.project'] === first.render.project && c.State === 'running') c.State = 'paused'
    compose.runs.length = 0
    const second = await up(project, {env: 'dev'}, deps)
    expect(second.resumed).toBe(true)
    expect(compose.runs.filter((a) => a[0] === 'up')).toEqual([])
    expect(engine.calls).toEqual(expect.arrayContaining(['unpause web', 'unpause db', 'unpause cache']))
    expect([...engine.containersById.values()].filter((c) => c.State === 'paused')).toEqual([])
  })

  it('refuses a compose: fragment Compose rejects, at its berth.yml line, before changing anything', async () => {
    const {project, deps, engine, compose} = await shop('main', () => ({}), (text) => `${text}compose:\n  volumes:\n    - a\n`)
    compose.failing.config = `validating ${project.root}/.berth/dev.compose.yml: volumes must be a mapping`
    const error = await up(project, {env: 'dev'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    const line = readFileSync(project.file, 'utf8').split('\n').indexOf('  volumes:') + 1
    expect(error.message).toMatch(new RegExp(`^berth\\.yml:${line}:3: volumes must be a mapping`))
    expect(engine.calls.filter((c) => /^(volume|network|create|start|pause|compose up)/.test(c))).toEqual([])
  })

  it('refuses a restart policy the engine would refuse at up, with its line, before asking Compose', async () => {
    const {project, deps, engine} = await shop('main', () => ({}), (text) => text.replace('    template: redis\n', '    template: redis\n    compose: {restart: sometimes}\n'))
    const error = await up(project, {env: 'dev'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    const line = readFileSync(project.file, 'utf8').split('\n').findIndex((l) => l.includes('restart: sometimes')) + 1
    expect(error.message).toMatch(new RegExp(`^berth\\.yml:${line}:\\d+: services\\.cache\\.restart must be no, always, unless-stopped or on-failure`))
    expect(engine.calls.filter((c) => c !== 'ping')).toEqual([])
  })
})
