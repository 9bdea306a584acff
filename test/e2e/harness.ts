/**
 * Shared helpers for end-to-end tests against the real engine. Each test owns a fixture folder (a copy
 * of a stack with a unique project name, in its own git repository), runs the built CLI, checks real
 * state (containers, volumes, HTTP), and cleans up by label even when it fails.
 *
 *   const fixtures = useFixtures()                      // in a file or describe: removes each test's fixtures after it
 *   it('...', async () => {
 *     const fx = await fixtures.up('shop')              // a fresh copy of stacks/shop, `berth up` expected to succeed
 *     const r = await fx.ok(['status', '--json'])       // berth in the fixture, expecting exit 0 (stderr in the message)
 *     expect((await httpGet(fx.url('/api/stats'))).status).toBe(200)
 *   })
 */
import {execFile, execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseDocument} from 'yaml'
import {afterEach, expect} from 'vitest'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = path.join(ROOT, 'bin', 'run.js')
export const LOCAL_IMAGES = 'node:20-bookworm-slim=local/node:20,postgres:15=local/postgres:15,redis:7=local/redis:7,debian:bookworm-slim=local/debian:bookworm'
export const LOCAL_IMAGE_LIST = ['local/node:20', 'local/postgres:15', 'local/redis:7', 'local/debian:bookworm']

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Run the built berth CLI (argv array, no shell) with the local image map. Its trace lines (BERTH_TRACE_FILE) go to
 * a file of its own; should it run past the timeout, the result's stderr says where it was: its last trace lines
 * (each engine call, each Compose run), what it was waiting on (Node's diagnostic report: open handles, child
 * processes) and the project's containers. Killed by the timeout, its code is -1.
 */
export function berth(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<CliResult> {
  const traceDir = mkdtempSync(path.join(os.tmpdir(), 'berth-trace-'))
  const traceFile = path.join(traceDir, 'trace.log')
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${traceDir}`, '--report-filename=report.json', CLI, ...args],
      {cwd: options.cwd, env: berthEnv({BERTH_TRACE_FILE: traceFile, ...options.env}), encoding: 'utf8', maxBuffer: 32 * 1024 * 1024},
      (error, stdout, stderr) => {
        clearTimeout(timer)
        const where = timedOut ? hangReport(traceDir, seen) : ''
        rmSync(traceDir, {recursive: true, force: true})
        // Killed (the timeout below): say so, rather than pass for a berth that exited 1 in silence.
        if (error?.signal || timedOut) resolve({code: -1, stdout, stderr: `${stderr}\n[harness: berth ${args.join(' ')} killed by ${error?.signal ?? 'SIGKILL'}${timedOut ? ' after the timeout' : ''}]${where}`})
        else resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr})
      },
    )
    let timedOut = false
    let seen = ''
    const timer = setTimeout(() => {
      timedOut = true
      // Its children and the containers while it still runs, the diagnostic report (Node writes it on SIGUSR2), then the kill.
      seen = [`child processes:`, shell('ps', ['-o', 'pid,etime,args', '--ppid', String(child.pid)]), 'containers:', shell('docker', ['ps', '-a', '--format', '{{.Names}}\t{{.Status}}']).split('\n').slice(0, 40).join('\n'), notReady()].join('\n')
      child.kill('SIGUSR2')
      waitForFile(path.join(traceDir, 'report.json'), 3000).finally(() => child.kill('SIGKILL'))
    }, options.timeoutMs ?? 230_000)
  })
}

async function waitForFile(file: string, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      JSON.parse(readFileSync(file, 'utf8'))
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** A program's stdout and stderr (docker logs writes the container's stderr there), or why it failed. */
function shell(file: string, argv: string[]): string {
  const r = spawnSync(file, argv, {encoding: 'utf8', timeout: 15_000})
  if (r.error || r.status !== 0) return `(${file} ${argv[0]} failed: ${(r.error?.message ?? r.stderr ?? '').split('\n')[0]})`
  return `${r.stdout}${r.stderr}`.trimEnd()
}

/** Each container still starting or unhealthy: its last health probes and log lines. */
function notReady(): string {
  const names = shell('docker', ['ps', '--filter', 'health=starting', '--filter', 'health=unhealthy', '--format', '{{.Names}}']).split('\n').filter((n) => n && !n.startsWith('('))
  return names
    .slice(0, 6)
    .map((n) => [`${n}: last probes:`, shell('docker', ['inspect', '--format', '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}', n]).split('\n').slice(-6).join('\n'), `${n}: last log lines:`, shell('docker', ['logs', '--tail', '20', n])].join('\n'))
    .join('\n')
}

/** Where a berth that ran past its time was: the end of its trace, its open handles and children, the engine's containers. */
function hangReport(dir: string, seen: string): string {
  const parts: string[] = []
  try {
    // Everything but the watch's polls (a look at the containers every 0.3 s), then the last lines as they are.
    const lines = readFileSync(path.join(dir, 'trace.log'), 'utf8').trimEnd().split('\n')
    const polls = / engine GET \/containers\/[^ ]*(json)?(: answered)?$/
    const kept = lines.filter((l) => !polls.test(l))
    parts.push(`trace, the watch's ${lines.length - kept.length} container looks left out:`, ...kept.slice(-80), 'last trace lines:', ...lines.slice(-12))
  } catch {
    parts.push('no trace lines')
  }
  try {
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {libuv?: Array<{type: string; is_active?: boolean; is_referenced?: boolean; localEndpoint?: unknown; remoteEndpoint?: unknown; pid?: number; repeat?: number; timeout?: number; filename?: string}>}
    const handles = (report.libuv ?? []).filter((h) => h.is_active && h.is_referenced !== false && h.type !== 'async')
    parts.push('open handles:', ...handles.map((h) => `  ${h.type} ${JSON.stringify({pid: h.pid, remote: h.remoteEndpoint, local: h.localEndpoint, timeout: h.timeout, file: h.filename})}`))
  } catch {
    parts.push('no diagnostic report')
  }
  parts.push(seen)
  return `\n[harness: where it was]\n${parts.join('\n')}`
}

/** The environment every berth the tests run gets: the local images, no colour, no user config of this machine. */
export function berthEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {...process.env, BERTH_IMAGE_MAP: LOCAL_IMAGES, NO_COLOR: '1', BERTH_CONFIG: '/nonexistent/berth-config.yml', ...env}
}

/** berth as a child process the test controls (to run things beside it, or kill it). */
export function spawnBerth(args: string[], options: {cwd: string; env?: NodeJS.ProcessEnv}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {cwd: options.cwd, env: berthEnv(options.env), stdio: ['ignore', 'pipe', 'pipe']})
}

/** Expect a berth run to have exited 0; the failure message names the command and carries its stderr. */
export function expectOk(r: CliResult, what = 'berth'): CliResult {
  expect(r.code, `${what} exited ${r.code}:\n${r.stderr}`).toBe(0)
  return r
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`
}

export function git(args: string[], cwd: string): string {
  return execFileSync('git', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

export interface Fixture {
  dir: string
  name: string
  /** BERTH_PORT_OFFSET for this fixture: its ports do not clash with other tests or a running example. */
  env: NodeJS.ProcessEnv
  offset: number
  cleanup(): Promise<void>
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen({host: '127.0.0.1', port}, () => s.close(() => resolve(true)))
  })
}

/** A port offset whose ports (base ports + offset, and + the qa/stage offsets) are free now. */
export async function freeOffset(basePorts: number[]): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    // stage's block (+20000) must stay a valid port too (render-valid renders it), so offsets stop where the highest base port would pass 65535.
    const highest = Math.max(...basePorts)
    const offset = 1000 + Math.floor(Math.random() * Math.floor((65535 - 20000 - highest - 1000) / 100 + 1)) * 100
    const ports = [...new Set(basePorts.flatMap((p) => [p + offset, p + offset + 10000]))]
    if (!basePorts.every((p) => p + offset + 20000 <= 65535) || !reserveOffset(offset)) continue
    if ((await Promise.all(ports.map(canBind))).every(Boolean)) return offset
    releaseOffset(offset)
  }
  throw new Error('no free port offset found')
}

/**
 * Offsets in use by a live fixture of any test process on this machine: a fixture whose ports are free for a
 * moment (its door replaced, its stack down) must not have them taken by another test's new fixture.
 * A reservation is a file holding the test process's pid, released with the fixture (or when that pid is gone).
 */
const RESERVED = path.join(os.tmpdir(), `berth-test-offsets-${os.userInfo().uid}`)

function reserveOffset(offset: number, again = true): boolean {
  mkdirSync(RESERVED, {recursive: true})
  const file = path.join(RESERVED, String(offset))
  try {
    writeFileSync(file, String(process.pid), {flag: 'wx'})
    return true
  } catch {
    const pid = Number(readFileSync(file, 'utf8'))
    let alive = true
    try {
      process.kill(pid, 0)
    } catch {
      alive = false
    }
    if (alive || !again) return false
    rmSync(file, {force: true})
    return reserveOffset(offset, false)
  }
}

export function releaseOffset(offset: number): void {
  rmSync(path.join(RESERVED, String(offset)), {force: true})
}

/**
 * Copy stacks/STACK into a fresh temp folder, give it a unique project name, make it a git repository
 * on branch main with one commit.
 */
export interface FixtureOptions {
  /** the project name's prefix (default t-STACK) */
  prefix?: string
  /** an edit of berth.yml before the fixture's first commit */
  edit?: (doc: ReturnType<typeof parseDocument>) => void
  /** more container ports the edited stack publishes: the offset keeps them (and their qa/stage blocks) valid and free */
  ports?: number[]
}

export async function stackFixture(stack: string, options: FixtureOptions = {}): Promise<Fixture> {
  const name = uniqueName(options.prefix ?? `t-${stack}`)
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  cpSync(path.join(ROOT, 'stacks', stack), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const file = path.join(dir, 'berth.yml')
  const doc = parseDocument(readFileSync(file, 'utf8'))
  doc.set('name', name)
  options.edit?.(doc)
  writeFileSync(file, doc.toString())
  git(['init', '-q', '-b', 'main'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fixture'], dir)
  const offset = await freeOffset([8000, 5432, 6379, 9229, ...(options.ports ?? [])])
  // berth's state (last use, copy records, warm stacks) of this fixture alone, not the machine's.
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  return {
    dir,
    name,
    offset,
    env: {BERTH_PORT_OFFSET: String(offset), BERTH_STATE_DIR: state},
    async cleanup() {
      await removeProject(name)
      rmSync(dir, {recursive: true, force: true})
      rmSync(state, {recursive: true, force: true})
      releaseOffset(offset)
    },
  }
}

/** A fixture with berth bound to it. */
export interface TestStack extends Fixture {
  /** berth in the fixture's folder (or `cwd`) with its environment (plus `env`); the exit code is the caller's to check. */
  run(args: string[], options?: {cwd?: string; env?: NodeJS.ProcessEnv}): Promise<CliResult>
  /** The same, expecting exit 0. */
  ok(args: string[], options?: {cwd?: string; env?: NodeJS.ProcessEnv}): Promise<CliResult>
  /** http://127.0.0.1:(port + the fixture's offset)PATH; port 8000 by default. */
  url(pathname?: string, port?: number): string
  /** Run `fn` at clean-up, before the project is removed (last deferred first): stop a child process, and such. */
  defer(fn: () => unknown): void
}

export async function testStack(stack: string, options: FixtureOptions = {}): Promise<TestStack> {
  const fx = await stackFixture(stack, options)
  const deferred: Array<() => unknown> = []
  const run: TestStack['run'] = (args, o = {}) => berth(args, {cwd: o.cwd ?? fx.dir, env: {...fx.env, ...o.env}})
  return {
    ...fx,
    run,
    ok: async (args, o) => expectOk(await run(args, o), `berth ${args.join(' ')}`),
    url: (pathname = '/', port = 8000) => `http://127.0.0.1:${port + fx.offset}${pathname}`,
    defer: (fn) => void deferred.push(fn),
    async cleanup() {
      for (const fn of deferred.splice(0).reverse()) {
        try {
          await fn()
        } catch (error) {
          console.error(`clean-up of ${fx.name}: ${String(error)}`)
        }
      }
      await fx.cleanup()
    },
  }
}

/**
 * Fixtures owned by one test each: call in a file or a describe block; every fixture a test makes with
 * `stack()` or `up()` is removed after that test (containers, networks, volumes, built images, folders),
 * whether it passed or failed. No test depends on another's fixture, so any test runs alone (`-t`) or in
 * any order.
 */
export function useFixtures() {
  const made: TestStack[] = []
  afterEach(async () => {
    for (const fx of made.splice(0).reverse()) await fx.cleanup()
  })
  const stack = async (name: string, options: FixtureOptions = {}): Promise<TestStack> => {
    const fx = await testStack(name, options)
    made.push(fx)
    return fx
  }
  return {
    /** A fresh copy of stacks/NAME (nothing running yet). */
    stack,
    /** A fresh copy of stacks/NAME brought up (`berth up [ENV] --json -q`, expected to exit 0); `up` is its JSON. */
    async up(name: string, options: FixtureOptions & {env?: string} = {}): Promise<TestStack & {up: UpResult}> {
      const fx = await stack(name, options)
      const r = await fx.ok(['up', ...(options.env ? [options.env] : []), '--json', '-q'])
      return Object.assign(fx, {up: JSON.parse(r.stdout) as UpResult})
    },
  }
}

/** What `berth up --json` prints (the parts tests read). */
export interface UpResult {
  stack: string
  services: Array<{service: string; role: string; health: string; state: string; url?: string}>
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('docker', args, {encoding: 'utf8'}, (_e, stdout) => resolve(stdout ?? ''))
  })
}

/** Remove every container, network and volume labelled with this berth project. */
export async function removeProject(name: string): Promise<void> {
  const label = `label=dev.berth.project=${name}`
  const containers = (await docker(['ps', '-aq', '--filter', label])).split('\n').filter(Boolean)
  if (containers.length) await docker(['rm', '-f', '-v', ...containers])
  const networks = (await docker(['network', 'ls', '-q', '--filter', label])).split('\n').filter(Boolean)
  if (networks.length) await docker(['network', 'rm', ...networks])
  const volumes = (await docker(['volume', 'ls', '-q', '--filter', label])).split('\n').filter(Boolean)
  if (volumes.length) await docker(['volume', 'rm', '-f', ...volumes])
  // images built for the project's stacks: berth/PROJECT-SERVICE:ENV-BRANCHID (older berths: named after the stack)
  const images = (await docker(['image', 'ls', '-q', '--filter', `reference=${name}-*`, '--filter', `reference=berth/${name}-*`])).split('\n').filter(Boolean)
  if (images.length) await docker(['image', 'rm', '-f', ...new Set(images)])
}

export async function containersOf(name: string): Promise<Array<{name: string; service: string; state: string}>> {
  const out = await docker(['ps', '-a', '--filter', `label=dev.berth.project=${name}`, '--format', '{{.Names}}\t{{.Label "dev.berth.service"}}\t{{.State}}'])
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [n, service, state] = l.split('\t')
      return {name: n, service, state}
    })
}

export async function volumesOf(name: string): Promise<string[]> {
  const out = await docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${name}`])
  return out.split('\n').filter(Boolean).sort()
}

/** Poll until fn returns a value (not undefined), or fail after timeoutMs. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

export async function httpGet(url: string): Promise<{status: number; body: string}> {
  const once = async () => {
    const res = await fetch(url, {signal: AbortSignal.timeout(10_000)})
    return {status: res.status, body: await res.text()}
  }
  try {
    return await once()
  } catch (error) {
    // A kept-alive connection of fetch's pool that the server (the front door, after a switch) closed meanwhile:
    // the request never reached it, so it is sent once more, on a new connection.
    if ((error as {cause?: {code?: string}}).cause?.code !== 'UND_ERR_SOCKET') throw error
    return once()
  }
}
