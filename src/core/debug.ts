/**
 * Debugging, the pure parts: breakpoint specs, host <-> container paths through mounts, DevTools URLs,
 * source maps (original <-> generated positions) and the VS Code launch.json merge.
 */
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {decode, type SourceMapMappings} from '@jridgewell/sourcemap-codec'
import {applyEdits, modify, parse, type ParseError} from 'jsonc-parser'
import {BerthError, ExitCode} from './errors.js'

export interface BreakSpec {
  file: string
  /** 1-based. */
  line: number
}

/** "src/server.ts:12" (the file may itself hold colons: the last one splits). */
export function parseBreakSpec(text: string): BreakSpec {
  const m = /^(.+):(\d+)$/.exec(text.trim())
  if (!m || Number(m[2]) < 1) {
    throw new BerthError(`--break wants FILE:LINE (got "${text}")`, {exitCode: ExitCode.USAGE, hints: ['For example: berth debug web --break app/server.js:30']})
  }
  return {file: m[1], line: Number(m[2])}
}

export interface Mount {
  /** Host path. */
  source: string
  /** Path in the container. */
  target: string
}

function inside(parent: string, child: string): string | undefined {
  const rel = path.posix.relative(parent, child)
  if (rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel))) return rel
  return undefined
}

/** The container path of a host file, through the deepest bind mount holding it. */
export function hostToContainer(file: string, mounts: Mount[]): string | undefined {
  let best: {mount: Mount; rel: string} | undefined
  for (const mount of mounts) {
    const rel = inside(mount.source, file)
    if (rel !== undefined && (!best || mount.source.length > best.mount.source.length)) best = {mount, rel}
  }
  return best ? path.posix.join(best.mount.target, best.rel) : undefined
}

/** The host path of a container file, through the deepest mount target holding it. */
export function containerToHost(file: string, mounts: Mount[]): string | undefined {
  let best: {mount: Mount; rel: string} | undefined
  for (const mount of mounts) {
    const rel = inside(mount.target, file)
    if (rel !== undefined && (!best || mount.target.length > best.mount.target.length)) best = {mount, rel}
  }
  return best ? path.join(best.mount.source, best.rel) : undefined
}

/** A script URL as V8 reports it ("/src/a.js" for CommonJS, "file:///src/a.mjs" for ESM) as a path. */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return undefined
    }
  }
  return url.startsWith('/') ? url : undefined
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A urlRegex matching a container path as a CommonJS path or an ESM file URL. */
export function scriptUrlRegex(containerPath: string): string {
  return `^(${escapeRegex(containerPath)}|${escapeRegex(pathToFileURL(containerPath).href)})$`
}

export interface DevtoolsLinks {
  ws: string
  devtools: string
  chrome: string
}

export function devtoolsLinks(host: string, port: number, id: string, given?: {ws?: string; devtools?: string}): DevtoolsLinks {
  const ws = given?.ws ?? `ws://${host}:${port}/${id}`
  const devtools = given?.devtools ?? `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${host}:${port}/${id}`
  return {ws, devtools, chrome: `open chrome://inspect, Configure... add ${host}:${port}, then "inspect" under Remote Target`}
}

// ---- Source maps -------------------------------------------------------------------------------

export interface RawSourceMap {
  version: number
  sources: Array<string | null>
  sourceRoot?: string
  mappings: string
  sourcesContent?: Array<string | null>
}

export interface Position {
  /** 0-based, as in CDP. */
  line: number
  column: number
}

export class SourceMapIndex {
  private readonly decoded: SourceMapMappings
  /** Absolute paths (in the container) of the map's sources. */
  readonly sources: Array<string | undefined>

  /** `base`: the URL the map's sources are relative to (the map's own URL, or the script's for inline maps). */
  constructor(map: RawSourceMap, base: string) {
    this.decoded = decode(map.mappings)
    const root = map.sourceRoot ? new URL(map.sourceRoot.endsWith('/') ? map.sourceRoot : `${map.sourceRoot}/`, base).href : base
    this.sources = map.sources.map((s) => {
      if (s === null) return undefined
      try {
        return scriptPath(new URL(s, root).href)
      } catch {
        return undefined
      }
    })
  }

  sourceIndex(file: string): number {
    return this.sources.indexOf(file)
  }

  /** The first generated position of an original line (or of the next lines with code, up to 10 on). */
  generatedFor(source: number, line: number): Position | undefined {
    for (let l = line; l < line + 10; l++) {
      let best: Position | undefined
      this.decoded.forEach((segments, genLine) => {
        for (const seg of segments) {
          if (seg.length >= 4 && seg[1] === source && seg[2] === l) {
            if (!best || genLine < best.line || (genLine === best.line && seg[0] < best.column)) best = {line: genLine, column: seg[0]}
          }
        }
      })
      if (best) return best
    }
    return undefined
  }

  /** The original position of a generated one. */
  originalFor(pos: Position): {source: string | undefined; line: number; column: number} | undefined {
    const segments = this.decoded[pos.line]
    if (!segments) return undefined
    let found: number[] | undefined
    for (const seg of segments) {
      if (seg[0] <= pos.column && seg.length >= 4) found = seg
      if (seg[0] > pos.column) break
    }
    found ??= segments.find((s) => s.length >= 4)
    if (!found) return undefined
    return {source: this.sources[found[1]], line: found[2], column: found[3]}
  }
}

/** A source map from a sourceMappingURL: inline data URLs decoded, others left to the caller (undefined). */
export function inlineSourceMap(url: string): RawSourceMap | undefined {
  const m = /^data:application\/json(?:;charset=[^;,]+)?(;base64)?,(.*)$/s.exec(url)
  if (!m) return undefined
  const text = m[1] ? Buffer.from(m[2], 'base64').toString('utf8') : decodeURIComponent(m[2])
  return JSON.parse(text) as RawSourceMap
}

// ---- VS Code -----------------------------------------------------------------------------------

export interface AttachConfig {
  type: 'node'
  request: 'attach'
  name: string
  address: string
  port: number
  localRoot: string
  remoteRoot: string
  restart: true
  skipFiles: string[]
  sourceMaps: true
}

export function attachConfig(service: string, port: number, localRoot: string, remoteRoot: string): AttachConfig {
  return {
    type: 'node',
    request: 'attach',
    name: `berth: ${service}`,
    address: '127.0.0.1',
    port,
    localRoot,
    remoteRoot,
    restart: true,
    skipFiles: ['<node_internals>/**', '${workspaceFolder}/**/node_modules/**'],
    sourceMaps: true,
  }
}

export const COMPOUND_NAME = 'berth: all services'

/**
 * Merge attach configurations (and one compound of all of them) into a launch.json text: entries with
 * the same name are replaced, everything else (other configurations, comments, formatting) is kept.
 */
export function mergeLaunchJson(text: string | undefined, configs: AttachConfig[], compoundName = COMPOUND_NAME): string {
  const formattingOptions = {insertSpaces: true, tabSize: 2, eol: '\n'}
  let out = text && text.trim() ? text : '{\n  "version": "0.2.0",\n  "configurations": []\n}\n'
  const errors: ParseError[] = []
  const read = () => parse(out, errors, {allowTrailingComma: true, disallowComments: false}) as {configurations?: unknown; compounds?: unknown} | undefined
  let doc = read()
  if (errors.length > 0 || doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BerthError('.vscode/launch.json is not valid JSON with comments; berth leaves it as it is', {
      exitCode: ExitCode.CONFIG,
      hints: ['Fix the file (VS Code shows the problem), or move it away and run berth debug --vscode again.'],
    })
  }
  const edit = (p: Array<string | number>, value: unknown, insert = false) => {
    out = applyEdits(out, modify(out, p, value, {formattingOptions, isArrayInsertion: insert}))
    doc = read()
  }
  if (!('version' in doc)) edit(['version'], '0.2.0')
  const upsert = (key: 'configurations' | 'compounds', item: {name: string}) => {
    if (!Array.isArray(doc![key])) edit([key], [])
    const list = doc![key] as Array<{name?: unknown}>
    const at = list.findIndex((c) => c && typeof c === 'object' && c.name === item.name)
    if (at >= 0) edit([key, at], item)
    else edit([key, list.length], item, true)
  }
  for (const c of configs) upsert('configurations', c)
  if (configs.length > 0) upsert('compounds', {name: compoundName, configurations: configs.map((c) => c.name)} as {name: string})
  return out.endsWith('\n') ? out : `${out}\n`
}
