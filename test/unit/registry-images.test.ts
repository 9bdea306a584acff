// berth up with image_from: registry, driven with an engine and Compose in memory: an image on the engine is
// run as it is, a missing one is pulled, one neither there nor pullable stops up before anything is created
// (PREFLIGHT), and --build-if-missing builds it from build: (saying so), tagged with the reference.
import {cpSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import type {ComposeTarget, Deps, Reporter} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {up} from '../../src/app/up.js'
import {ExitCode} from '../../src/core/errors.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {fakeTls, memoryState, testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

const IMAGE = 'private-registry.example/stacks/shop:1.4'
const QA = `environments:
  qa:
    services:
      web:
        image_from: registry
        image: ${IMAGE}
`

function servicesOf(target: ComposeTarget) {
  const model = parse(readFileSync(target.file!, 'utf8')) as {services: Record<string, {labels: Record<string, string>}>}
  return Object.entries(model.services).map(([name, s]) => ({name, labels: s.labels}))
}

class InputCompose extends FakeCompose {
  readonly inputs: string[] = []
  override async run(target: ComposeTarget, args: string[], options?: {input?: string}) {
    if (options?.input !== undefined && args[0] !== 'config') this.inputs.push(options.input)
    return super.run(target, args)
  }
}

async function shop(edit: (yml: string) => string = (y) => y.replace(/environments:[\s\S]*$/, QA)) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  writeFileSync(path.join(dir, 'berth.yml'), edit(readFileSync(path.join(dir, 'berth.yml'), 'utf8')))
  const engine = new FakeEngine()
  const compose = new InputCompose(engine, servicesOf)
  const said: string[] = []
  const reporter: Reporter = {tty: false, step: (m) => said.push(`step ${m}`), info: () => undefined, warn: (m) => said.push(`warn ${m}`), passthrough: () => undefined}
  const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml', HOME: dir}
  const base = testDeps({}, env)
  const git = {...base.git, baseBranchFacts: async () => ({originHead: 'main', local: ['main']})}
  const deps: Deps = testDeps({engine, compose, git, state: memoryState(), reporter, tls: fakeTls()}, env)
  return {project: await loadProject({cwd: dir}, deps), deps, engine, compose, said, dir}
}

const changes = (engine: FakeEngine) => engine.calls.filter((c) => /^(volume|network|create|start|compose (up|build))/.test(c))

describe('berth up qa with image_from: registry', () => {
  it('runs an image that is on the engine as it is: no pull, no build, image: in the file and no build:', async () => {
    const {project, deps, engine, compose} = await shop()
    engine.images.set(IMAGE, 'sha256:x')
    const result = await up(project, {env: 'qa'}, deps)
    expect(compose.runs.map((a) => a[0])).not.toContain('pull')
    expect(compose.runs.map((a) => a[0])).not.toContain('build')
    const web = (parse(readFileSync(result.file, 'utf8')) as {services: Record<string, Record<string, unknown>>}).services.web
    expect(web).toMatchObject({image: IMAGE, pull_policy: 'missing'})
    expect(web.build).toBeUndefined()
  })

  it('pulls a missing image through Compose (the rendered file on stdin), then starts', async () => {
    const {project, deps, engine, compose} = await shop()
    const run = compose.run.bind(compose)
    compose.run = async (target, args, options) => {
      if (args[0] === 'pull') engine.images.set(IMAGE, 'sha256:x')
      return run(target, args, options)
    }
    await up(project, {env: 'qa'}, deps)
    expect(compose.runs.find((a) => a[0] === 'pull')).toEqual(['pull', '--quiet', 'web'])
    expect(engine.calls.indexOf('compose pull')).toBeLessThan(engine.calls.indexOf('compose up'))
  })

  it('stops before anything is created when the image is neither there nor pullable: one line with the service, the key and the image', async () => {
    const {project, deps, engine, compose} = await shop()
    compose.failing.pull = `Error response from daemon: Get "https://private-registry.example/v2/": dial tcp: lookup private-registry.example: no such host`
    const error = await up(project, {env: 'qa'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.PREFLIGHT)
    expect(error.message).toBe(`berth.yml:27:21: service "web": image_from: registry: image ${IMAGE} is not on this engine and could not be pulled`)
    expect(error.hints.join('\n')).toContain('berth up qa --build-if-missing')
    expect(error.hints[0]).toBe(`Check the reference; log in if the registry needs it (docker login private-registry.example), then: docker pull ${IMAGE}`)
    expect(error.hints.join('\n')).toContain('no such host')
    expect(changes(engine)).toEqual([])
  })

  it('a ${VAR} in the reference is checked as Compose fills it in', async () => {
    const {project, deps, engine, compose} = await shop((y) => y.replace(/environments:[\s\S]*$/, QA.replace(':1.4', ':${SHOP_TAG}')))
    const run = compose.run.bind(compose)
    compose.run = async (target, args, options) => {
      if (args[0] === 'config' && args[1] === '--format') return {code: 0, stdout: JSON.stringify({services: {web: {image: IMAGE}}}), stderr: ''}
      return run(target, args, options)
    }
    engine.images.set(IMAGE, 'sha256:x')
    await up(project, {env: 'qa'}, deps)
    expect(compose.runs.map((a) => a[0])).not.toContain('pull')
  })

  it('--build-if-missing builds it from build: with the reference as its tag, says so, then starts', async () => {
    const {project, deps, engine, compose, said, dir} = await shop()
    compose.failing.pull = 'pull access denied'
    writeFileSync(path.join(dir, '.npmrc'), '//npm.example/:_authToken=npm_NOTINFILES\n')
    await up(project, {env: 'qa', buildIfMissing: true}, deps)
    expect(said).toContain(`warn web: ${IMAGE} not found; building it from app/ (--build-if-missing)`)
    expect(compose.runs.find((a) => a[0] === 'build')).toEqual(['build', 'web'])
    expect(engine.calls.indexOf('compose build')).toBeLessThan(engine.calls.indexOf('compose up'))
    const built = parse(compose.inputs.at(-1)!) as {services: Record<string, {image: string; build: {context: string; args: Record<string, string>; secrets: unknown[]}}>; secrets: unknown}
    expect(Object.keys(built.services)).toEqual(['web'])
    expect(built.services.web.image).toBe(IMAGE)
    expect(built.services.web.build).toMatchObject({context: path.join(dir, 'app'), args: {BASE_IMAGE: 'node:20-bookworm-slim'}, secrets: [{source: 'npmrc', target: 'npmrc'}]})
    expect(built.secrets).toEqual({npmrc: {file: path.join(dir, '.npmrc')}})
    expect(compose.inputs.join('\n')).not.toContain('NOTINFILES')
  })

  it('--build-if-missing with no build: to build from is refused before anything is created', async () => {
    const {project, deps, engine, compose} = await shop((y) => y.replace('    build: app\n', '').replace(/environments:[\s\S]*$/, QA))
    compose.failing.pull = 'manifest unknown'
    const error = await up(project, {env: 'qa', buildIfMissing: true}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.PREFLIGHT)
    expect(error.message).toMatch(/service "web": image_from: registry: image .* there is no build: to build it from$/)
    expect(error.hints.join('\n')).toContain('give service "web" a build:')
    expect(error.hints.join('\n')).not.toContain('undefined')
    expect(changes(engine)).toEqual([])
  })
})
