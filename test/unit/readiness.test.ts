import {describe, expect, it} from 'vitest'
import {formatRows, GRACE_MS, httpStatusOf, Readiness, type Baseline, type ContainerLook} from '../../src/core/readiness.js'

const probe = (n: number, output: string, exitCode = output.includes('HTTP 2') ? 0 : 1) => ({start: `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`, exitCode, output: `${output}\n`})
const web = (over: Partial<ContainerLook> = {}): ContainerLook => ({id: 'w1', service: 'web', role: 'app', state: 'running', exitCode: 0, restartCount: 0, startedAt: 'T1', health: {status: 'starting', log: []}, ...over})

describe('readiness: when up stops waiting', () => {
  it('a health probe answering HTTP 5xx three times in a row, past the grace, fails with the probe output', () => {
    const r = new Readiness(new Map())
    const log = [probe(1, 'GET /health -> ECONNREFUSED')]
    expect(r.observe([web({health: {status: 'starting', log}})], 0).failure).toBeUndefined()
    log.push(probe(2, 'GET /health -> HTTP 500'), probe(3, 'GET /health -> HTTP 500'), probe(4, 'GET /health -> HTTP 500'))
    // three 5xx answers at once: still within the grace (the app may be warming up)
    expect(r.observe([web({health: {status: 'starting', log}})], 1000).failure).toBeUndefined()
    log.push(probe(5, 'GET /health -> HTTP 500'))
    const {failure, rows} = r.observe([web({health: {status: 'starting', log}})], 1000 + GRACE_MS)
    expect(failure).toEqual({id: 'w1', service: 'web', reason: 'web is unhealthy: GET /health -> HTTP 500 (4 probes in a row)'})
    expect(rows[0]).toMatchObject({service: 'web', status: 'unhealthy', probe: 'GET /health -> HTTP 500'})
  })

  it('an answer below 500 in between starts the count again', () => {
    const r = new Readiness(new Map())
    const log = [probe(1, 'GET / -> HTTP 500'), probe(2, 'GET / -> HTTP 500'), probe(3, 'GET / -> HTTP 404', 0), probe(4, 'GET / -> HTTP 503')]
    r.observe([web({health: {status: 'starting', log}})], 0)
    expect(r.observe([web({health: {status: 'starting', log}})], GRACE_MS * 2).failure).toBeUndefined()
  })

  it('a probe without an answer (refused, timed out) neither counts nor breaks the row', () => {
    const r = new Readiness(new Map())
    const log = [probe(1, 'GET / -> HTTP 500'), probe(2, 'Health check exceeded timeout (5s)'), probe(3, 'GET / -> HTTP 500'), probe(4, 'GET / -> ECONNREFUSED'), probe(5, 'GET / -> HTTP 500')]
    r.observe([web({health: {status: 'starting', log}})], 0)
    expect(r.observe([web({health: {status: 'starting', log}})], GRACE_MS).failure?.reason).toBe('web is unhealthy: GET / -> HTTP 500 (3 probes in a row)')
  })

  it('connection errors while the app starts are not server errors', () => {
    const r = new Readiness(new Map())
    const log = [1, 2, 3, 4, 5].map((n) => probe(n, 'GET / -> ECONNREFUSED'))
    r.observe([web({health: {status: 'starting', log}})], 0)
    expect(r.observe([web({health: {status: 'starting', log}})], 60_000).failure).toBeUndefined()
  })

  it('a container that exits fails at once; a setup container exiting 0 is done', () => {
    const r = new Readiness(new Map())
    const setup: ContainerLook = {id: 's1', service: 'web-setup', role: 'setup', state: 'exited', exitCode: 0, restartCount: 0, startedAt: 'T0'}
    const first = r.observe([setup, web({state: 'exited', exitCode: 3, health: undefined})], 0)
    expect(first.failure?.reason).toBe('web exited with code 3 while starting')
    expect(first.rows.find((x) => x.service === 'web-setup')).toMatchObject({status: 'done', ready: true})
    expect(new Readiness(new Map()).observe([{...setup, exitCode: 1}], 0).failure?.reason).toBe('web-setup exited with code 1 while starting')
  })

  it('a long-running service exiting 0 fails too; a one-shot service others wait for does not', () => {
    const migrate: ContainerLook = {id: 'm1', service: 'migrate', state: 'exited', exitCode: 0, restartCount: 0, startedAt: 'T0'}
    expect(new Readiness(new Map()).observe([migrate], 0).failure?.reason).toMatch(/migrate exited with code 0/)
    expect(new Readiness(new Map(), new Set(['migrate'])).observe([migrate], 0).failure).toBeUndefined()
  })

  it('a container found stopped when up began (Compose starts it) is not an exit', () => {
    const baseline = new Map<string, Baseline>([['w1', {startedAt: 'T0', restartCount: 0, state: 'exited'}]])
    const r = new Readiness(baseline)
    expect(r.observe([web({state: 'exited', exitCode: 137, startedAt: 'T0', health: undefined})], 0)).toMatchObject({failure: undefined, rows: [{status: 'waiting'}]})
    // started again by Compose, then it exits: that one counts
    expect(r.observe([web({state: 'exited', exitCode: 1, startedAt: 'T2', health: undefined})], 500).failure?.reason).toMatch(/exited with code 1/)
  })

  it('a restart count that grows fails at once', () => {
    const baseline = new Map<string, Baseline>([['w1', {startedAt: 'T0', restartCount: 2, state: 'running'}]])
    const r = new Readiness(baseline)
    expect(r.observe([web({restartCount: 2, startedAt: 'T0'})], 0).failure).toBeUndefined()
    expect(r.observe([web({restartCount: 3, state: 'restarting', exitCode: 1, startedAt: 'T3'})], 300).failure?.reason).toBe('web restarted while starting (exit code 1)')
  })

  it('healthy is ready; seconds stop counting then', () => {
    const r = new Readiness(new Map())
    r.observe([web()], 0)
    const log = [probe(1, 'GET /health -> HTTP 200')]
    expect(r.observe([web({health: {status: 'healthy', log}})], 2400).rows[0]).toMatchObject({status: 'healthy', ready: true, seconds: 2})
    expect(r.observe([web({health: {status: 'healthy', log}})], 9000).rows[0].seconds).toBe(2)
  })

  it('while Compose replaces a container, the new one is the row shown', () => {
    const baseline = new Map<string, Baseline>([['old', {startedAt: 'T0', restartCount: 0, state: 'running'}]])
    const r = new Readiness(baseline)
    const rows = r.observe([web({id: 'old', startedAt: 'T0', health: {status: 'healthy', log: []}}), web({id: 'new', state: 'created', health: undefined})], 0).rows
    expect(rows).toEqual([expect.objectContaining({service: 'web', status: 'created'})])
  })
})

describe('readiness: what is shown', () => {
  it('a line per service: name, state, seconds, the last probe', () => {
    const lines = formatRows([
      {service: 'web', status: 'starting', seconds: 12, probe: 'GET / -> HTTP 500', ready: false},
      {service: 'db', status: 'healthy', seconds: 1, probe: 'ok', ready: true},
    ])
    expect(lines[0]).toMatch(/^web\s+starting\s+12 s\s+GET \/ -> HTTP 500$/)
    expect(lines[1]).toMatch(/^db\s+healthy\s+1 s$/)
  })

  it('reads the HTTP status out of probe outputs', () => {
    expect(httpStatusOf('GET /health -> HTTP 500')).toBe(500)
    expect(httpStatusOf('HTTP/1.1 503 Service Unavailable')).toBe(503)
    expect(httpStatusOf('curl: (22) The requested URL returned error: 502')).toBe(502)
    expect(httpStatusOf('GET / -> ECONNREFUSED')).toBeUndefined()
  })
})
