// berth init as a use case on copies of the fixture repositories: the file it writes loads and renders, it
// never replaces a berth.yml without --force, leaves nothing behind on bad input, asks through the Prompt
// port, follows the package manager and the Node version, and falls back to the generic template.
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'
import {afterEach, describe, expect, it} from 'vitest'
import {initProject, type InitOptions} from '../../src/app/init.js'
import type {Deps, Prompt} from '../../src/app/ports.js'
import {loadProject} from '../../src/app/project.js'
import {renderProject} from '../../src/app/render.js'
import {BerthError} from '../../src/core/errors.js'
import {installation} from '../../src/infra/paths.js'
import {nobodyToAsk, testDeps} from './fakes.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/init')
const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true})
})

function copy(fixture: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-init-${fixture}-`))
  made.push(dir)
  cpSync(path.join(FIXTURES, fixture), dir, {recursive: true})
  return dir
}

const yes = (root: string, more: Partial<InitOptions> = {}): InitOptions => ({root, yes: true, force: false, shared: [], ...more})

async function failure(p: Promise<unknown>): Promise<BerthError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'expected berth init to fail').toBeInstanceOf(BerthError)
  return error as BerthError
}

function stackOf(root: string): any {
  return parse(readFileSync(path.join(root, 'berth.yml'), 'utf8'))
}

/** A prompt on a "terminal" that answers from a script and records the questions. */
function scripted(answers: {input?: string[]; select?: unknown[]; checkbox?: unknown[][]; confirm?: boolean[]}): Prompt & {asked: string[]} {
  const asked: string[] = []
  const next = <T>(list: T[] | undefined, q: string): T => {
    asked.push(q)
    if (!list?.length) throw new Error(`unexpected question: ${q}`)
    return list.shift()!
  }
  return {
    asked,
    canAsk: () => true,
    confirm: async (q) => next(answers.confirm, q),
    input: async (q) => next(answers.input, q),
    select: async (q) => next(answers.select, q) as never,
    checkbox: async (q) => next(answers.checkbox, q) as never,
  }
}

describe('berth init', () => {
  it('--yes writes a commented berth.yml that loads and renders dev and qa, adds .berth/ to a new .gitignore', async () => {
    const root = copy('npm')
    const deps = testDeps()
    const r = await initProject(yes(root), deps)
    expect(r).toMatchObject({written: true, replaced: false, name: 'shop-api', gitignore: 'created'})
    expect(r.services).toEqual([
      {name: 'app', template: 'node'},
      {name: 'db', template: 'postgres'},
      {name: 'cache', template: 'redis'},
    ])
    const text = readFileSync(path.join(root, 'berth.yml'), 'utf8')
    expect(text).toMatch(/^# yaml-language-server: \$schema=/)
    expect(text).toContain('# seen in src/index.js:2')
    const stack = stackOf(root)
    expect(stack.services.app).toEqual({
      template: 'node',
      source: '.',
      port: 3000,
      command: ['npm', 'start'],
      // the variable the app's own source reads (process.env.PG_URL), at the service names
      env: {PG_URL: 'postgres://app:app@db:5432/app', REDIS_URL: 'redis://cache:6379'},
      depends_on: ['db', 'cache'],
    })
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('.berth/\n')
    const project = await loadProject({cwd: root}, deps)
    const dev = await renderProject(project, 'dev', deps, {cache: null})
    expect(dev.result.services.map((s) => s.name).sort()).toEqual(['app', 'app-setup', 'cache', 'db'])
    // nothing else was left in the folder (no temp file)
    expect(readdirSync(root).sort()).toEqual(['.gitignore', 'berth.yml', 'package-lock.json', 'package.json', 'src'])
  })

  it('never replaces an existing berth.yml without --force (exit 9, file unchanged); --force replaces it', async () => {
    const root = copy('npm')
    writeFileSync(path.join(root, 'berth.yml'), 'name: mine\nservices: {}\n')
    const error = await failure(initProject(yes(root), testDeps()))
    expect(error.exitCode).toBe(9)
    expect(error.message).toMatch(/berth\.yml exists already.*--force/)
    expect(readFileSync(path.join(root, 'berth.yml'), 'utf8')).toBe('name: mine\nservices: {}\n')
    expect(existsSync(path.join(root, '.gitignore'))).toBe(false)
    const r = await initProject(yes(root, {force: true}), testDeps())
    expect(r.replaced).toBe(true)
    expect(stackOf(root).name).toBe('shop-api')
  })

  it('a folder without package.json: one error (exit 5), nothing written', async () => {
    const root = copy('no-package')
    const error = await failure(initProject(yes(root), testDeps()))
    expect(error.exitCode).toBe(5)
    expect(error.message).toMatch(/^no package\.json in /)
    expect(readdirSync(root)).toEqual(['README.md'])
  })

  it('without a terminal and without --yes: refuses (exit 2) before reading anything', async () => {
    const root = copy('npm')
    const error = await failure(initProject({root, yes: false, force: false, shared: []}, testDeps({prompt: nobodyToAsk})))
    expect(error.exitCode).toBe(2)
    expect(error.hints.join(' ')).toMatch(/--yes/)
    expect(existsSync(path.join(root, 'berth.yml'))).toBe(false)
  })

  it('.gitignore: appended once (a file without a final newline), never twice', async () => {
    const root = copy('npm')
    writeFileSync(path.join(root, '.gitignore'), 'node_modules/')
    expect((await initProject(yes(root), testDeps())).gitignore).toBe('added')
    expect((await initProject(yes(root, {force: true}), testDeps())).gitignore).toBe('present')
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('node_modules/\n.berth/\n')
  })

  it('yarn and pnpm: the install command and the node_modules cache key follow the lockfile', async () => {
    const y = copy('yarn')
    await initProject(yes(y, {services: ['none']}), testDeps())
    const app = stackOf(y).services.app
    expect(app.params.install).toBe('yarn install --non-interactive --frozen-lockfile')
    expect(app.volumes).toEqual({node_modules: {path: '/src/node_modules', kind: 'cache', key: ['yarn.lock', 'package.json']}})
    expect(app.command).toEqual(['npm', 'run', 'dev'])
    expect(app.port).toBe(4000)
    expect(app.depends_on).toBeUndefined()

    const p = copy('pnpm')
    await initProject(yes(p, {services: ['none']}), testDeps())
    const papp = stackOf(p).services.app
    expect(papp.params.install).toBe('COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack pnpm install --frozen-lockfile')
    expect(papp.volumes.node_modules.key).toEqual(['pnpm-lock.yaml', 'package.json'])
    expect(papp.build).toBe('.')
    expect(papp.port).toBe(5000)
  })

  it('.nvmrc picks the Node image; a Dockerfile with stages is built (the stage asked on a terminal)', async () => {
    const root = copy('stages')
    const prompt = scripted({input: ['staged', ''], select: [['node', 'server.js'], 'build'], checkbox: [[]]})
    const r = await initProject({root, yes: false, force: false, shared: []}, testDeps({prompt}))
    expect(r.written).toBe(true)
    const app = stackOf(root).services.app
    expect(app.image).toBe('node:18-bookworm-slim')
    expect(app.build).toEqual({context: '.', target: 'build'})
    // no port answered: no HTTP healthcheck
    expect(app.port).toBeUndefined()
    expect(app.params).toEqual({http: false})
    expect(app.command).toEqual(['node', 'server.js'])
    expect(prompt.asked).toEqual(['Project name', 'How does the app start in dev?', 'Port the app listens on (seen in Dockerfile EXPOSE); empty: none', 'Services the app talks to', 'Dockerfile stage to build for qa and stage'])
  })

  it('flags answer their questions on a terminal: --name, --port and --service are not asked', async () => {
    const root = copy('ts-tsx')
    const prompt = scripted({select: [['npm', 'run', 'dev']]})
    await initProject({root, yes: false, force: false, shared: ['db'], name: 'api', port: 9000, services: ['postgres']}, testDeps({prompt}))
    expect(prompt.asked).toEqual(['How does the app start in dev?'])
    const stack = stackOf(root)
    expect(stack.name).toBe('api')
    expect(stack.services.app.port).toBe(9000)
    expect(stack.services.app.command).toEqual(['npm', 'run', 'dev'])
    expect(readFileSync(path.join(root, 'berth.yml'), 'utf8')).toContain('TypeScript through tsx')
    // --shared db: its data volume is one for every branch
    expect(stack.services.db.volumes).toEqual({data: {path: '/var/lib/postgresql/data', kind: 'shared'}})
  })

  it('--shared naming no service with data: exit 2, nothing written', async () => {
    const root = copy('npm')
    const error = await failure(initProject(yes(root, {shared: ['app']}), testDeps()))
    expect(error.exitCode).toBe(2)
    expect(existsSync(path.join(root, 'berth.yml'))).toBe(false)
  })

  it('a kind berth has no template for: the generic template with the official image, and it still validates', async () => {
    const root = copy('yarn')
    const builtin = mkdtempSync(path.join(os.tmpdir(), 'berth-init-templates-'))
    made.push(builtin)
    cpSync(installation().builtinTemplates, builtin, {recursive: true})
    for (const kind of ['mysql', 'mongo', 'rabbitmq']) rmSync(path.join(builtin, 'services', `${kind}.yml`), {force: true})
    const deps: Deps = testDeps({install: {...installation(), builtinTemplates: builtin, build: undefined, cache: null}})
    const r = await initProject(yes(root, {services: ['mysql', 'mongo', 'rabbitmq']}), deps)
    expect(r.services.map((s) => `${s.name}:${s.template}`)).toEqual(['app:node', 'db:generic', 'mongo:generic', 'queue:generic'])
    const stack = stackOf(root)
    expect(stack.services.db).toMatchObject({image: 'mysql:8.4', port: 3306, volumes: {data: '/var/lib/mysql'}})
    expect(stack.services.queue.env).toEqual({RABBITMQ_DEFAULT_USER: 'app', RABBITMQ_DEFAULT_PASS: 'app'})
    expect(stack.services.app.env).toEqual({DATABASE_URL: 'mysql://app:app@db:3306/app', MONGODB_URI: 'mongodb://mongo:27017/app', AMQP_URL: 'amqp://app:app@queue:5672'})
    expect(readFileSync(path.join(root, 'berth.yml'), 'utf8')).toContain('berth has no mysql template here, so the generic one')
  })

  it('a template of that kind, where there is one, with its own params in the URL', async () => {
    const root = copy('pnpm')
    const builtin = mkdtempSync(path.join(os.tmpdir(), 'berth-init-templates-'))
    made.push(builtin)
    cpSync(installation().builtinTemplates, builtin, {recursive: true})
    writeFileSync(
      path.join(builtin, 'services', 'mysql.yml'),
      'params: {image: "mysql:8.4", port: 3306, user: shop, password: secret, database: orders}\nvolumes: {data: {path: /var/lib/mysql}}\nservice: {image: "${{ image }}"}\n',
    )
    await initProject(yes(root), testDeps({install: {...installation(), builtinTemplates: builtin, build: undefined, cache: null}}))
    const stack = stackOf(root)
    expect(stack.services.db).toEqual({template: 'mysql'})
    expect(stack.services.app.env).toEqual({DATABASE_URL: 'mysql://shop:secret@db:3306/orders'})
  })

  it('--from goes to the Compose import (needs no package.json); a failed import writes nothing', async () => {
    const root = copy('no-package')
    // a Compose file that is not there: the stub and the real import both refuse it
    const error = await failure(initProject(yes(root, {from: 'missing-compose.yml'}), testDeps()))
    expect(error.message).not.toMatch(/package\.json/)
    if (error.message === 'berth init --from is not available yet') expect(error.exitCode).toBe(2)
    expect(existsSync(path.join(root, 'berth.yml'))).toBe(false)
  })
})
