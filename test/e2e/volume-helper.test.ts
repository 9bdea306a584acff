// The warm volume helper (src/docker/volume-helper.ts) on the real engine: steps run as execs in one reused
// container, a stopped job (Ctrl-C) ends with every process it started, a job run again stops the run a killed
// berth left, the helper exits by itself when unused and is made again when it is gone, two berths racing to
// make it share one, and where it cannot be made the caller is told to use a one-shot helper. Each test has its
// own helper name (BERTH_VOLUME_HELPER), so no other test file's helper is touched.
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {afterEach, describe, expect, it} from 'vitest'
import {Engine} from '../../src/docker/engine.js'
import {WarmVolumeHelper} from '../../src/docker/volume-helper.js'
import {installation} from '../../src/infra/paths.js'

const IMAGE = 'local/debian:bookworm'
const ROOT = '/var/lib/docker/volumes'
const made: string[] = []

/** Another berth process's helper adapter, for the helper of this name. */
function adapter(name: string, extra: NodeJS.ProcessEnv = {}): WarmVolumeHelper {
  const env = {...process.env, BERTH_VOLUME_HELPER: name, ...extra}
  const engine = new Engine(undefined, env)
  return new WarmVolumeHelper(() => engine.docker(), installation(env), env)
}

function helper(extra: NodeJS.ProcessEnv = {}): {vh: WarmVolumeHelper; name: string} {
  const name = `t-vh-${randomBytes(4).toString('hex')}`
  made.push(name)
  return {vh: adapter(name, extra), name}
}

const dockerOut = (args: string[]) => execFileSync('docker', args, {encoding: 'utf8'}).trim()
const state = (name: string) => {
  try {
    return dockerOut(['inspect', '-f', '{{.State.Status}} {{.Id}}', name])
  } catch {
    return 'gone'
  }
}
/** The helper's processes, as command lines (pid 1's loop and the exec reading them left out). */
function processes(name: string): string[] {
  let out = ''
  try {
    out = dockerOut(['exec', name, 'bash', '-c', 'for p in /proc/[0-9]*; do [ "${p#/proc/}" = 1 ] || [ "${p#/proc/}" = $$ ] || tr "\\0" " " < $p/cmdline; echo; done'])
  } catch {
    // not made yet
  }
  // The main loop's own tick (sleep 1 or 5) is not a step's.
  return out.split('\n').filter((l) => l.trim() && !l.includes('/proc/') && !/^sleep [15]\s*$/.test(l))
}

const step = (script: string, extra: {job?: string; stop?: AbortSignal} = {}) => ({image: IMAGE, root: ROOT, script, argv: ['t.sh'], ...extra})

async function until(what: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

afterEach(() => {
  for (const name of made.splice(0)) execFileSync('docker', ['rm', '-f', name], {stdio: 'ignore'})
})

describe('the warm volume helper', () => {
  it('runs steps in one container, labelled, without network, the volume root at /vols, removed once it exits', async () => {
    const {vh, name} = helper()
    const r = await vh.run(step('echo hello "$0"; echo oops >&2; exit 3'))
    // stdout and stderr both (two pipes: in either order)
    expect(r?.code).toBe(3)
    expect(r?.output.split('\n').sort()).toEqual(['', 'hello t.sh', 'oops'])
    const first = state(name)
    expect(first).toMatch(/^running /)
    expect((await vh.run(step('ls -d /vols/*/_data | head -1')))?.code).toBe(0)
    expect(state(name)).toBe(first)
    expect(dockerOut(['inspect', '-f', '{{index .Config.Labels "dev.berth.helper"}} {{.HostConfig.NetworkMode}} {{.HostConfig.AutoRemove}}', name])).toBe('volumes none true')
  })

  it('stops a job and everything it started when asked (Ctrl-C), and a job run again stops the run left behind', async () => {
    const {vh, name} = helper()
    const stop = new AbortController()
    const running = vh.run(step('sleep 300 | cat; echo not stopped', {job: 'vol-a', stop: stop.signal}))
    await until(() => processes(name).some((p) => p.startsWith('sleep 300')))
    stop.abort()
    const r = await running
    expect(r?.code).not.toBe(0)
    expect(r?.output).not.toContain('not stopped')
    expect(processes(name)).toEqual([])

    // A berth killed with -9: its exec goes on in the helper; the next run of the same job stops it first.
    const left = adapter(name)
    void left.run(step('sleep 301 | cat', {job: 'vol-b'}))
    await until(() => processes(name).some((p) => p.startsWith('sleep 301')))
    expect(await vh.run(step('echo again', {job: 'vol-b'}))).toEqual({code: 0, output: 'again\n'})
    expect(processes(name).filter((p) => p.startsWith('sleep'))).toEqual([])
  })

  it('exits by itself when unused (never during a step), and is made again after that or after docker rm -f', async () => {
    const {vh, name} = helper({BERTH_VOLUME_HELPER_IDLE: '2'})
    // A step longer than the idle time: the helper waits for it.
    expect(await vh.run(step('sleep 4; echo slept'))).toEqual({code: 0, output: 'slept\n'})
    await until(() => state(name) === 'gone', 60_000)
    expect(await vh.run(step('echo back'))).toEqual({code: 0, output: 'back\n'})
    execFileSync('docker', ['rm', '-f', name])
    expect(await vh.run(step('echo again'))).toEqual({code: 0, output: 'again\n'})
  })

  it('two berths making it at once share one helper', async () => {
    const {name} = helper()
    const results = await Promise.all([1, 2, 3].map(() => adapter(name).run(step('hostname'))))
    expect(new Set(results.map((r) => r?.output)).size).toBe(1)
    expect(results.every((r) => r?.code === 0)).toBe(true)
  })

  it('answers undefined where it cannot be made (a volume root the engine cannot bind, BERTH_VOLUME_HELPER=off)', async () => {
    const {vh, name} = helper()
    expect(await vh.run({...step('true'), root: `/nonexistent-${randomBytes(3).toString('hex')}`})).toBeUndefined()
    expect(state(name)).toBe('gone')
    const engine = new Engine()
    const off = new WarmVolumeHelper(() => engine.docker(), installation(process.env), {...process.env, BERTH_VOLUME_HELPER: 'off'})
    expect(await off.run(step('true'))).toBeUndefined()
  })
})
