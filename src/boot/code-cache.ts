/**
 * Loads berth's bundle (dist/index.js, one CommonJS file) through V8's code cache, as Node 22's
 * module.enableCompileCache() does and Node 20 cannot: compiling the bundle's code is most of berth's
 * start-up, and a cache of the compiled code makes that a read. bin/run.js calls loadBundle before
 * anything else; it is built on its own (dist/boot.js) and imports only Node's modules.
 *
 * The cache is an optimisation only: missing, stale (another build, Node version, architecture or V8
 * flags: all in the file's name), corrupt (checksum), or rejected by V8, the bundle is compiled as
 * usual and a fresh cache written when the command ends. Written as a temporary file renamed into
 * place, so parallel berth processes never read half a file; where it cannot be written (a read-only
 * install, a full disk) berth runs as without it. It lives next to the bundle (dist/.code-cache/), or
 * in $XDG_CACHE_HOME/berth (~/.cache/berth) when dist/ is not writable; deleting it is always safe.
 */
import {isAscii} from 'node:buffer'
import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import Module from 'node:module'
import os from 'node:os'
import path from 'node:path'
import vm from 'node:vm'

/** What the cache file starts with; then the checksum and the commands it was made by, then V8's data. */
const MAGIC = 'berth-code-cache 1\n'
/** Cache files of other builds in the user's cache folder are removed when older than this. */
const STALE_MS = 30 * 24 * 3600 * 1000
/** At most this many commands are recorded in one cache file (each new one rewrites the file once). */
const MAX_USES = 40

export interface BootOptions {
  /** Folders for the cache, in order: the first one writable gets it. Default: cacheDirs(bundle). */
  dirs?: string[]
  /** Which command this run is (the cache is rewritten once for each new one, so it holds its code). */
  use?: (exports: Record<string, unknown>) => string
  /** A line for BERTH_DEBUG=1. */
  trace?: (line: string) => void
  /** Where the cache is written at the end (default: process 'exit'); tests call the returned function themselves. */
  onExit?: (write: () => void) => void
}

export interface Loaded {
  exports: Record<string, unknown>
  /** 'hit', 'miss' (no file), 'rejected' (V8 or the checksum refused it). */
  cache: 'hit' | 'miss' | 'rejected'
  /** The cache file read or to be written (in the first folder that takes it). */
  file: string
}

/** Default folders: dist/.code-cache, then $XDG_CACHE_HOME/berth or ~/.cache/berth. */
export function cacheDirs(bundle: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [path.join(path.dirname(bundle), '.code-cache')]
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) dirs.push(path.join(env.XDG_CACHE_HOME, 'berth'))
  else {
    try {
      dirs.push(path.join(os.homedir(), '.cache', 'berth'))
    } catch {
      // no home folder: next to the bundle only
    }
  }
  return dirs
}

/** The command a command line runs, as the bundle's command table names it ('volumes:clone'); '' for none (berth --help). */
export function commandOf(argv: string[], ids: string[]): string {
  const words: string[] = []
  for (const arg of argv.slice(0, 3)) {
    if (arg.startsWith('-')) break
    words.push(arg)
  }
  for (let n = words.length; n > 0; n--) if (ids.includes(words.slice(0, n).join(':'))) return words.slice(0, n).join(':')
  return words.length === 0 ? '' : '?'
}

/** The cache file's name: the bundle's content and everything V8 checks its code cache against. */
export function cacheName(source: Buffer, bundle: string): string {
  const runtime = createHash('sha256')
    .update([process.version, process.arch, process.platform, JSON.stringify(process.execArgv), process.env.NODE_OPTIONS ?? ''].join('\0'))
    .digest('hex')
  const code = createHash('sha256').update(source).digest('hex')
  return `${path.basename(bundle, '.js')}-${code.slice(0, 16)}-${runtime.slice(0, 8)}.v8`
}

interface CacheFile {
  data: Buffer
  uses: string[]
}

/** A cache file's V8 data and the commands recorded in it; undefined when absent or not intact. */
export function readCache(file: string): CacheFile | undefined {
  let raw: Buffer
  try {
    raw = readFileSync(file)
  } catch {
    return undefined
  }
  const headerEnd = raw.indexOf('\n', MAGIC.length)
  if (headerEnd < 0 || raw.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return undefined
  const [sum, ...uses] = raw.subarray(MAGIC.length, headerEnd).toString('utf8').split('\t')
  const data = raw.subarray(headerEnd + 1)
  if (data.length === 0 || checksum(data) !== sum) return undefined
  return {data, uses}
}

/** Writes a cache file atomically (a temporary file renamed into place); false when it could not. */
export function writeCache(file: string, data: Buffer, uses: string[]): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`
  try {
    mkdirSync(path.dirname(file), {recursive: true})
    const header = `${MAGIC}${checksum(data)}${uses.map((u) => `\t${u.replace(/[\t\n]/g, ' ')}`).join('')}\n`
    writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'utf8'), data]))
    renameSync(tmp, file)
    return true
  } catch {
    try {
      rmSync(tmp, {force: true})
    } catch {
      // the folder is not one (ENOTDIR): nothing was written
    }
    return false
  }
}

function checksum(data: Buffer): string {
  return createHash('sha1').update(data).digest('base64')
}

/** Compiles and runs the bundle as a CommonJS module (in require.cache, as if required), with the code cache. */
export function loadBundle(bundle: string, options: BootOptions = {}): Loaded {
  const trace = options.trace ?? (() => {})
  const dirs = options.dirs ?? cacheDirs(bundle)
  const source = readFileSync(bundle)
  const name = cacheName(source, bundle)
  let file = path.join(dirs[0], name)
  let found: CacheFile | undefined
  for (const dir of dirs) {
    found = readCache(path.join(dir, name))
    if (found) {
      file = path.join(dir, name)
      break
    }
  }
  // The wrapper on lines of its own (lineOffset -1): positions in stack traces are the bundle's own, as its source map's.
  // The build makes the bundle ASCII, which Latin-1 reads as fast as a copy (UTF-8 decoding costs ~10 ms).
  const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8')
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${text}\n})`, {
    filename: bundle,
    lineOffset: -1,
    cachedData: found?.data,
  })
  const cache: Loaded['cache'] = !found ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit'
  trace(`code cache ${cache}: ${found ? file : name}`)
  const exports = run(script, bundle)
  const use = options.use?.(exports) ?? ''
  if (cache !== 'hit' || !found?.uses.includes(use)) {
    const uses = cache === 'hit' && found ? [...found.uses, use].slice(-MAX_USES) : [use]
    const write = () => {
      let data: Buffer
      try {
        data = script.createCachedData()
      } catch {
        return trace('code cache not written: V8 made none')
      }
      for (const dir of dirs) {
        const target = path.join(dir, name)
        if (writeCache(target, data, uses)) {
          trace(`code cache written: ${target} (${Math.round(data.length / 1024)} KB${use ? `, ${use}` : ''})`)
          pruneStale(dir, name)
          return
        }
      }
      trace('code cache not written: no writable folder')
    }
    ;(options.onExit ?? ((w) => process.once('exit', w)))(write)
  }
  return {exports, cache, file}
}

function run(script: vm.Script, bundle: string): Record<string, unknown> {
  const mod = new Module(bundle)
  mod.filename = bundle
  mod.paths = (Module as unknown as {_nodeModulePaths(dir: string): string[]})._nodeModulePaths(path.dirname(bundle))
  const cache = (Module as unknown as {_cache: Record<string, Module>})._cache
  cache[bundle] = mod
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void
    wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle))
  } catch (error) {
    delete cache[bundle]
    throw error
  }
  mod.loaded = true
  return mod.exports as Record<string, unknown>
}

/** Cache files of other builds of the same bundle, untouched for a month (an older berth's, most likely). */
function pruneStale(dir: string, keep: string): void {
  const prefix = keep.slice(0, keep.indexOf('-') + 1)
  try {
    for (const entry of readdirSync(dir)) {
      if (entry === keep || !entry.startsWith(prefix)) continue
      const file = path.join(dir, entry)
      if (Date.now() - statSync(file).mtimeMs > STALE_MS) rmSync(file, {force: true})
    }
  } catch {
    // best effort
  }
}
