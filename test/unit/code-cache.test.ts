import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import vm from 'node:vm'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {cacheDirs, cacheName, commandOf, loadBundle, readCache, writeCache, type BootOptions} from '../../src/boot/code-cache.js'

let tmp: string
let bundle: string
let dirs: string[]
let traces: string[]
let pending: Array<() => void>

const BUNDLE = `let runs = (globalThis.__codeCacheRuns ?? 0) + 1
globalThis.__codeCacheRuns = runs
function square(n) { return n * n }
exports.answer = square(6) + 6
exports.runs = runs
exports.file = __filename
exports.COMMANDS = {'volumes:clone': 1, up: 1}
exports.fail = function fail() { throw new Error('from the bundle') }
`

function load(extra: Partial<BootOptions> = {}) {
  delete (Module as unknown as {_cache: Record<string, unknown>})._cache[bundle]
  return loadBundle(bundle, {dirs, trace: (l) => traces.push(l), onExit: (w) => pending.push(w), ...extra})
}

/** The command ends: the cache is written if it is to be. */
function exit(): void {
  for (const write of pending.splice(0)) write()
}

const cacheFiles = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.v8'))
  } catch {
    return []
  }
}

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-code-cache-'))
  bundle = path.join(tmp, 'dist', 'index.js')
  dirs = [path.join(tmp, 'dist', '.code-cache'), path.join(tmp, 'user-cache', 'berth')]
  traces = []
  pending = []
  ;(globalThis as {__codeCacheRuns?: number}).__codeCacheRuns = 0
  mkdirSync(path.dirname(bundle), {recursive: true})
  writeFileSync(bundle, BUNDLE)
})

afterEach(() => {
  delete (Module as unknown as {_cache: Record<string, unknown>})._cache[bundle]
  rmSync(tmp, {recursive: true, force: true})
})

describe('the code cache of the bundle', () => {
  it('misses first and writes the cache when the command ends, then hits it', () => {
    const first = load()
    expect(first.cache).toBe('miss')
    expect(first.exports.answer).toBe(42)
    expect(cacheFiles(dirs[0])).toEqual([])
    exit()
    expect(cacheFiles(dirs[0])).toEqual([cacheName(readFileSync(bundle), bundle)])
    const second = load()
    expect(second.cache).toBe('hit')
    expect(second.exports.answer).toBe(42)
    expect(second.exports.file).toBe(bundle)
    expect(second.file).toBe(path.join(dirs[0], cacheName(readFileSync(bundle), bundle)))
    exit()
    expect(pending).toEqual([])
  })

  it('registers the bundle as a loaded module: a require of it (oclif loading the command table) does not run it again', () => {
    const loaded = load()
    const again = createRequire(bundle)(bundle) as Record<string, unknown>
    expect(again).toBe(loaded.exports)
    expect((globalThis as {__codeCacheRuns?: number}).__codeCacheRuns).toBe(1)
  })

  it('a rebuilt bundle is another cache file: the old one is not used', () => {
    load()
    exit()
    writeFileSync(bundle, BUNDLE.replace('square(6) + 6', 'square(6) + 7'))
    const rebuilt = load()
    expect(rebuilt.cache).toBe('miss')
    expect(rebuilt.exports.answer).toBe(43)
    exit()
    expect(cacheFiles(dirs[0])).toHaveLength(2)
    expect(load().cache).toBe('hit')
  })

  it('a corrupt cache file (garbage, or data that does not match its checksum) is compiled over and rewritten', () => {
    load()
    exit()
    const file = path.join(dirs[0], cacheName(readFileSync(bundle), bundle))
    const good = readFileSync(file)
    writeFileSync(file, 'not a cache at all')
    expect(load().cache).toBe('miss')
    exit()
    expect(load().cache).toBe('hit')
    const flipped = Buffer.from(good)
    flipped[flipped.length - 10] ^= 0xff
    writeFileSync(file, flipped)
    expect(readCache(file)).toBeUndefined()
    const again = load()
    expect(again.cache).toBe('miss')
    expect(again.exports.answer).toBe(42)
    exit()
    expect(readFileSync(file).equals(flipped)).toBe(false)
    expect(load().cache).toBe('hit')
  })

  it('V8 rejecting the data (another script, another V8) compiles as usual and writes a fresh cache', () => {
    const file = path.join(dirs[0], cacheName(readFileSync(bundle), bundle))
    const other = new vm.Script('function other() { return 1 }; other()')
    other.runInThisContext()
    expect(writeCache(file, other.createCachedData(), [''])).toBe(true)
    const loaded = load()
    expect(loaded.cache).toBe('rejected')
    expect(loaded.exports.answer).toBe(42)
    expect(traces[0]).toMatch(/^code cache rejected: /)
    exit()
    expect(load().cache).toBe('hit')
  })

  it('falls back to the next folder when the first cannot be written, and runs without a cache when none can', () => {
    // a file where the folder would be: not writable, even for root
    writeFileSync(path.join(tmp, 'dist', '.code-cache'), 'a file')
    load()
    exit()
    expect(cacheFiles(dirs[1])).toHaveLength(1)
    expect(load().cache).toBe('hit')
    rmSync(path.join(tmp, 'user-cache'), {recursive: true, force: true})
    writeFileSync(path.join(tmp, 'user-cache'), 'a file too')
    const none = load()
    expect(none.cache).toBe('miss')
    expect(none.exports.answer).toBe(42)
    expect(() => exit()).not.toThrow()
    expect(traces.at(-1)).toBe('code cache not written: no writable folder')
    expect(readdirSync(tmp).sort()).toEqual(['dist', 'user-cache'])
  })

  it('is rewritten once for each new command, keeping the commands already in it', () => {
    load({use: () => 'up'})
    exit()
    const file = path.join(dirs[0], cacheName(readFileSync(bundle), bundle))
    expect(readCache(file)?.uses).toEqual(['up'])
    load({use: () => 'up'})
    expect(pending).toHaveLength(0)
    load({use: () => 'volumes:clone'})
    exit()
    expect(readCache(file)?.uses).toEqual(['up', 'volumes:clone'])
  })

  it('leaves no temporary files behind', () => {
    load()
    exit()
    load({use: () => 'up'})
    exit()
    expect(readdirSync(dirs[0]).filter((f) => !f.endsWith('.v8'))).toEqual([])
  })

  it('stack traces point at the bundle file, line and column as in the file (its source map applies)', () => {
    const loaded = load()
    let stack = ''
    try {
      ;(loaded.exports.fail as () => void)()
    } catch (error) {
      stack = (error as Error).stack ?? ''
    }
    const line = BUNDLE.split('\n').findIndex((l) => l.includes('function fail()'))
    const column = BUNDLE.split('\n')[line].indexOf('new Error') + 1
    expect(stack).toContain(`${bundle}:${line + 1}:${column}`)
    exit()
    const cached = load()
    expect(cached.cache).toBe('hit')
    try {
      ;(cached.exports.fail as () => void)()
    } catch (error) {
      stack = (error as Error).stack ?? ''
    }
    expect(stack).toContain(`${bundle}:${line + 1}:${column}`)
  })
})

describe('cacheName', () => {
  it('changes with the bundle and names the bundle', () => {
    const a = cacheName(Buffer.from('a'), '/x/dist/index.js')
    expect(a).toMatch(/^index-[0-9a-f]{16}-[0-9a-f]{8}\.v8$/)
    expect(cacheName(Buffer.from('b'), '/x/dist/index.js')).not.toBe(a)
    expect(cacheName(Buffer.from('a'), '/y/dist/index.js')).toBe(a)
  })
})

describe('cacheDirs', () => {
  it('next to the bundle first, then XDG_CACHE_HOME/berth or ~/.cache/berth', () => {
    expect(cacheDirs('/opt/berth/dist/index.js', {XDG_CACHE_HOME: '/c'})).toEqual(['/opt/berth/dist/.code-cache', '/c/berth'])
    expect(cacheDirs('/opt/berth/dist/index.js', {XDG_CACHE_HOME: 'relative'})).toEqual(['/opt/berth/dist/.code-cache', path.join(os.homedir(), '.cache', 'berth')])
  })
})

describe('commandOf', () => {
  const ids = ['up', 'volumes:clone', 'volumes:ls', 'status']
  it('the longest command id the leading words name', () => {
    expect(commandOf(['volumes', 'clone', 'main', 'c1', '--quiet'], ids)).toBe('volumes:clone')
    expect(commandOf(['up', 'web'], ids)).toBe('up')
    expect(commandOf(['status', '--json'], ids)).toBe('status')
    expect(commandOf(['--help'], ids)).toBe('')
    expect(commandOf([], ids)).toBe('')
    expect(commandOf(['frobnicate'], ids)).toBe('?')
  })
})
