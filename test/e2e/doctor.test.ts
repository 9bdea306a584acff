// berth doctor on the real engine: healthy here (with the harness's image map), a taken port (exit 5),
// and an engine that is not there (exit 4, the rest still reported).
import {mkdtempSync, rmSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {berth, useFixtures} from './harness.js'

interface Check {
  id: string
  ok: boolean
  level: 'ok' | 'warn' | 'fail'
  summary: string
  fix?: string
  details?: Record<string, any>
}
interface Report {
  status: string
  exitCode: number
  project: {name: string; root: string} | null
  checks: Check[]
}

const IDS = ['engine', 'compose', 'context', 'git', 'project', 'ports', 'images', 'disk', 'volumes', 'inotify', 'ca', 'clock']
const byId = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c])) as Record<string, Check>

describe('berth doctor', () => {
  const fixtures = useFixtures()

  it('--json in a project on this machine: every check passes, exit 0', async () => {
    const fx = await fixtures.stack('shop', {prefix: 't-doctor'})
    const r = await fx.run(['doctor', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.checks.map((c) => c.id)).toEqual(IDS)
    expect(report.exitCode).toBe(0)
    expect(report.project?.name).toBe(fx.name)
    const c = byId(report)
    for (const id of ['engine', 'compose', 'context', 'git', 'project', 'ports', 'images', 'volumes', 'ca']) expect(c[id].level, `${id}: ${c[id].summary}`).toBe('ok')
    for (const x of report.checks) expect(x.level, `${x.id}: ${x.summary}`).not.toBe('fail')
    expect(c.engine.summary).toMatch(/^Docker Engine \d+\.\d+.* \(API 1\.\d+/)
    expect(c.compose.details?.version).toMatch(/^2\./)
    // the dev stack's own ports, with the fixture's offset
    expect(c.ports.details?.ports.map((p: {host: number}) => p.host).sort()).toEqual([5432, 6379, 8000, 9229].map((p) => p + fx.offset).sort())
    // the harness's map: every mapped image is on the engine
    expect(c.images.details?.map.length).toBeGreaterThanOrEqual(4)
    for (const m of c.images.details?.map ?? []) expect(m, JSON.stringify(m)).toMatchObject({present: true, source: 'BERTH_IMAGE_MAP'})
    expect(c.ca.details).toMatchObject({present: false})
    expect(c.disk.details?.free).toBeGreaterThan(0)
    expect(Math.abs(c.clock.details?.skewMs)).toBeLessThan(2000)
  })

  it('names who holds a port the dev stack needs, with the fix: exit 5', async () => {
    const fx = await fixtures.stack('shop', {prefix: 't-doctor'})
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 8000 + fx.offset}, resolve))
    fx.defer(() => new Promise((resolve) => server.close(resolve)))
    const r = await fx.run(['doctor', '--json'])
    expect(r.code, r.stderr).toBe(5)
    const ports = byId(JSON.parse(r.stdout)).ports
    expect(ports.level).toBe('fail')
    expect(ports.summary).toContain(`port ${8000 + fx.offset} on 127.0.0.1 (service web) is already in use by`)
    expect(ports.fix).toContain('host_port')
    // and the human form says the same, the fix under the problem
    const text = await fx.run(['doctor'])
    expect(text.code).toBe(5)
    expect(text.stdout).toMatch(new RegExp(`FAIL\\s+ports\\s+port ${8000 + fx.offset} on 127\\.0\\.0\\.1 \\(service web\\)[^\\n]*\\n\\s+fix: `))
    expect(text.stdout).toMatch(/Not ready: 1 failed/)
  })

  it('with DOCKER_HOST pointing nowhere: exit 4, the engine check says so with the fix, the rest still reported', async () => {
    const fx = await fixtures.stack('shop', {prefix: 't-doctor'})
    const r = await fx.run(['doctor', '--json'], {env: {DOCKER_HOST: 'tcp://127.0.0.1:1'}})
    expect(r.code, r.stderr).toBe(4)
    const report = JSON.parse(r.stdout) as Report
    expect(report.status).toBe('fail')
    expect(report.checks.map((c) => c.id)).toEqual(IDS)
    const c = byId(report)
    expect(c.engine).toMatchObject({ok: false, level: 'fail'})
    expect(c.engine.summary).toBe('cannot reach the Docker engine at tcp://127.0.0.1:1 (ECONNREFUSED)')
    expect(c.engine.fix).toContain('unset DOCKER_HOST')
    expect(c.context.summary).toContain('DOCKER_HOST')
    // what needs no engine is still checked
    for (const id of ['compose', 'git', 'project', 'ports', 'inotify', 'ca']) expect(c[id].level, `${id}: ${c[id].summary}`).toBe('ok')
    expect(c.ports.details?.ports).toHaveLength(4)
    // what needs it says why it was not
    for (const id of ['images', 'disk', 'volumes', 'clock']) expect(c[id]).toMatchObject({level: 'warn', summary: 'not checked: the engine is not reachable'})
    expect(c.images.details?.map.length).toBeGreaterThanOrEqual(4)
  })

  it('works outside a berth project: the project checks are skipped, and it says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-doctor-'))
    try {
      const r = await berth(['doctor', '--json'], {cwd: dir})
      expect(r.code, r.stderr).toBe(0)
      const report = JSON.parse(r.stdout) as Report
      expect(report.project).toBeNull()
      const c = byId(report)
      expect(c.project.summary).toMatch(/^no berth\.yml in .* or above: project checks .* skipped$/)
      expect(c.ports.level).toBe('ok')
      expect(c.engine.level).toBe('ok')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
