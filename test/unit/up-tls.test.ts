// berth up of an environment with tls (qa), with fakes: the project's certificate is asked before anything is
// made, handed to the door (its environment and a label), and a door with another certificate is replaced.
import {cpSync, mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {ComposeTarget, ContainerSpec, Deps, TlsPort} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {up} from '../../src/app/up.js'
import {BerthError, ExitCode} from '../../src/core/errors.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {fakeTls, memoryState, testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

function servicesOf(target: ComposeTarget) {
  const model = parse(readFileSync(target.file!, 'utf8')) as {services: Record<string, {labels: Record<string, string>}>}
  return Object.entries(model.services).map(([name, s]) => ({name, labels: s.labels}))
}


async function shop(tls: TlsPort) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-up-tls-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const engine = new FakeEngine()
  const created: ContainerSpec[] = []
  const create = engine.createContainer.bind(engine)
  engine.createContainer = async (spec) => (created.push(spec as ContainerSpec), create(spec as never))
  const compose = new FakeCompose(engine, servicesOf)
  const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  const base = testDeps({}, env)
  const git = {...base.git, baseBranchFacts: async () => ({originHead: 'main', local: ['main']})}
  const deps: Deps = testDeps({engine, compose, git, state: memoryState(), tls}, env)
  return {project: await loadProject({cwd: dir}, deps), deps, engine, created}
}

const doorSpecs = (created: ContainerSpec[]) => created.filter((s) => s.Labels?.['dev.berth.role'] === 'door')

describe('berth up qa with the https front door (fakes)', () => {
  it("hands the door the project's certificate and https routes; an unchanged certificate keeps the door, a new one replaces it", async () => {
    const tls = fakeTls()
    const {project, deps, created} = await shop(tls)
    const result = await up(project, {env: 'qa'}, deps)
    expect(tls.asked).toEqual(['shop'])
    const [door] = doorSpecs(created)
    expect(door.Env).toEqual(expect.arrayContaining([`BERTH_DOOR_TLS_CERT=${tls.leafNow.cert}`, `BERTH_DOOR_TLS_KEY=${tls.leafNow.key}`]))
    expect(door.Labels?.['dev.berth.door.cert']).toBe('AA:01')
    const routes = JSON.parse(door.Env!.find((e) => e.startsWith('BERTH_DOOR_ROUTES='))!.slice('BERTH_DOOR_ROUTES='.length)) as Array<{listen: number; kind?: string; https?: number}>
    expect(routes.filter((r) => r.kind).map((r) => [r.listen, r.kind, r.https])).toEqual([
      [18080, 'redirect', 18443],
      [18443, 'https', undefined],
    ])
    expect(result.status?.services.find((s) => s.service === 'web')?.url).toBe('https://127.0.0.1:18443/')

    await up(project, {env: 'qa'}, deps)
    expect(doorSpecs(created)).toHaveLength(1)
    tls.leafNow = {...tls.leafNow, fingerprint: 'BB:02'}
    await up(project, {env: 'qa'}, deps)
    expect(doorSpecs(created).map((s) => s.Labels?.['dev.berth.door.cert'])).toEqual(['AA:01', 'BB:02'])
  })

  it('asks for no certificate where the environment has no tls (dev)', async () => {
    const tls = fakeTls()
    const {project, deps, created} = await shop(tls)
    await up(project, {env: 'dev'}, deps)
    expect(tls.asked).toEqual([])
    expect(doorSpecs(created)[0].Env?.some((e) => e.startsWith('BERTH_DOOR_TLS'))).toBe(false)
  })

  it('makes nothing when the certificate cannot be had', async () => {
    const tls = {...fakeTls(), leaf: async () => Promise.reject(new BerthError('cannot create berth\'s local CA in /ro/tls (EACCES)', {exitCode: ExitCode.PREFLIGHT}))}
    const {project, deps, engine} = await shop(tls)
    const error = await up(project, {env: 'qa'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.PREFLIGHT)
    expect(engine.calls.filter((c) => /^(volume|network|create|start|pause|compose up)/.test(c))).toEqual([])
  })
})
