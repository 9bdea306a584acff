// Validate before changing anything: a compose: fragment Compose (or the engine) would refuse stops `up`
// with one line at its berth.yml line, exit 3, and the engine exactly as it was: no volume, network,
// door or container of the project. `render --check` finds the same mistakes.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {berth, containersOf, stackFixture, volumesOf, type Fixture} from './harness.js'

function networksOf(name: string): string[] {
  return execFileSync('docker', ['network', 'ls', '-q', '--filter', `label=dev.berth.project=${name}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
}

const cases: Array<{what: string; fragment: Record<string, unknown>; top?: boolean; message: RegExp}> = [
  {what: 'a restart policy the engine refuses', fragment: {restart: 'sometimes'}, message: /services\.web\.restart must be no, always, unless-stopped or on-failure/},
  {what: 'ports as a scalar', fragment: {ports: 8000}, message: /services\.web\.ports must be a list/},
  {what: 'an unknown Compose key', fragment: {frobnicate: 1}, message: /services\.web\.frobnicate is not a Compose key/},
  {what: 'top-level volumes as a list', fragment: {volumes: ['a']}, top: true, message: /volumes must be a mapping/},
]

describe('a compose: fragment Compose would refuse', () => {
  let fx: Fixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  it.each(cases)('$what: up exits 3 at its berth.yml line and creates nothing', async ({fragment, top, message}) => {
    fx = await stackFixture('shop', {edit: (doc) => (top ? doc.set('compose', fragment) : doc.setIn(['services', 'web', 'compose'], fragment))})
    const r = await berth(['up'], {cwd: fx.dir, env: fx.env})
    expect(r.code, r.stderr).toBe(3)
    const key = Object.keys(fragment)[0]
    const lines = readFileSync(path.join(fx.dir, 'berth.yml'), 'utf8').split('\n')
    const line = lines.findIndex((l, i) => l.trimStart().startsWith(`${key}:`) && lines.slice(0, i).some((p) => /^\s*compose:/.test(p))) + 1
    expect(line).toBeGreaterThan(0)
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^berth: error: berth\\.yml:${line}:\\d+: `))
    expect(r.stderr.split('\n')[0]).toMatch(message)
    expect(await containersOf(fx.name)).toEqual([])
    expect(await volumesOf(fx.name)).toEqual([])
    expect(networksOf(fx.name)).toEqual([])
  })

  it('render --check finds it too, with the same line and exit code', async () => {
    fx = await stackFixture('shop', {edit: (doc) => doc.setIn(['services', 'web', 'compose'], {restart: 'sometimes'})})
    const r = await berth(['render', '--check'], {cwd: fx.dir, env: fx.env})
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toMatch(/^berth: error: berth\.yml:\d+:\d+: services\.web\.restart must be/)
  })
})
