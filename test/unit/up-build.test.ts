// berth up qa with an engine and Compose in memory: the image is built when it is missing or its build context
// changed, not on an unchanged tree; --build forces it; a memory limit above the machine's stops up first.
import {appendFileSync, cpSync, mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {ComposeTarget} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {up} from '../../src/app/up.js'
import {ExitCode} from '../../src/core/errors.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {fakeTls, memoryState, testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

type Model = {services: Record<string, {labels: Record<string, string>; image?: string; build?: unknown}>}
const modelOf = (target: ComposeTarget) => parse(readFileSync(target.file!, 'utf8')) as Model

/** Compose whose build (and up, for a missing image) gives each built service's image a new ID. */
class BuildingCompose extends FakeCompose {
  private built = 0
  constructor(private readonly fake: FakeEngine) {
    super(fake, (t) => Object.entries(modelOf(t).services).map(([name, s]) => ({name, labels: s.labels})))
  }
  override async run(target: ComposeTarget, args: string[]) {
    const out = await super.run(target, args)
    const model = args[0] === 'build' || args[0] === 'up' ? modelOf(target) : undefined
    for (const [name, s] of Object.entries(model?.services ?? {})) {
      if (!s.build || !s.image) continue
      const asked = args[0] === 'build' ? args.includes(name) : args.includes('--build') || !this.fake.images.has(s.image)
      if (asked) this.fake.images.set(s.image, `sha256:${++this.built}`)
    }
    return out
  }
}

async function shopQa() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-upbuild-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const engine = new FakeEngine()
  const compose = new BuildingCompose(engine)
  const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  const base = testDeps({}, env)
  const deps = testDeps({engine, compose, state: memoryState(), tls: fakeTls(), git: {...base.git, baseBranchFacts: async () => ({originHead: 'main', local: ['main']})}}, env)
  const project = await loadProject({cwd: dir}, deps)
  const builds = () => compose.runs.filter((a) => a[0] === 'build' || (a[0] === 'up' && a.includes('--build'))).length
  return {dir, engine, compose, deps, project, builds}
}

describe('berth up qa builds only what changed', () => {
  it('builds a missing image, not an unchanged one, again after an edit of the context, and always with --build', async () => {
    const {dir, engine, compose, deps, project, builds} = await shopQa()
    await up(project, {env: 'qa'}, deps)
    expect(compose.runs[compose.runs.findIndex((a) => a[0] === 'build')]).toEqual(['build', 'web'])
    expect(compose.runs.findIndex((a) => a[0] === 'build')).toBeLessThan(compose.runs.findIndex((a) => a[0] === 'up'))
    const [image] = [...engine.images.keys()]
    expect(image).toMatch(/^berth\/shop-web:qa-main-/)
    expect(deps.state.read('shop').images?.[image]).toMatchObject({id: engine.images.get(image)})

    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(1) // unchanged tree: nothing built

    appendFileSync(path.join(dir, 'app', 'server.js'), '\n// edited\n')
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(2)
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(2)

    appendFileSync(path.join(dir, 'app', '.dockerignore'), 'notes.txt\n')
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(3) // .dockerignore is part of what a build sends
    appendFileSync(path.join(dir, 'app', 'notes.txt'), 'ignored by .dockerignore\n')
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(3) // an ignored file is not

    await up(project, {env: 'qa', build: true}, deps)
    expect(compose.runs.filter((a) => a[0] === 'up').at(-1)).toContain('--build')
    expect(builds()).toBe(4)
  })

  it('builds again when the image is gone or another image holds the tag', async () => {
    const {engine, deps, project, builds} = await shopQa()
    await up(project, {env: 'qa'}, deps)
    const [image] = [...engine.images.keys()]
    engine.images.delete(image)
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(2)
    engine.images.set(image, 'sha256:built-by-hand')
    await up(project, {env: 'qa'}, deps)
    expect(builds()).toBe(3)
  })

  it('refuses a memory limit above the engine machine before making anything', async () => {
    const {engine, compose, deps, project} = await shopQa()
    Object.assign(engine, {info: async () => ({OperatingSystem: 'Docker Desktop', MemTotal: 256 * 1024 ** 2})})
    const error = await up(project, {env: 'qa'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.message).toMatch(/templates\/environments\/qa\.yml:\d+:\d+: service "web": limits\.memory 512m is more than the engine's machine has \(0\.3 GiB/)
    expect(compose.runs).toEqual([])
    expect(engine.calls.filter((c) => /^(volume|network|create|start)/.test(c))).toEqual([])
  })
})
