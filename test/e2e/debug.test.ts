// Debugging on the real engine: the dev inspector published on 127.0.0.1 only, `debug --json`, a CDP
// client's breakpoint in the HTTP handler, `--break` from the terminal (JavaScript and TypeScript through
// source maps), re-attaching after the app restarts inside the container, and an inspector opened on demand.
import {readFileSync, appendFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import WebSocket from 'ws'
import {httpGet, spawnBerth, useFixtures, waitFor, type CliResult, type TestStack} from './harness.js'

/** Run the CLI and resolve `armed` when it prints its "breakpoint armed" line on stderr. */
function berthBreak(args: string[], fx: TestStack): {armed: Promise<void>; done: Promise<CliResult>} {
  const child = spawnBerth(args, {cwd: fx.dir, env: fx.env})
  let stdout = ''
  let stderr = ''
  let onArmed: () => void
  let onFail: (e: Error) => void
  const armed = new Promise<void>((resolve, reject) => {
    onArmed = resolve
    onFail = reject
  })
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString()
    if (/breakpoint armed/.test(stderr)) onArmed()
  })
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      onFail(new Error(`berth exited (${code}) before arming: ${stderr}`))
      resolve({code: code ?? 1, stdout, stderr})
    }),
  )
  return {armed, done}
}

/** A minimal CDP client (what an IDE does): connect, set a breakpoint, wait for the pause. */
async function cdp(url: string) {
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let id = 0
  const waiting = new Map<number, (r: unknown) => void>()
  const listeners: Array<(m: {method: string; params: any}) => void> = []
  const scripts = new Map<string, string>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.id) waiting.get(msg.id)?.(msg.result ?? msg.error)
    else {
      if (msg.method === 'Debugger.scriptParsed') scripts.set(msg.params.scriptId, msg.params.url)
      for (const l of listeners) l(msg)
    }
  })
  const send = (method: string, params = {}) =>
    new Promise<any>((resolve) => {
      waiting.set(++id, resolve)
      ws.send(JSON.stringify({id, method, params}))
    })
  const paused = () => new Promise<any>((resolve) => listeners.push((m) => m.method === 'Debugger.paused' && resolve(m.params)))
  return {send, paused, scripts, close: () => ws.close()}
}

async function debugJson(fx: TestStack, service: string): Promise<{targets: Array<{service: string; host: string; port: number; ws: string; id: string; bridged: boolean}>}> {
  return JSON.parse((await fx.ok(['debug', service, '--json'])).stdout)
}

async function statusJson(fx: TestStack) {
  return JSON.parse((await fx.ok(['status', '--json'])).stdout)
}

/** Lines (1-based) of a file that contain a text. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text))
  if (i < 0) throw new Error(`${text} not in ${file}`)
  return i + 1
}

describe('debugging the JavaScript example (shop, dev)', () => {
  const fixtures = useFixtures()
  const shop = () => fixtures.up('shop', {prefix: 't-dbg'})
  const handlerLine = (fx: TestStack) => lineOf(path.join(fx.dir, 'app', 'server.js'), "res.writeHead(200, {'content-type': 'application/json'})")

  it('the inspector is published on 127.0.0.1 only, at the deterministic port: debug --json and status show it, nothing listens on 0.0.0.0', async () => {
    const fx = await shop()
    const {targets} = await debugJson(fx, 'web')
    expect(targets).toHaveLength(1)
    expect(targets[0]).toMatchObject({service: 'web', host: '127.0.0.1', port: 9229 + fx.offset, bridged: false})
    expect(targets[0].ws).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${9229 + fx.offset}/`))
    const status = await statusJson(fx)
    const web = status.stacks[0].services.find((s: {service: string}) => s.service === 'web')
    expect(web.inspector).toBe(9229 + fx.offset)
    expect(status.stacks[0].warnings).toEqual([])

    const hex = (9229 + fx.offset).toString(16).toUpperCase().padStart(4, '0')
    const listeners = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((c) => c[3] === '0A' && c[1]?.endsWith(`:${hex}`))
        .map((c) => c[1].split(':')[0]),
    )
    expect(listeners.length).toBeGreaterThan(0) // docker-proxy on 127.0.0.1
    expect(listeners.every((a) => a === '0100007F')).toBe(true) // 127.0.0.1 only: no 0.0.0.0, no ::
  })

  it('a CDP client stops in the HTTP handler at the right line, and the request completes after resume', async () => {
    const fx = await shop()
    const {targets} = await debugJson(fx, 'web')
    const client = await cdp(targets[0].ws)
    await client.send('Debugger.enable')
    const line = handlerLine(fx)
    const bp = await client.send('Debugger.setBreakpointByUrl', {urlRegex: '(^|/)src/server\\.js$', lineNumber: line - 1})
    expect(bp.locations.length).toBe(1)
    const paused = client.paused()
    const request = fetch(fx.url('/api/stats'))
    request.catch(() => undefined) // awaited below, after the pause
    const p = await paused
    expect(client.scripts.get(p.callFrames[0].location.scriptId)).toMatch(/\/src\/server\.js$/)
    expect(p.callFrames[0].location.lineNumber + 1).toBe(line)
    await client.send('Debugger.removeBreakpoint', {breakpointId: bp.breakpointId})
    await client.send('Debugger.resume')
    const res = await request
    expect(res.status).toBe(200)
    expect(((await res.json()) as {visits: number}).visits).toBeGreaterThan(0)
    client.close()
  })

  it('debug --break FILE:LINE prints where it stopped, the stack and the locals, then resumes', async () => {
    const fx = await shop()
    const line = handlerLine(fx)
    const run = berthBreak(['debug', 'web', '--break', `app/server.js:${line}`, '--json', '--timeout', '120'], fx)
    await run.armed
    const request = fetch(fx.url('/api/stats'))
    request.catch(() => undefined) // awaited below, after berth's result: not an unhandled rejection meanwhile
    const result = await run.done
    expect(result.code, result.stderr).toBe(0)
    const out = JSON.parse(result.stdout)
    expect(out.paused.file).toBe(path.join(fx.dir, 'app', 'server.js'))
    expect(out.paused.line).toBe(line)
    expect(Object.keys(out.locals)).toEqual(expect.arrayContaining(['req', 'res']))
    expect(out.stack.length).toBeGreaterThan(1)
    expect((await request).status).toBe(200)
  })
})

describe('debugging a TypeScript service (ts-api, tsx watch, dev)', () => {
  const fixtures = useFixtures()
  const tsApi = () => fixtures.up('ts-api', {prefix: 't-dbgts'})
  const serverOf = (fx: TestStack) => path.join(fx.dir, 'app', 'src', 'server.ts')

  async function breakInGreet(fx: TestStack) {
    const server = serverOf(fx)
    const line = lineOf(server, 'return {message, count}')
    const run = berthBreak(['debug', 'api', '--break', `app/src/server.ts:${line}`, '--json', '--timeout', '120'], fx)
    await run.armed
    const request = fetch(fx.url('/?name=berth', 8100))
    request.catch(() => undefined) // awaited below, after berth's result: not an unhandled rejection meanwhile
    const result = await run.done
    expect(result.code, result.stderr).toBe(0)
    const out = JSON.parse(result.stdout)
    expect(out.breakpoint.mapped).toBe(true)
    expect(out.paused).toMatchObject({function: 'greet', file: server, line})
    expect(out.locals.name).toBe('"berth"')
    const res = await request
    expect(res.status).toBe(200)
    expect(((await res.json()) as {message: string}).message).toBe('hello berth')
  }

  it('stops at the .ts line through the source map', async () => {
    expect.hasAssertions()
    await breakInGreet(await tsApi())
  })

  it('after the app restarts inside the container (tsx watch), the inspector is back on the same port', async () => {
    const fx = await tsApi()
    const before = (await debugJson(fx, 'api')).targets[0]
    appendFileSync(serverOf(fx), '// touched by the test\n')
    const after = await waitFor(
      async () => {
        const r = await fx.run(['debug', 'api', '--json'])
        if (r.code !== 0) return undefined
        const t = JSON.parse(r.stdout).targets[0]
        return t && t.id !== before.id ? t : undefined
      },
      60_000,
      'a new inspector target after the restart',
    )
    expect(after.id).not.toBe(before.id)
    expect(after.port).toBe(before.port)
    expect(after.bridged).toBe(false)
    // The new process's inspector opens before tsx has loaded server.ts: wait for the app to answer again.
    await waitFor(async () => ((await httpGet(fx.url('/health', 8100))).status === 200 ? true : undefined), 60_000, 'the restarted app to answer')
    await breakInGreet(fx)
  })
})

describe('an inspector opened on demand (service started without it)', () => {
  const fixtures = useFixtures()

  it('publishes no inspector, then --break opens one (SIGUSR1) through a 127.0.0.1 bridge and stops', async () => {
    const fx = await fixtures.up('shop', {
      prefix: 't-dbgod',
      edit: (doc) => doc.setIn(['services', 'web', 'params', 'inspector'], false),
    })
    const status = await statusJson(fx)
    const web = status.stacks[0].services.find((s: {service: string}) => s.service === 'web')
    expect(web.inspector).toBeUndefined()
    expect(web.ports.map((p: {containerPort: number}) => p.containerPort)).toEqual([8000])

    const line = lineOf(path.join(fx.dir, 'app', 'server.js'), "res.writeHead(200, {'content-type': 'application/json'})")
    const run = berthBreak(['debug', 'web', '--break', `app/server.js:${line}`, '--json', '--timeout', '120'], fx)
    await run.armed
    const request = fetch(fx.url('/api/stats'))
    request.catch(() => undefined) // awaited below, after berth's result: not an unhandled rejection meanwhile
    const result = await run.done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/SIGUSR1/)
    expect(JSON.parse(result.stdout).paused.line).toBe(line)
    expect((await request).status).toBe(200)
  })
})
