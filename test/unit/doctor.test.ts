// berth doctor's checks and exit codes, with a fake engine and a fake machine.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {caCheck, clockCheck, diskCheck, inotifyCheck, parseDf} from '../../src/app/doctor-checks.js'
import {doctor, type DoctorDeps} from '../../src/app/doctor.js'
import type {DiagnosticsPort} from '../../src/app/ports.js'
import {BerthError, ExitCode} from '../../src/core/errors.js'
import {FakeCompose, FakeEngine} from './fake-engine.js'
import {testDeps} from './fakes.js'

const GiB = 1024 ** 3
const linux = {platform: 'linux', hostname: 'box', release: '6.1.0'}

describe('doctor checks', () => {
  it('clock: agrees within 2 s; warns past it, with the fix; reads Docker\'s nanosecond times', () => {
    const t = Date.parse('2026-01-01T10:00:00.000Z')
    expect(clockCheck('2026-01-01T10:00:00.300123456Z', t, t + 10)).toMatchObject({level: 'ok', details: {skewMs: 295}})
    const ahead = clockCheck('2026-01-01T10:00:05.000000000Z', t, t + 10)
    expect(ahead).toMatchObject({level: 'warn', ok: true})
    expect(ahead.summary).toContain('5.0 s ahead of this machine')
    expect(ahead.fix).toContain('timedatectl set-ntp true')
    expect(clockCheck('2026-01-01T09:59:56Z', t, t).summary).toContain('4.0 s behind')
    // a slow round trip is not a skew
    expect(clockCheck('2026-01-01T10:00:03Z', t, t + 6000).level).toBe('ok')
    expect(clockCheck(undefined, t, t).level).toBe('warn')
  })

  it('disk: ok from 10 GiB, warn below, fail below 2 GiB, never suggesting a volume prune', () => {
    expect(diskCheck('/var/lib/docker', {free: 50 * GiB, total: 100 * GiB}, 'statfs')).toMatchObject({level: 'ok', summary: '50.0 GiB free of 100.0 GiB under /var/lib/docker'})
    expect(diskCheck('/d', {free: 5 * GiB, total: 100 * GiB}, 'statfs').level).toBe('warn')
    const low = diskCheck('/d', {free: 1 * GiB, total: 100 * GiB}, 'statfs')
    expect(low).toMatchObject({level: 'fail', ok: false})
    expect(low.fix).toContain('docker system df')
    expect(low.fix).not.toContain('volume prune')
    expect(diskCheck('/d', undefined, '').level).toBe('warn')
  })

  it('df output of a helper container', () => {
    const out = 'Filesystem     1024-blocks      Used Available Capacity Mounted on\noverlay         264091588 183000000  80000000      70% /\n'
    expect(parseDf(out)).toEqual({total: 264091588 * 1024, free: 80000000 * 1024})
    expect(parseDf('df: not found')).toBeUndefined()
  })

  it('inotify: warns below 65536 watches with the sysctl fix; nothing to check off Linux', () => {
    const low = inotifyCheck(linux, {readText: () => '8192\n'})
    expect(low).toMatchObject({level: 'warn', details: {limit: 8192}})
    expect(low.fix).toBe('sudo sysctl fs.inotify.max_user_watches=524288, and to keep it: echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-inotify-watches.conf')
    expect(inotifyCheck(linux, {readText: () => '524288'}).level).toBe('ok')
    expect(inotifyCheck(linux, {readText: () => undefined}).level).toBe('warn')
    expect(inotifyCheck({...linux, platform: 'darwin'}, {readText: () => undefined}).level).toBe('ok')
  })

  it('local CA: not created yet is fine; its expiry otherwise', () => {
    const now = Date.parse('2026-06-01T00:00:00Z')
    const at = (iso: string) => ({certificate: () => ({subject: 'CN=berth', notAfter: new Date(iso)})})
    expect(caCheck('/s/tls/ca.crt', {certificate: () => undefined}, now)).toMatchObject({level: 'ok', summary: 'the local CA is not created yet (made by the first berth up qa)'})
    expect(caCheck('/s/tls/ca.crt', at('2027-06-01T00:00:00Z'), now)).toMatchObject({level: 'ok', details: {daysLeft: 365}})
    expect(caCheck('/s/tls/ca.crt', at('2026-06-10T00:00:00Z'), now).level).toBe('warn')
    const expired = caCheck('/s/tls/ca.crt', at('2026-05-01T00:00:00Z'), now)
    expect(expired).toMatchObject({level: 'fail'})
    expect(expired.fix).toContain('rm /s/tls/ca.crt')
    const broken = caCheck('/s/tls/ca.crt', {certificate: () => { throw new Error('bad PEM') }}, now)
    expect(broken).toMatchObject({level: 'fail'})
  })
})

/** An engine in a VM (Docker Desktop): its data root is not on this machine. */
class Engine extends FakeEngine {
  constructor() {
    super()
    this.info = async () => ({OperatingSystem: 'Docker Desktop', Name: 'vm', KernelVersion: '6.6.0', DockerRootDir: '/var/lib/docker', SystemTime: new Date().toISOString()})
  }
}

const diagnostics = (over: Partial<DiagnosticsPort> = {}): DiagnosticsPort => ({
  dockerContext: () => ({name: 'default', chosenBy: 'default', address: 'unix:///var/run/docker.sock'}),
  gitVersion: async () => '2.43.0',
  readText: () => '524288',
  diskSpace: async () => undefined,
  certificate: () => undefined,
  stateDir: '/nonexistent/berth-state',
  ...over,
})

describe('doctor: overall status and exit code', () => {
  const outside = mkdtempSync(path.join(os.tmpdir(), 'berth-doctor-unit-'))
  afterAll(() => rmSync(outside, {recursive: true, force: true}))

  function deps(engine: FakeEngine, over: Partial<DoctorDeps> = {}): DoctorDeps {
    engine.images.add('node:20-bookworm-slim').add('debian:bookworm-slim')
    engine.helperOutput.doctor = 'Filesystem 1024-blocks Used Available Capacity Mounted on\noverlay 104857600 10 52428800 50% /\n'
    return {...testDeps({engine, compose: new FakeCompose(engine), machine: linux}), diagnostics: diagnostics(), ...over}
  }

  it('all well: exit 0; the disk of an engine in a VM is measured by a helper container', async () => {
    const engine = new Engine()
    const r = await doctor({cwd: outside}, deps(engine))
    expect(r.checks.filter((c) => c.level !== 'ok').map((c) => `${c.id}: ${c.summary}`)).toEqual([])
    expect(r).toMatchObject({status: 'ok', exitCode: 0, project: null})
    expect(r.checks.find((c) => c.id === 'disk')).toMatchObject({summary: '50.0 GiB free of 100.0 GiB under /var/lib/docker', details: {measuredBy: 'df in debian:bookworm-slim'}})
    expect(engine.calls).toContain('helper doctor ')
  })

  it('a warning alone still exits 0', async () => {
    const r = await doctor({cwd: outside}, deps(new Engine(), {diagnostics: diagnostics({readText: () => '8192'})}))
    expect(r).toMatchObject({status: 'warn', exitCode: 0})
  })

  it('no engine: exit 4, its checks skipped, the others still run', async () => {
    const engine = new Engine()
    engine.ping = async () => {
      throw new BerthError('cannot reach the Docker engine at unix:///var/run/docker.sock (ENOENT)', {exitCode: ExitCode.DOCKER, hints: ['Start Docker.']})
    }
    const r = await doctor({cwd: outside}, deps(engine))
    expect(r).toMatchObject({status: 'fail', exitCode: 4})
    const c = Object.fromEntries(r.checks.map((x) => [x.id, x]))
    expect(c.engine).toMatchObject({level: 'fail', fix: 'Start Docker.'})
    expect(c.git.level).toBe('ok')
    expect(c.disk.summary).toBe('not checked: the engine is not reachable')
  })

  it('Compose v2 missing: exit 4', async () => {
    const engine = new Engine()
    const compose = new FakeCompose(engine)
    compose.version = async () => {
      throw new BerthError('berth needs Docker Compose v2, but the docker CLI has no compose command', {exitCode: ExitCode.DOCKER, hints: ['Install the Compose v2 plugin.']})
    }
    const r = await doctor({cwd: outside}, deps(engine, {compose}))
    expect(r.exitCode).toBe(4)
    expect(r.checks.find((c) => c.id === 'compose')).toMatchObject({level: 'fail', fix: 'Install the Compose v2 plugin.'})
  })

  it('another failure (no git): exit 5', async () => {
    const r = await doctor({cwd: outside}, deps(new Engine(), {diagnostics: diagnostics({gitVersion: async () => undefined})}))
    expect(r).toMatchObject({status: 'fail', exitCode: 5})
  })

  it('a missing mapped image is a warning naming where the mapping comes from', async () => {
    const engine = new Engine()
    const d = deps(engine)
    d.env = {...d.env, BERTH_IMAGE_MAP: 'postgres:15=local/pg:nope'}
    const r = await doctor({cwd: outside}, d)
    const images = r.checks.find((c) => c.id === 'images')!
    expect(images.level).toBe('warn')
    expect(images.fix).toBe('docker pull local/pg:nope (or build it), or change postgres:15=local/pg:nope in BERTH_IMAGE_MAP')
    expect(r.exitCode).toBe(0)
  })
})

describe('doctor: a project whose berth.yml is invalid', () => {
  it('fails the project check at its line (exit 5) and says the ports were not checked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-doctor-bad-'))
    try {
      writeFileSync(path.join(dir, 'berth.yml'), 'name: x\nservices:\n  web: {port: eighty, image: a}\n')
      const engine = new Engine()
      const r = await doctor({cwd: dir}, {...testDeps({engine, compose: new FakeCompose(engine), machine: linux}), diagnostics: diagnostics()})
      const c = Object.fromEntries(r.checks.map((x) => [x.id, x]))
      expect(c.project).toMatchObject({level: 'fail', summary: 'berth.yml:3:15: services.web.port must be an integer (got the string "eighty")'})
      expect(c.ports).toMatchObject({level: 'warn', summary: 'not checked: berth.yml could not be read', fix: 'Fix the project check first, then run berth doctor again.'})
      expect(r.exitCode).toBe(5)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
