/**
 * Use cases of `berth debug`: find the inspector of each Node service of a stack (by labels), open one
 * on demand in a service started without it (SIGUSR1 + a relay through docker exec, bridged to a
 * 127.0.0.1 port), set a breakpoint from the terminal through CDP, and write VS Code attach configurations.
 */
import {existsSync, readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {
  attachConfig,
  containerToHost,
  devtoolsLinks,
  hostToContainer,
  inlineSourceMap,
  mergeLaunchJson,
  scriptPath,
  scriptUrlRegex,
  SourceMapIndex,
  type AttachConfig,
  type BreakSpec,
  type Mount,
  type RawSourceMap,
} from '../core/debug.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {composeProjectName, LABEL} from '../core/naming.js'
import {INSPECTOR_PORT} from '../core/render.js'
import type {ContainerInfo, Engine} from '../docker/engine.js'
import {CdpClient} from '../infra/cdp.js'
import type {Reporter} from '../cli/reporter.js'
import {renderProject} from './render.js'
import type {Project} from './project.js'

export interface DebugTarget {
  service: string
  container: string
  containerId: string
  host: string
  port: number
  /** The inspector target (one per Node process with an open inspector). */
  id: string
  title: string
  ws: string
  devtools: string
  chrome: string
  /** Opened on demand and reached through berth's bridge (alive while berth runs). */
  bridged: boolean
  /** Bind mounts of the container (host -> container paths). */
  mounts: Mount[]
}

interface JsonTarget {
  id: string
  title: string
  type?: string
  url?: string
  webSocketDebuggerUrl?: string
  devtoolsFrontendUrl?: string
}

/** GET /json/list of an inspector on the host. */
export async function inspectorTargets(host: string, port: number, timeoutMs = 1500): Promise<JsonTarget[]> {
  // node:http rather than fetch: loading undici costs more than the request on this path.
  const http = await import('node:http')
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.get({host, port, path: '/json/list', timeout: timeoutMs}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
  })
  return (JSON.parse(body) as JsonTarget[]).filter((t) => !t.type || t.type === 'node')
}

async function pollTargets(host: string, port: number, waitMs: number): Promise<JsonTarget[] | undefined> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      const list = await inspectorTargets(host, port)
      if (list.length > 0) return list
    } catch {
      // not listening (yet)
    }
    if (Date.now() >= deadline) return undefined
    await new Promise((r) => setTimeout(r, 150))
  }
}

function containerName(c: ContainerInfo): string {
  return (c.Names?.[0] ?? c.Id).replace(/^\//, '')
}

/** Running app containers of the stack (one service, or every one with an inspector label). */
export async function debugContainers(project: Project, env: string, service: string | undefined, engine: Engine): Promise<{stack: string; containers: ContainerInfo[]}> {
  const name = project.stack.value.name
  const stack = composeProjectName(name, env, project.ctx.branch)
  const containers = await engine.containers({[LABEL.project]: name, [LABEL.stack]: stack, [LABEL.role]: 'app', ...(service ? {[LABEL.service]: service} : {})}, false)
  if (service && containers.length === 0) {
    throw new BerthError(`service "${service}" of ${stack} is not running`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: [`Start it: berth up${env === 'dev' ? '' : ` ${env}`}`, 'See what runs: berth status'],
    })
  }
  const chosen = service ? containers : containers.filter((c) => c.Labels?.[LABEL.inspector])
  if (chosen.length === 0) {
    throw new BerthError(containers.length === 0 ? `nothing of ${stack} is running` : `no service of ${stack} has the Node inspector`, {
      exitCode: ExitCode.PREFLIGHT,
      hints:
        containers.length === 0
          ? [`Start the stack: berth up${env === 'dev' ? '' : ` ${env}`}`]
          : [`Name the service: berth debug SERVICE${env === 'dev' ? '' : ` --env ${env}`} (berth opens its inspector on demand)`],
    })
  }
  chosen.sort((a, b) => (a.Labels?.[LABEL.service] ?? '').localeCompare(b.Labels?.[LABEL.service] ?? ''))
  return {stack, containers: chosen}
}

// ---- On demand: SIGUSR1 and a relay ------------------------------------------------------------

/** Runs in the container (node -e): finds the app's Node process, sends SIGUSR1, waits for 127.0.0.1:9229. */
const OPEN_SCRIPT = `
const fs = require('fs')
const hex = ':' + (${INSPECTOR_PORT}).toString(16).toUpperCase().padStart(4, '0')
const listening = () => ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => { try { return fs.readFileSync(f, 'utf8').split('\\n').some((l) => { const c = l.trim().split(/\\s+/); return c[3] === '0A' && c[1].endsWith(hex) }) } catch { return false } })
const done = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0) }
if (listening()) done({already: true})
const wrapper = /(^|\\/)(npm|npx|yarn|pnpm|corepack)(\\s|$|-cli|\\.c?js)|\\/(nodemon\\/bin|tsx\\/dist\\/cli|node-dev\\/bin)/
const found = []
for (const p of fs.readdirSync('/proc')) {
  if (!/^\\d+$/.test(p) || Number(p) === process.pid) continue
  let argv, exe = ''
  try { argv = fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').split('\\0').filter(Boolean) } catch { continue }
  try { exe = fs.readlinkSync('/proc/' + p + '/exe') } catch {}
  const line = argv.join(' ')
  if (!/(^|\\/)node[\\w.-]*$/.test(exe) && !/(^|\\/)node(\\s|$)/.test(line)) continue
  if (wrapper.test(line) || argv.includes('-e') || argv.includes('--eval')) continue
  found.push({pid: Number(p), cmd: line})
}
if (found.length === 0) done({error: 'no Node.js process found in the container'})
const app = found.sort((a, b) => b.pid - a.pid)[0]
try { process.kill(app.pid, 'SIGUSR1') } catch (e) { done({error: 'cannot signal pid ' + app.pid + ' (' + app.cmd + '): ' + e.code, pid: app.pid}) }
const until = Date.now() + 4000
const wait = () => listening() ? done({pid: app.pid, cmd: app.cmd, candidates: found.length}) : Date.now() > until ? done({error: 'pid ' + app.pid + ' (' + app.cmd + ') got SIGUSR1 but no inspector listens on 127.0.0.1:${INSPECTOR_PORT}', pid: app.pid}) : setTimeout(wait, 50)
wait()
`

/** Runs in the container (node -e) once per TCP connection: stdin/stdout <-> 127.0.0.1:9229. */
const RELAY_SCRIPT = `
const s = require('net').connect(${INSPECTOR_PORT}, '127.0.0.1')
process.stdin.pipe(s); s.pipe(process.stdout)
s.on('error', (e) => { process.stderr.write(String(e)); process.exit(1) })
s.on('close', () => process.exit(0))
process.stdin.on('end', () => s.end())
`

export interface Bridge {
  port: number
  close(): Promise<void>
}

/** Open the inspector of a running container's app on demand and bridge it to 127.0.0.1:port on the host. */
export async function openOnDemand(engine: Engine, container: ContainerInfo, port: number, reporter: Reporter): Promise<Bridge> {
  const name = containerName(container)
  const service = container.Labels?.[LABEL.service] ?? name
  let res: {code: number; stdout: string; stderr: string}
  try {
    res = await engine.execCapture(container.Id, ['node', '-e', OPEN_SCRIPT])
  } catch (error) {
    throw new BerthError(`cannot run node in ${name} to open its inspector: ${(error as Error).message}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['berth opens an inspector on demand with node inside the container; restart the service in dev (berth up) to get one from the start.'],
    })
  }
  let info: {error?: string; pid?: number; cmd?: string; already?: boolean}
  try {
    info = JSON.parse(res.stdout)
  } catch {
    throw new BerthError(`cannot open the inspector of ${service}: ${(res.stderr || res.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${res.code}`}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['The container needs node on its PATH (any Node.js image has it).'],
    })
  }
  if (info.error) {
    throw new BerthError(`cannot open the inspector of ${service}: ${info.error}`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: [
        'A process started with --disable-sigusr1 or running as another user cannot be signalled; run it in dev (berth up) where the inspector is on from the start.',
        `Or start it with the inspector yourself: NODE_OPTIONS=--inspect=127.0.0.1:${INSPECTOR_PORT} in the service's env.`,
      ],
    })
  }
  reporter.step(info.already ? `The inspector of ${service} is already open inside ${name}` : `Opened the inspector of ${service} (pid ${info.pid}: ${info.cmd}) with SIGUSR1`)

  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy())
    engine
      .execPipe(container.Id, ['node', '-e', RELAY_SCRIPT], socket, socket)
      .catch(() => undefined)
      .finally(() => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new BerthError(`cannot open the bridge on 127.0.0.1:${port}: ${error.code ?? error.message}`, {
          exitCode: ExitCode.PREFLIGHT,
          hints: ['Pick another port with --port, or leave it out for a free one.'],
        }),
      ),
    )
    server.listen({host: '127.0.0.1', port}, () => resolve())
  })
  const actual = (server.address() as net.AddressInfo).port
  return {
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface TargetsResult {
  stack: string
  targets: DebugTarget[]
  bridges: Bridge[]
}

/** The inspector targets of the stack's Node services (or one service), opening one on demand where needed. */
export async function debugTargets(project: Project, options: {env: string; service?: string; bridgePort?: number}, deps: {engine: Engine; reporter: Reporter}): Promise<TargetsResult> {
  const {stack, containers} = await debugContainers(project, options.env, options.service, deps.engine)
  const targets: DebugTarget[] = []
  const bridges: Bridge[] = []
  const host = '127.0.0.1'
  try {
    for (const c of containers) {
      const service = c.Labels?.[LABEL.service] ?? containerName(c)
      const labelled = Number(c.Labels?.[LABEL.inspector] ?? 0)
      let port = labelled
      let list = labelled ? await pollTargets(host, labelled, 3000) : undefined
      let bridged = false
      if (!list) {
        if (labelled) deps.reporter.warn(`${service}: nothing answers on its inspector port ${host}:${labelled}; opening one on demand`)
        const bridge = await openOnDemand(deps.engine, c, options.bridgePort ?? 0, deps.reporter)
        bridges.push(bridge)
        port = bridge.port
        bridged = true
        list = await pollTargets(host, port, 5000)
        if (!list) throw new BerthError(`the inspector of ${service} does not answer through the bridge on ${host}:${port}`, {exitCode: ExitCode.DOCKER})
      }
      for (const t of list) {
        targets.push({
          service,
          container: containerName(c),
          containerId: c.Id,
          host,
          port,
          id: t.id,
          title: t.title,
          ...devtoolsLinks(host, port, t.id, {ws: t.webSocketDebuggerUrl, devtools: t.devtoolsFrontendUrl}),
          bridged,
          mounts: (c.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => ({source: m.Source, target: m.Destination})),
        })
      }
    }
  } catch (error) {
    await Promise.all(bridges.map((b) => b.close()))
    throw error
  }
  return {stack, targets, bridges}
}

// ---- Breakpoints from the terminal -------------------------------------------------------------

interface ScriptInfo {
  scriptId: string
  url: string
  sourceMapURL?: string
}

interface RemoteObject {
  type: string
  subtype?: string
  value?: unknown
  unserializableValue?: string
  description?: string
  objectId?: string
  preview?: {overflow?: boolean; properties: Array<{name: string; type: string; value?: string}>}
}

interface CallFrame {
  callFrameId: string
  functionName: string
  url: string
  location: {scriptId: string; lineNumber: number; columnNumber: number}
  scopeChain: Array<{type: string; object: RemoteObject}>
}

export interface FrameInfo {
  function: string
  /** The file on the host when it is mounted, else the path (or URL) in the container. */
  file: string
  /** 1-based, in the original source when a source map says so. */
  line: number
  column: number
  /** Where V8 runs it (the generated file for compiled code). */
  generated: {url: string; line: number; column: number}
}

export interface BreakResult {
  service: string
  breakpoint: {file: string; line: number; remote: string; mapped: boolean}
  paused: FrameInfo
  stack: FrameInfo[]
  locals: Record<string, string>
}

export function showValue(v: RemoteObject | undefined): string {
  if (!v || v.type === 'undefined') return 'undefined'
  if (v.unserializableValue) return v.unserializableValue
  if (v.type === 'string') return JSON.stringify(v.value)
  if (v.type !== 'object') return v.type === 'function' ? `[Function ${v.description?.split('(')[0].replace(/^(async )?function /, '') ?? ''}]` : String(v.value)
  if (v.subtype === 'null') return 'null'
  if (v.preview) {
    const props = v.preview.properties.map((p) => (v.subtype === 'array' ? '' : `${p.name}: `) + (p.type === 'string' ? JSON.stringify(p.value) : (p.value ?? p.type)))
    const more = v.preview.overflow ? ', …' : ''
    return v.subtype === 'array' ? `${v.description} [${props.join(', ')}${more}]` : `${v.description} {${props.join(', ')}${more}}`
  }
  return v.description ?? v.type
}

async function readMap(script: ScriptInfo, mounts: Mount[]): Promise<SourceMapIndex | undefined> {
  if (!script.sourceMapURL) return undefined
  try {
    const inline = inlineSourceMap(script.sourceMapURL)
    if (inline) return new SourceMapIndex(inline, script.url.startsWith('/') ? `file://${script.url}` : script.url)
    const base = script.url.startsWith('/') ? `file://${script.url}` : script.url
    const mapUrl = new URL(script.sourceMapURL, base).href
    const remote = scriptPath(mapUrl)
    const local = remote ? containerToHost(remote, mounts) : undefined
    if (!local || !existsSync(local)) return undefined
    return new SourceMapIndex(JSON.parse(readFileSync(local, 'utf8')) as RawSourceMap, mapUrl)
  } catch {
    return undefined
  }
}

const stem = (p: string) => path.posix.basename(p).replace(/\.[^.]+$/, '')

/**
 * Attach to a target as a CDP client, set a breakpoint at a host FILE:LINE (mapped to the container and
 * through source maps), wait until it is hit, collect the location, the call stack and the local
 * variables, then remove it, resume and detach.
 */
export async function breakAt(
  target: DebugTarget,
  spec: BreakSpec,
  options: {cwd: string; mounts: Mount[]; timeoutMs?: number; signal?: AbortSignal; onArmed: (message: string) => void},
): Promise<BreakResult> {
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
  const shown = existsSync(hostFile) ? path.relative(options.cwd, hostFile) || hostFile : remote

  const client = await CdpClient.connect(target.ws)
  const scripts = new Map<string, ScriptInfo>()
  const maps = new Map<string, Promise<SourceMapIndex | undefined>>()
  const mapOf = (s: ScriptInfo) => {
    let m = maps.get(s.scriptId)
    if (!m) maps.set(s.scriptId, (m = readMap(s, options.mounts)))
    return m
  }
  let onScript: ((s: ScriptInfo) => void) | undefined
  client.on('Debugger.scriptParsed', (s: ScriptInfo) => {
    scripts.set(s.scriptId, s)
    onScript?.(s)
  })
  let breakpointId: string | undefined
  const cleanup = async () => {
    try {
      if (breakpointId) await client.send('Debugger.removeBreakpoint', {breakpointId})
      await client.send('Debugger.resume').catch(() => undefined)
    } finally {
      await client.close()
    }
  }
  try {
    await client.send('Debugger.enable')
    const line0 = spec.line - 1

    // Compiled code: the script whose source map has this file.
    const mapped = async (candidates: ScriptInfo[]): Promise<{url: string; line: number; column: number} | undefined> => {
      for (const s of candidates) {
        const idx = await mapOf(s)
        if (!idx) continue
        let k = idx.sourceIndex(remote)
        if (k < 0 && scriptPath(s.url) === remote && idx.sources.length === 1) k = 0
        if (k < 0) continue
        const gen = idx.generatedFor(k, line0)
        if (gen) return {url: s.url, ...gen}
      }
      return undefined
    }
    const all = [...scripts.values()].filter((s) => !s.url.startsWith('node:') && s.url !== '')
    const exact = all.filter((s) => scriptPath(s.url) === remote)
    let location: {url?: string; urlRegex?: string; line: number; column?: number; mapped: boolean} | undefined
    if (exact.some((s) => !s.sourceMapURL)) location = {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
    if (!location) {
      const withMaps = all.filter((s) => s.sourceMapURL && !/\/node_modules\//.test(s.url))
      const first = [...exact, ...withMaps.filter((s) => !exact.includes(s) && stem(scriptPath(s.url) ?? '') === stem(remote))]
      const rest = withMaps.filter((s) => !first.includes(s))
      const hit = (await mapped(first)) ?? (await mapped(rest))
      if (hit) location = {url: hit.url, line: hit.line, column: hit.column, mapped: true}
    }
    if (!location && exact.length > 0) location = {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
    let pendingNote = ''
    if (!location) {
      if (/\.(ts|tsx|mts|cts|jsx|coffee)$/.test(remote)) {
        // Not loaded yet: set it when a script with a source map for it appears.
        pendingNote = ` (pending: ${remote} is not loaded yet)`
        onScript = (s) => {
          if (!s.sourceMapURL || breakpointId === undefined) return
          void mapped([s]).then(async (hit) => {
            if (!hit) return
            onScript = undefined
            await client.send('Debugger.removeBreakpoint', {breakpointId}).catch(() => undefined)
            const r = await client.send<{breakpointId: string}>('Debugger.setBreakpointByUrl', {url: hit.url, lineNumber: hit.line, columnNumber: hit.column})
            breakpointId = r.breakpointId
          })
        }
        location = {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
      } else {
        pendingNote = ` (pending: ${remote} is not loaded yet)`
        location = {urlRegex: scriptUrlRegex(remote), line: line0, mapped: false}
      }
    }
    const set = await client.send<{breakpointId: string; locations: unknown[]}>('Debugger.setBreakpointByUrl', {
      ...(location.url ? {url: location.url} : {urlRegex: location.urlRegex}),
      lineNumber: location.line,
      ...(location.column !== undefined ? {columnNumber: location.column} : {}),
    })
    breakpointId = set.breakpointId
    options.onArmed(`breakpoint armed at ${shown}:${spec.line} in ${target.service} (${remote}:${spec.line}${location.mapped ? `, generated ${scriptPath(location.url!) ?? location.url}:${location.line + 1}` : ''})${pendingNote}`)

    const paused = await new Promise<{callFrames: CallFrame[]}>((resolve, reject) => {
      const timer = options.timeoutMs
        ? setTimeout(() => reject(new BerthError(`the breakpoint at ${shown}:${spec.line} was not hit within ${Math.round(options.timeoutMs! / 1000)} s`, {exitCode: ExitCode.FAILURE, hints: ['Make the code run (send the request), or give more time with --timeout.']})), options.timeoutMs)
        : undefined
      options.signal?.addEventListener('abort', () => {
        if (timer) clearTimeout(timer)
        reject(new BerthError('interrupted: breakpoint removed, the app runs on', {exitCode: ExitCode.INTERRUPTED}))
      })
      client.on('close', () => reject(new BerthError(`the inspector of ${target.service} went away (the app restarted or stopped)`, {exitCode: ExitCode.FAILURE, hints: ['Run the same command again: the inspector comes back on the same port.']})))
      client.on('Debugger.paused', (p: {callFrames: CallFrame[]; hitBreakpoints?: string[]}) => {
        if (breakpointId && p.hitBreakpoints?.includes(breakpointId)) {
          if (timer) clearTimeout(timer)
          resolve(p)
        } else {
          void client.send('Debugger.resume').catch(() => undefined)
        }
      })
    })

    const frameInfo = async (f: CallFrame): Promise<FrameInfo> => {
      const script = scripts.get(f.location.scriptId)
      const url = f.url || script?.url || ''
      const generated = {url, line: f.location.lineNumber + 1, column: f.location.columnNumber + 1}
      let file = scriptPath(url) ?? url
      let line = generated.line
      let column = generated.column
      if (script?.sourceMapURL && !/\/node_modules\//.test(url)) {
        const orig = (await mapOf(script))?.originalFor({line: f.location.lineNumber, column: f.location.columnNumber})
        if (orig?.source) {
          file = orig.source
          line = orig.line + 1
          column = orig.column + 1
        }
      }
      const local = file.startsWith('/') ? containerToHost(file, options.mounts) : undefined
      return {function: f.functionName || '(anonymous)', file: local ?? file, line, column, generated}
    }
    const stack = await Promise.all(paused.callFrames.map(frameInfo))
    const locals: Record<string, string> = {}
    for (const scope of paused.callFrames[0]?.scopeChain ?? []) {
      if (scope.type !== 'local' && scope.type !== 'block') break
      if (!scope.object.objectId) continue
      const props = await client.send<{result: Array<{name: string; value?: RemoteObject}>}>('Runtime.getProperties', {objectId: scope.object.objectId, ownProperties: true, generatePreview: true})
      for (const p of props.result) if (!(p.name in locals)) locals[p.name] = showValue(p.value)
    }
    return {service: target.service, breakpoint: {file: shown, line: spec.line, remote, mapped: location.mapped}, paused: stack[0], stack, locals}
  } finally {
    await cleanup()
  }
}

// ---- VS Code -----------------------------------------------------------------------------------

export interface VscodeResult {
  file: string
  configurations: AttachConfig[]
}

/** Attach configurations for the dev stack's Node services, from the rendered stack (ports are deterministic). */
export async function vscodeConfigs(project: Project, env: string, workspace: string, service?: string): Promise<AttachConfig[]> {
  const {result} = await renderProject(project, env)
  const services = result.compose.services as Record<string, {volumes?: Array<Record<string, unknown>>; working_dir?: string}>
  const out: AttachConfig[] = []
  for (const p of result.ports.filter((x) => x.role === 'inspector' && (!service || x.service === service))) {
    const binds = (services[p.service].volumes ?? []).filter((v) => v.type === 'bind' && typeof v.source === 'string' && v.target !== '/opt/berth')
    const main = binds.find((v) => v.target === services[p.service].working_dir) ?? binds[0]
    const source = main ? String(main.source).replace(/\$\$/g, '$') : workspace
    const rel = path.relative(workspace, source).split(path.sep).join('/')
    out.push(attachConfig(p.service, p.host, rel ? `\${workspaceFolder}/${rel}` : '${workspaceFolder}', main ? String(main.target) : '/src'))
  }
  if (out.length === 0) {
    throw new BerthError(service ? `service "${service}" has no Node inspector in ${env}` : `no service of this stack has the Node inspector in ${env}`, {
      exitCode: ExitCode.USAGE,
      hints: ['The inspector is on for services with template: node in dev (params.inspector: true).'],
    })
  }
  return out
}

export function writeVscode(workspace: string, configs: AttachConfig[], io: {read(file: string): string | undefined; write(file: string, text: string): void}): VscodeResult {
  const file = path.join(workspace, '.vscode', 'launch.json')
  io.write(file, mergeLaunchJson(io.read(file), configs))
  return {file, configurations: configs}
}
