// berth up explains itself: a line per service while it waits, and a stop at once, with the reason and the
// service's last log lines, when the app exits or keeps answering its health probe with HTTP 500.
// The fixture (test/fixtures/up-live) is one node:http app on local/node:20 with no npm dependencies.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {berth, containersOf, useFixtures} from './harness.js'

const FIXTURE = '../test/fixtures/up-live'

/** When a service's container last started (ms since the epoch), from the engine. */
async function startedAt(project: string, service: string): Promise<number> {
  const c = (await containersOf(project)).find((x) => x.service === service)!
  return Date.parse(execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', c.name], {encoding: 'utf8'}).trim())
}
const mode = (value: string) => (doc: {setIn(path: unknown[], value: unknown): void}) => doc.setIn(['services', 'web', 'env', 'APP_MODE'], value)

describe('berth up: a live view and fail-fast', () => {
  const fixtures = useFixtures()

  it('an app that answers HTTP 500 makes up fail within 30 s, with the status and its last log lines', async () => {
    const fx = await fixtures.stack(FIXTURE, {prefix: 't-up500', edit: mode('500')})
    // Compose alone would wait the healthcheck's whole start period (120 s) and its retries.
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env, timeoutMs: 180_000})
    const ended = Date.now()
    expect(r.code, r.stderr).toBe(6)
    // within 30 s of the app's start (on a busy machine berth's own steps before it can take longer)
    expect(ended - (await startedAt(fx.name, 'web')), r.stderr).toBeLessThan(30_000)
    expect(r.stderr).toMatch(/berth: error: web is unhealthy: GET \/health -> HTTP 500 \(\d+ probes in a row\)/)
    expect(r.stderr).toContain('last log lines of web:')
    expect(r.stderr).toContain("GET /health: TypeError: cannot read properties of undefined (reading 'user')")
    expect(r.stderr).toContain('Try this: berth logs web')
    // the live line said what the probe saw (plain lines without a terminal)
    expect(r.stderr).toMatch(/^web: starting \(GET \/health -> HTTP 500\)$/m)
    expect(r.stdout).toBe('')
    // the container is left as it is, for berth logs
    expect((await containersOf(fx.name)).find((c) => c.service === 'web')?.state).toBe('running')
  })

  it('an app that exits makes up fail at once with its exit code and last log lines', async () => {
    const fx = await fixtures.stack(FIXTURE, {prefix: 't-upexit', edit: mode('exit')})
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env, timeoutMs: 180_000})
    const ended = Date.now()
    expect(r.code, r.stderr).toBe(6)
    // at once: not the healthcheck's start period (120 s) later
    expect(ended - (await startedAt(fx.name, 'web')), r.stderr).toBeLessThan(20_000)
    expect(r.stderr).toContain('berth: error: web exited with code 3 while starting')
    expect(r.stderr).toContain('    app starting in mode exit')
    expect(r.stderr).toContain('    Error: missing setting DATABASE_URL (the test app exits on purpose)')
    expect(r.stderr).toContain('Try this: berth logs web')
    expect((await containersOf(fx.name)).find((c) => c.service === 'web')?.state).toBe('exited')
  })

  it('a healthy app: a plain line per change on stderr, the table alone on stdout, start_interval on this engine', async () => {
    const fx = await fixtures.stack(FIXTURE, {prefix: 't-upok'})
    const r = await fx.ok(['up'])
    expect(r.stderr).toMatch(/^web-setup: done after \d+ s$/m)
    expect(r.stderr).toMatch(/^web: healthy after \d+ s$/m)
    expect(r.stderr).not.toContain('\u001B')
    expect(r.stdout).toMatch(/^SERVICE\s+STATE\s+HEALTH/)
    expect(r.stdout).not.toMatch(/Container|Waiting|Healthy/)
    // The engine here speaks API 1.45: the file and the container have start_interval.
    expect(readFileSync(path.join(fx.dir, '.berth/dev.compose.yml'), 'utf8')).toContain('start_interval: 250ms')
    const web = (await containersOf(fx.name)).find((c) => c.service === 'web')!
    const hc = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Config.Healthcheck}}', web.name], {encoding: 'utf8'}))
    expect(hc.StartInterval).toBe(250_000_000)
    // -q: nothing on stderr; --json: the same JSON as before
    const quiet = await fx.ok(['up', '-q', '--json'])
    expect(quiet.stderr).toBe('')
    expect(JSON.parse(quiet.stdout).services.find((s: {service: string}) => s.service === 'web')).toMatchObject({state: 'running', health: 'healthy'})
  })
})
