// berth init on the real engine: `init --yes` in an Express-like app (node:http only, no dependencies), then
// `berth up` answers HTTP 200 and `berth debug --json` lists the app's inspector. And the built CLI's bad input:
// no package.json, an existing berth.yml, no terminal without --yes (one line, the exit code, no file left).
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {berth, expectOk, freeOffset, git, httpGet, releaseOffset, removeProject, ROOT, uniqueName, waitFor, type CliResult} from './harness.js'

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'init')

interface InitFixture {
  dir: string
  name: string
  offset: number
  env: NodeJS.ProcessEnv
  run(args: string[]): Promise<CliResult>
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A copy of test/fixtures/init/NAME in its own git repository (branch main), with free ports; removed after the test. */
async function initFixture(fixture: string): Promise<InitFixture> {
  const name = uniqueName('t-init')
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  cpSync(path.join(FIXTURES, fixture), dir, {recursive: true})
  git(['init', '-q', '-b', 'main'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fixture'], dir)
  const offset = await freeOffset([3000, 9229])
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  const env = {BERTH_PORT_OFFSET: String(offset), BERTH_STATE_DIR: state}
  cleanups.push(async () => {
    await removeProject(name)
    rmSync(dir, {recursive: true, force: true})
    rmSync(state, {recursive: true, force: true})
    releaseOffset(offset)
  })
  return {dir, name, offset, env, run: (args) => berth(args, {cwd: dir, env})}
}

/** One `berth: error:` line (and its hints), no stack trace. */
function oneError(r: CliResult): string {
  const lines = r.stderr.trim().split('\n')
  expect(lines[0]).toMatch(/^berth: error: /)
  expect(lines.slice(1).every((l) => /^\s+Try this: /.test(l)), r.stderr).toBe(true)
  return lines[0]
}

describe('berth init', () => {
  it('init --yes in an Express-like app, then up: HTTP 200 on the detected port, debug --json lists the inspector', async () => {
    const fx = await initFixture('express')
    const init = expectOk(await fx.run(['init', '--yes', '--name', fx.name]), 'berth init --yes')
    expect(init.stdout).toBe('Next: berth up\n')
    expect(init.stderr).toContain('port: 3000 (server.js:4)')
    expect(readFileSync(path.join(fx.dir, '.gitignore'), 'utf8')).toBe('.berth/\n')

    const up = expectOk(await fx.run(['up', '--json', '-q']), 'berth up')
    const app = JSON.parse(up.stdout).services.find((s: {service: string}) => s.service === 'app')
    expect(app).toMatchObject({health: 'healthy'})
    const res = await waitFor(async () => {
      const r = await httpGet(`http://127.0.0.1:${3000 + fx.offset}/`)
      return r.status === 200 ? r : undefined
    }, 30_000, 'HTTP 200 from the app')
    expect(JSON.parse(res.body)).toEqual({hello: 'berth'})

    const debug = JSON.parse(expectOk(await fx.run(['debug', '--json']), 'berth debug --json').stdout)
    expect(debug.targets).toHaveLength(1)
    expect(debug.targets[0]).toMatchObject({service: 'app', host: '127.0.0.1', port: 9229 + fx.offset})
    expect(debug.targets[0].ws).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${9229 + fx.offset}/`))
  })

  it('bad input: no package.json (exit 5), an existing berth.yml (exit 9, unchanged), no terminal without --yes (exit 2): one line, no file left', async () => {
    const empty = await initFixture('no-package')
    const none = await empty.run(['init', '--yes'])
    expect(none.code).toBe(5)
    expect(oneError(none)).toMatch(/no package\.json in /)
    expect(readdirSync(empty.dir).sort()).toEqual(['.git', 'README.md'])

    const fx = await initFixture('express')
    const noTty = await fx.run(['init'])
    expect(noTty.code).toBe(2)
    expect(oneError(noTty)).toMatch(/asks its questions on a terminal/)
    expect(noTty.stderr).toContain('berth init --yes')

    writeFileSync(path.join(fx.dir, 'berth.yml'), 'name: mine\nservices: {}\n')
    const exists = await fx.run(['init', '--yes'])
    expect(exists.code).toBe(9)
    expect(oneError(exists)).toMatch(/berth\.yml exists already/)
    expect(readFileSync(path.join(fx.dir, 'berth.yml'), 'utf8')).toBe('name: mine\nservices: {}\n')
    expect(readdirSync(fx.dir).sort()).toEqual(['.git', 'berth.yml', 'lib', 'package.json', 'server.js'])

    const bad = await fx.run(['init', '--yes', '--force', '--name', 'Not A Name'])
    expect(bad.code).toBe(2)
    oneError(bad)
    expect(readFileSync(path.join(fx.dir, 'berth.yml'), 'utf8')).toBe('name: mine\nservices: {}\n')
  })
})
