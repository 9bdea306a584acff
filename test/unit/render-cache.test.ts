// The render cache: a stored render is reused only when its key and every input it read are unchanged.
// Core logic with an in-memory IO; the app-level use cases on a temporary copy of the example stack.
import {cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, existsSync, mkdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadProject} from '../../src/app/project.js'
import {renderEnvironment, renderProject, type RenderCache} from '../../src/app/render.js'
import {digest, recordingIO, replayInputs, type InputRead, type ProjectIO} from '../../src/core/inputs.js'
import {cacheHit, keyVars, parseEntry, RENDER_CACHE_FORMAT, serializeEntry, type RenderCacheEntry, type RenderCacheKey} from '../../src/core/render-cache.js'
import type {RenderResult} from '../../src/core/render.js'
import {fsCacheStore, type CacheStore} from '../../src/infra/cache-store.js'
import {testDeps} from './fakes.js'

const deps = (env: NodeJS.ProcessEnv) => testDeps({}, env)
import {ROOT} from './helpers.js'

// ---- core: recording and replaying inputs, in memory -------------------------------------------

function memoryIO(files: Record<string, string>, dirs: Record<string, string[]> = {}, hashes: Record<string, string> = {}): ProjectIO & {files: typeof files; dirs: typeof dirs; hashes: typeof hashes} {
  return {
    files,
    dirs,
    hashes,
    readText(p) {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), {code: 'ENOENT'})
      return files[p]
    },
    listDir(p) {
      if (!(p in dirs)) throw Object.assign(new Error(`ENOENT: ${p}`), {code: 'ENOENT'})
      return dirs[p]
    },
    exists: (p) => p in files || p in dirs,
    hashFiles: (paths) => paths.map((p) => hashes[p] ?? 'missing').join(','),
  }
}

/** Ask the questions a load and render would ask, through `io`. */
function askAll(io: ProjectIO): void {
  io.readText('/p/berth.yml')
  io.listDir('/p/templates/services')
  io.readText('/p/templates/services/api.yml')
  try {
    io.readText('/home/u/.config/berth/config.yml')
  } catch {
    // no user config
  }
  io.exists('/p/app/Dockerfile')
  io.hashFiles(['/p/app/package-lock.json'])
}

function recorded() {
  const io = memoryIO(
    {'/p/berth.yml': 'name: x\n', '/p/templates/services/api.yml': 'service: {}\n', '/p/app/Dockerfile': 'FROM x\n'},
    {'/p/templates/services': ['api.yml', 'notes.txt']},
    {'/p/app/package-lock.json': 'h1'},
  )
  const log: InputRead[] = []
  askAll(recordingIO(io, log))
  return {io, log}
}

describe('recording and replaying inputs', () => {
  it('records every question with a digest of its answer, a failed read as null', () => {
    const {log} = recorded()
    expect(log).toEqual([
      {op: 'read', path: '/p/berth.yml', digest: digest('name: x\n')},
      {op: 'list', path: '/p/templates/services', digest: expect.any(String)},
      {op: 'read', path: '/p/templates/services/api.yml', digest: digest('service: {}\n')},
      {op: 'read', path: '/home/u/.config/berth/config.yml', digest: null},
      {op: 'exists', path: '/p/app/Dockerfile', answer: true},
      {op: 'hash', paths: ['/p/app/package-lock.json'], answer: 'h1'},
    ])
  })

  it('a failed read is passed on to the caller, not swallowed', () => {
    const log: InputRead[] = []
    expect(() => recordingIO(memoryIO({}), log).readText('/nope')).toThrow(/ENOENT/)
    expect(log).toEqual([{op: 'read', path: '/nope', digest: null}])
  })

  it('replays to true when every answer is the same', () => {
    const {io, log} = recorded()
    expect(replayInputs(log, io)).toBe(true)
  })

  it.each([
    ['a file text changes', (io: ReturnType<typeof memoryIO>) => void (io.files['/p/berth.yml'] = 'name: y\n')],
    ['a file disappears', (io: ReturnType<typeof memoryIO>) => void delete io.files['/p/templates/services/api.yml']],
    ['a file that was missing appears', (io: ReturnType<typeof memoryIO>) => void (io.files['/home/u/.config/berth/config.yml'] = 'images: {}\n')],
    ['a folder listing changes', (io: ReturnType<typeof memoryIO>) => void io.dirs['/p/templates/services'].push('redis.yml')],
    ['a folder listing changes order', (io: ReturnType<typeof memoryIO>) => void (io.dirs['/p/templates/services'] = ['notes.txt', 'api.yml'])],
    ['a path stops existing', (io: ReturnType<typeof memoryIO>) => void delete io.files['/p/app/Dockerfile']],
    ['a hashed lock file changes', (io: ReturnType<typeof memoryIO>) => void (io.hashes['/p/app/package-lock.json'] = 'h2')],
  ])('replays to false when %s', (_what, change) => {
    const {io, log} = recorded()
    change(io)
    expect(replayInputs(log, io)).toBe(false)
  })
})

// ---- core: keys and stored entries ---------------------------------------------------------------

const KEY: RenderCacheKey = {
  format: RENDER_CACHE_FORMAT,
  version: '1.0.0',
  build: 'b1',
  berthRoot: '/berth',
  root: '/p',
  env: 'dev',
  branch: 'main',
  worktreeOffset: 0,
  userConfig: '/home/u/.config/berth/config.yml',
  vars: {BERTH_IMAGE_MAP: null, HOME: '/home/u'},
}

const RESULT: RenderResult = {project: 'x-dev-main-12345678', env: {name: 'dev', mode: 'dev', port_offset: 0, vars: {}, services: {}}, compose: {name: 'x', services: {}}, services: [], volumes: [], ports: [], door: {name: 'x-dev-door-12345678', routes: [], digest: 'none'}}

function entry(log: InputRead[], result: RenderResult = RESULT): RenderCacheEntry {
  return {key: KEY, inputs: log, result, yaml: '# x\nname: x\n'}
}

describe('render cache entries', () => {
  it('a stored entry reads back and is a hit while nothing changed', () => {
    const {io, log} = recorded()
    const back = parseEntry(serializeEntry(entry(log)))
    expect(back).toEqual(entry(log))
    expect(cacheHit(back, KEY, io)).toBe(true)
  })

  it.each([
    ['berth version', {version: '1.0.1'}],
    ['build', {build: 'b2'}],
    ['branch', {branch: 'feat/x'}],
    ['worktree offset', {worktreeOffset: 100}],
    ['environment', {env: 'qa'}],
    ['project folder', {root: '/q'}],
    ['user config path', {userConfig: '/elsewhere.yml'}],
    ['environment variable', {vars: {BERTH_IMAGE_MAP: 'node:20=local/node:20', HOME: '/home/u'}}],
  ])('a different %s is a miss', (_what, change) => {
    const {io, log} = recorded()
    expect(cacheHit(entry(log), {...KEY, ...change}, io)).toBe(false)
  })

  it('environment variables are keyed by digest: their values are not written to disk', () => {
    const vars = keyVars({BERTH_REGISTRY: 'mirror.example.com', BERTH_IMAGE_MAP: '', PATH: '/bin'})
    expect(vars.BERTH_REGISTRY).toBe(digest('mirror.example.com'))
    expect(vars.BERTH_IMAGE_MAP).toBe(digest(''))
    expect(vars.BERTH_BRANCH).toBeNull()
    expect(JSON.stringify(vars)).not.toContain('mirror.example.com')
    expect(Object.keys(vars)).not.toContain('PATH')
  })

  it('key fields in another order are the same key', () => {
    const {io, log} = recorded()
    const reordered = Object.fromEntries(Object.entries(KEY).reverse()) as unknown as RenderCacheKey
    expect(cacheHit(entry(log), reordered, io)).toBe(true)
  })

  it('with a loaded project, its own reads must be the entry first reads', () => {
    const {io, log} = recorded()
    expect(cacheHit(entry(log), KEY, io, log.slice(0, 3))).toBe(true)
    const other = [{...log[0], digest: digest('name: other\n')} as InputRead, ...log.slice(1, 3)]
    expect(cacheHit(entry(log), KEY, io, other)).toBe(false)
  })

  it.each([
    ['not JSON', '{"format": 1, "key":'],
    ['another format', JSON.stringify({...entry([]), format: RENDER_CACHE_FORMAT + 1})],
    ['no yaml', JSON.stringify({...entry([]), format: RENDER_CACHE_FORMAT, yaml: undefined})],
    ['a malformed input log', JSON.stringify({...entry([]), format: RENDER_CACHE_FORMAT, inputs: [{op: 'read', path: 3}]})],
    ['a malformed result', JSON.stringify({...entry([]), format: RENDER_CACHE_FORMAT, result: {project: 'x'}})],
    ['null', 'null'],
  ])('an entry that is %s is a miss, not an error', (_what, text) => {
    expect(parseEntry(text)).toBeUndefined()
    expect(cacheHit(parseEntry(text), KEY, memoryIO({}))).toBe(false)
  })

  it('a result that would not read back the same (NaN, Infinity) is not stored', () => {
    expect(serializeEntry(entry([], {...RESULT, compose: {x: Number.POSITIVE_INFINITY}}))).toBeUndefined()
    expect(serializeEntry(entry([], {...RESULT, compose: {x: Number.NaN}}))).toBeUndefined()
    expect(serializeEntry(entry([], {...RESULT, compose: {x: [1, undefined]}}))).toBeUndefined()
  })
})

// ---- app: renderEnvironment / renderProject on a copy of the example stack --------------------------

const IMAGES = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7'
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

/** The shop example plus a project template (templates/services/worker.yml) used by a worker service. */
function shop(): {dir: string; env: NodeJS.ProcessEnv; cache: RenderCache & {store: CacheStore & {texts: Map<string, string>}}} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-render-cache-'))
  dirs.push(dir)
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  writeFileSync(path.join(dir, 'berth.yml'), `${readFileSync(path.join(dir, 'berth.yml'), 'utf8').replace('services:\n', 'services:\n  worker:\n    template: worker\n')}`)
  mkdirSync(path.join(dir, 'templates', 'services'), {recursive: true})
  writeFileSync(path.join(dir, 'templates', 'services', 'worker.yml'), 'params:\n  image: debian:bookworm-slim\nservice:\n  image: ${{ image }}\n  command: [sleep, infinity]\n')
  const texts = new Map<string, string>()
  const store = {texts, read: (root: string, env: string) => texts.get(`${root}|${env}`), write: (root: string, env: string, text: string) => void texts.set(`${root}|${env}`, text)}
  const env = {BERTH_BRANCH: 'main', BERTH_PORT_OFFSET: '0', BERTH_CONFIG: path.join(dir, 'no-user-config.yml'), BERTH_IMAGE_MAP: IMAGES, HOME: dir}
  return {dir, env, cache: {version: '1.0.0', build: 'test', store, berthRoot: ROOT}}
}

describe('rendering through the cache', () => {
  it('renders once, then answers from the cache with the same file', async () => {
    const {dir, env, cache} = shop()
    const first = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const second = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(first.cached).toBe(false)
    expect(second.cached).toBe(true)
    expect(second.yaml).toBe(first.yaml)
    expect(second.result).toEqual(first.result)
    expect(second.root).toBe(dir)
  })

  it('a hit is the stored render: nothing is parsed or rendered again', async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const [slot, text] = [...cache.store.texts][0]
    cache.store.texts.set(slot, text.replace('"yaml":"# Generated by berth', '"yaml":"# marked: from the cache\\n# Generated by berth'))
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(true)
    expect(again.yaml.startsWith('# marked: from the cache\n')).toBe(true)
  })

  it('renders again when berth.yml changes', async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const file = path.join(dir, 'berth.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('REDIS_URL: redis://cache:6379', 'REDIS_URL: redis://cache:6380'))
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(false)
    expect(again.yaml).toContain('redis://cache:6380')
  })

  it("renders again when one of the project's templates changes", async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const file = path.join(dir, 'templates', 'services', 'worker.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('infinity', '3600'))
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(false)
    expect(again.yaml).toMatch(/- sleep\n\s+- 3600\n/)
  })

  it("renders again when the project's template folder gains a file (it overrides a built-in template)", async () => {
    const {dir, env, cache} = shop()
    const before = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(before.yaml).not.toContain('local/redis:custom')
    writeFileSync(path.join(dir, 'templates', 'services', 'redis.yml'), 'service:\n  image: local/redis:custom\n')
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(false)
    expect(again.yaml).toContain('image: local/redis:custom')
  })

  it('renders again when the lock file keying node_modules changes', async () => {
    const {dir, env, cache} = shop()
    const before = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const lock = path.join(dir, 'app', 'package-lock.json')
    writeFileSync(lock, readFileSync(lock, 'utf8').replace('"lockfileVersion"', '"name2": "x",\n  "lockfileVersion"'))
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(false)
    const cacheVolume = (r: {result: RenderResult}) => r.result.volumes.find((v) => v.kind === 'cache')?.name
    expect(cacheVolume(again)).toBeDefined()
    expect(cacheVolume(again)).not.toBe(cacheVolume(before))
  })

  it('a Dockerfile removed after a cached render is an error, not a stale hit', async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'qa', cache}, deps(env))
    unlinkSync(path.join(dir, 'app', 'Dockerfile'))
    await expect(renderEnvironment({cwd: dir, name: 'qa', cache}, deps(env))).rejects.toThrow(/no Dockerfile/)
  })

  it('renders again when an environment variable berth reads changes', async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps({...env, BERTH_IMAGE_MAP: `${IMAGES},debian:bookworm-slim=local/debian:bookworm`}))
    expect(again.cached).toBe(false)
    expect(again.yaml).toContain('image: local/debian:bookworm')
  })

  it('renders again when the user config changes', async () => {
    const {dir, env, cache} = shop()
    writeFileSync(env.BERTH_CONFIG!, 'registry: mirror.example.com\n')
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    writeFileSync(env.BERTH_CONFIG!, 'images:\n  debian:bookworm-slim: local/debian:bookworm\n')
    const again = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(again.cached).toBe(false)
    expect(again.yaml).toContain('image: local/debian:bookworm')
  })

  it('renders again on another branch', async () => {
    const {dir, env, cache} = shop()
    const main = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const other = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps({...env, BERTH_BRANCH: 'feat/x'}))
    expect(other.cached).toBe(false)
    expect(other.result.project).not.toBe(main.result.project)
  })

  it("renders again with another berth version (or build)", async () => {
    const {dir, env, cache} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect((await renderEnvironment({cwd: dir, name: 'dev', cache: {...cache, version: '1.0.1'}}, deps(env))).cached).toBe(false)
    expect((await renderEnvironment({cwd: dir, name: 'dev', cache: {...cache, version: '1.0.1', build: 'other'}}, deps(env))).cached).toBe(false)
  })

  it('a corrupt cache file is a miss, then replaced by a good one', async () => {
    const {dir, env} = shop()
    const cache = {version: '1.0.0', build: 'test', store: fsCacheStore, berthRoot: ROOT}
    await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    const file = path.join(dir, '.berth', 'cache', 'dev.json')
    expect(existsSync(path.join(dir, '.berth', '.gitignore'))).toBe(true)
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 500))
    const miss = await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))
    expect(miss.cached).toBe(false)
    expect((await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))).cached).toBe(true)
  })

  it('no cache (null) renders every time and stores nothing', async () => {
    const {dir, env} = shop()
    await renderEnvironment({cwd: dir, name: 'dev', cache: null}, deps(env))
    expect((await renderEnvironment({cwd: dir, name: 'dev', cache: null}, deps(env))).cached).toBe(false)
    expect(existsSync(path.join(dir, '.berth'))).toBe(false)
  })

  it('a loaded project renders from the cache while its files are unchanged', async () => {
    const {dir, env, cache} = shop()
    const first = await renderProject(await loadProject({cwd: dir}, deps(env)), 'dev', deps(env), {cache})
    const second = await renderProject(await loadProject({cwd: dir}, deps(env)), 'dev', deps(env), {cache})
    expect(first.cached).toBe(false)
    expect(second.cached).toBe(true)
    expect(second.yaml).toBe(first.yaml)
  })

  it('a project loaded before berth.yml changed renders what it loaded, not a newer cached render', async () => {
    const {dir, env, cache} = shop()
    const old = await loadProject({cwd: dir}, deps(env))
    const file = path.join(dir, 'berth.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('REDIS_URL: redis://cache:6379', 'REDIS_URL: redis://cache:6380'))
    expect((await renderEnvironment({cwd: dir, name: 'dev', cache}, deps(env))).yaml).toContain('redis://cache:6380')
    const r = await renderProject(old, 'dev', deps(env), {cache})
    expect(r.cached).toBe(false)
    expect(r.yaml).toContain('redis://cache:6379')
  })
})
