/**
 * berth debug --break FILE:LINE: attach to a target as a DevTools Protocol client, set a breakpoint at a
 * host FILE:LINE (mapped into the container, and through source maps for compiled code), wait until it is
 * hit, collect the location, the call stack and the local variables, then remove it, resume and detach.
 */
import path from 'node:path'
import {containerToHost, hostToContainer, inlineSourceMap, scriptPath, scriptUrlRegex, SourceMapIndex, type BreakSpec, type Mount, type RawSourceMap} from '../../core/debug.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import type {CdpSession, Deps} from '../ports.js'
import {showValue, type BreakResult, type CallFrame, type FrameInfo, type RemoteObject, type ScriptInfo} from './cdp-types.js'
import type {DebugTarget} from './targets.js'

export {showValue, type BreakResult, type FrameInfo} from './cdp-types.js'

export interface BreakOptions {
  cwd: string
  mounts: Mount[]
  timeoutMs?: number
  signal?: AbortSignal
  onArmed: (message: string) => void
}

type BreakDeps = Pick<Deps, 'debug' | 'files'>

/** Where a breakpoint goes in V8's terms: a script URL (or a regex of it), a 0-based line, maybe a column. */
interface Location {
  url?: string
  urlRegex?: string
  line: number
  column?: number
  mapped: boolean
}

const stem = (p: string) => path.posix.basename(p).replace(/\.[^.]+$/, '')

/** A script's source map (inline, or a file mounted from the host), or undefined. */
function readMap(script: ScriptInfo, mounts: Mount[], files: BreakDeps['files']): SourceMapIndex | undefined {
  if (!script.sourceMapURL) return undefined
  try {
    const base = script.url.startsWith('/') ? `file://${script.url}` : script.url
    const inline = inlineSourceMap(script.sourceMapURL)
    if (inline) return new SourceMapIndex(inline, base)
    const mapUrl = new URL(script.sourceMapURL, base).href
    const remote = scriptPath(mapUrl)
    const local = remote ? containerToHost(remote, mounts) : undefined
    const text = local ? files.readOptional(local) : undefined
    return text === undefined ? undefined : new SourceMapIndex(JSON.parse(text) as RawSourceMap, mapUrl)
  } catch {
    return undefined
  }
}

/** The scripts V8 has parsed, and their source maps (read once each). */
class Scripts {
  readonly all = new Map<string, ScriptInfo>()
  private readonly maps = new Map<string, SourceMapIndex | undefined>()
  constructor(
    private readonly mounts: Mount[],
    private readonly files: BreakDeps['files'],
  ) {}

  mapOf(s: ScriptInfo): SourceMapIndex | undefined {
    if (!this.maps.has(s.scriptId)) this.maps.set(s.scriptId, readMap(s, this.mounts, this.files))
    return this.maps.get(s.scriptId)
  }

  /** Compiled code: the first of these scripts whose source map has `remote`, and the generated position of line0. */
  mapped(candidates: ScriptInfo[], remote: string, line0: number): {url: string; line: number; column: number} | undefined {
    for (const s of candidates) {
      const idx = this.mapOf(s)
      if (!idx) continue
      let k = idx.sourceIndex(remote)
      if (k < 0 && scriptPath(s.url) === remote && idx.sources.length === 1) k = 0
      if (k < 0) continue
      const gen = idx.generatedFor(k, line0)
      if (gen) return {url: s.url, ...gen}
    }
    return undefined
  }
}

/** The path in the container of a host FILE (through the bind mounts), and how to show it. */
function remotePath(spec: BreakSpec, target: DebugTarget, options: BreakOptions, files: BreakDeps['files']): {remote: string; shown: string} {
  const hostFile = path.resolve(options.cwd, spec.file)
  let remote = hostToContainer(hostFile, options.mounts)
  if (!remote) {
    if (!path.isAbsolute(spec.file)) {
      throw new BerthError(`${spec.file} is not inside a folder mounted into ${target.service}`, {
        exitCode: ExitCode.USAGE,
        hints: [`Give the path inside the container instead, e.g. --break /src/server.js:${spec.line}`, `Mounted: ${options.mounts.map((m) => `${m.source} -> ${m.target}`).join(', ') || 'nothing'}`],
      })
    }
    remote = spec.file
  }
  return {remote, shown: files.exists(hostFile) ? path.relative(options.cwd, hostFile) || hostFile : remote}
}

/** Where to set the breakpoint among the scripts loaded so far; undefined when none has the file yet. */
function findLocation(scripts: Scripts, remote: string, line0: number): Location | undefined {
  const all = [...scripts.all.values()].filter((s) => !s.url.startsWith('node:') && s.url !== '')
  const exact = all.filter((s) => scriptPath(s.url) === remote)
  if (exact.some((s) => !s.sourceMapURL)) return {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
  const withMaps = all.filter((s) => s.sourceMapURL && !/\/node_modules\//.test(s.url))
  const first = [...exact, ...withMaps.filter((s) => !exact.includes(s) && stem(scriptPath(s.url) ?? '') === stem(remote))]
  const rest = withMaps.filter((s) => !first.includes(s))
  const hit = scripts.mapped(first, remote, line0) ?? scripts.mapped(rest, remote, line0)
  if (hit) return {url: hit.url, line: hit.line, column: hit.column, mapped: true}
  if (exact.length > 0) return {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
  return undefined
}

async function setBreakpoint(client: CdpSession, at: Location): Promise<string> {
  const set = await client.send<{breakpointId: string}>('Debugger.setBreakpointByUrl', {
    ...(at.url ? {url: at.url} : {urlRegex: at.urlRegex}),
    lineNumber: at.line,
    ...(at.column !== undefined ? {columnNumber: at.column} : {}),
  })
  return set.breakpointId
}

/** Wait until the breakpoint is hit (other pauses are resumed); rejects on timeout, abort, or the inspector going away. */
function waitForHit(client: CdpSession, isOurs: (ids: string[] | undefined) => boolean, where: string, service: string, options: BreakOptions): Promise<{callFrames: CallFrame[]}> {
  return new Promise((resolve, reject) => {
    const timer = options.timeoutMs
      ? setTimeout(() => reject(new BerthError(`the breakpoint at ${where} was not hit within ${Math.round(options.timeoutMs! / 1000)} s`, {exitCode: ExitCode.FAILURE, hints: ['Make the code run (send the request), or give more time with --timeout.']})), options.timeoutMs)
      : undefined
    options.signal?.addEventListener('abort', () => {
      if (timer) clearTimeout(timer)
      reject(new BerthError('interrupted: breakpoint removed, the app runs on', {exitCode: ExitCode.INTERRUPTED}))
    })
    client.on('close', () => reject(new BerthError(`the inspector of ${service} went away (the app restarted or stopped)`, {exitCode: ExitCode.FAILURE, hints: ['Run the same command again: the inspector comes back on the same port.']})))
    client.on('Debugger.paused', (p: {callFrames: CallFrame[]; hitBreakpoints?: string[]}) => {
      if (isOurs(p.hitBreakpoints)) {
        if (timer) clearTimeout(timer)
        resolve(p)
      } else {
        void client.send('Debugger.resume').catch(() => undefined)
      }
    })
  })
}

/** A paused frame as the user knows it: the original source (through its map) and the host file where mounted. */
function frameInfo(f: CallFrame, scripts: Scripts, mounts: Mount[]): FrameInfo {
  const script = scripts.all.get(f.location.scriptId)
  const url = f.url || script?.url || ''
  const generated = {url, line: f.location.lineNumber + 1, column: f.location.columnNumber + 1}
  let file = scriptPath(url) ?? url
  let line = generated.line
  let column = generated.column
  if (script?.sourceMapURL && !/\/node_modules\//.test(url)) {
    const orig = scripts.mapOf(script)?.originalFor({line: f.location.lineNumber, column: f.location.columnNumber})
    if (orig?.source) {
      file = orig.source
      line = orig.line + 1
      column = orig.column + 1
    }
  }
  const local = file.startsWith('/') ? containerToHost(file, mounts) : undefined
  return {function: f.functionName || '(anonymous)', file: local ?? file, line, column, generated}
}

/** The local (and block) variables of the top frame, shown as text. */
async function localsOf(client: CdpSession, frame: CallFrame | undefined): Promise<Record<string, string>> {
  const locals: Record<string, string> = {}
  for (const scope of frame?.scopeChain ?? []) {
    if (scope.type !== 'local' && scope.type !== 'block') break
    if (!scope.object.objectId) continue
    const props = await client.send<{result: Array<{name: string; value?: RemoteObject}>}>('Runtime.getProperties', {objectId: scope.object.objectId, ownProperties: true, generatePreview: true})
    for (const p of props.result) if (!(p.name in locals)) locals[p.name] = showValue(p.value)
  }
  return locals
}

export async function breakAt(target: DebugTarget, spec: BreakSpec, options: BreakOptions, deps: BreakDeps): Promise<BreakResult> {
  const {remote, shown} = remotePath(spec, target, options, deps.files)
  const line0 = spec.line - 1
  const client = await deps.debug.connect(target.ws)
  const scripts = new Scripts(options.mounts, deps.files)
  let onScript: ((s: ScriptInfo) => void) | undefined
  client.on('Debugger.scriptParsed', (s: ScriptInfo) => {
    scripts.all.set(s.scriptId, s)
    onScript?.(s)
  })
  let breakpointId: string | undefined
  try {
    await client.send('Debugger.enable')
    let location = findLocation(scripts, remote, line0)
    let pendingNote = ''
    if (!location) {
      // Not loaded yet: set it by URL now, and for compiled code move it when a script whose map has the file appears.
      pendingNote = ` (pending: ${remote} is not loaded yet)`
      location = {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
      if (/\.(ts|tsx|mts|cts|jsx|coffee)$/.test(remote)) {
        onScript = (s) => {
          if (!s.sourceMapURL || breakpointId === undefined) return
          const hit = scripts.mapped([s], remote, line0)
          if (!hit) return
          onScript = undefined
          const old = breakpointId
          void client
            .send('Debugger.removeBreakpoint', {breakpointId: old})
            .catch(() => undefined)
            .then(() => setBreakpoint(client, {url: hit.url, line: hit.line, column: hit.column, mapped: true}))
            .then((id) => void (breakpointId = id), () => undefined)
        }
      }
    }
    breakpointId = await setBreakpoint(client, location)
    const generated = location.mapped ? `, generated ${scriptPath(location.url!) ?? location.url}:${location.line + 1}` : ''
    options.onArmed(`breakpoint armed at ${shown}:${spec.line} in ${target.service} (${remote}:${spec.line}${generated})${pendingNote}`)

    const paused = await waitForHit(client, (ids) => breakpointId !== undefined && Boolean(ids?.includes(breakpointId)), `${shown}:${spec.line}`, target.service, options)
    const stack = paused.callFrames.map((f) => frameInfo(f, scripts, options.mounts))
    const locals = await localsOf(client, paused.callFrames[0])
    return {service: target.service, breakpoint: {file: shown, line: spec.line, remote, mapped: location.mapped}, paused: stack[0], stack, locals}
  } finally {
    try {
      if (breakpointId) await client.send('Debugger.removeBreakpoint', {breakpointId})
      await client.send('Debugger.resume').catch(() => undefined)
    } finally {
      await client.close()
    }
  }
}
