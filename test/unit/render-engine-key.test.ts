// The engine's API version is part of a render (start_interval): a render for one engine is not another's,
// but commands that need only names (logs, exec, down) take a stored render for any engine.
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {loadProject} from '../../src/app/project.js'
import {renderProject, type RenderCache} from '../../src/app/render.js'
import {testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function shop() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-engine-key-'))
  dirs.push(dir)
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const texts = new Map<string, string>()
  const store = {read: (root: string, env: string) => texts.get(`${root}|${env}`), write: (root: string, env: string, text: string) => void texts.set(`${root}|${env}`, text)}
  const env = {BERTH_BRANCH: 'main', BERTH_PORT_OFFSET: '0', BERTH_CONFIG: path.join(dir, 'no-user-config.yml'), HOME: dir}
  const cache: RenderCache = {version: '1.0.0', build: 'test', store, berthRoot: ROOT}
  return {dir, deps: testDeps({}, env), cache}
}

describe('the render cache and the engine API version', () => {
  it('a render for API 1.45 has start_interval, is cached as such, and is not the one for an unknown engine', async () => {
    const {dir, deps, cache} = shop()
    const project = await loadProject({cwd: dir}, deps)
    const for145 = {...project, ctx: {...project.ctx, engineApi: '1.45'}}
    const first = await renderProject(for145, 'dev', deps, {cache})
    expect(first.cached).toBe(false)
    expect(first.yaml).toContain('start_interval: 250ms')
    const again = await renderProject({...(await loadProject({cwd: dir}, deps)), ctx: {...project.ctx, engineApi: '1.45'}}, 'dev', deps, {cache})
    expect(again.cached).toBe(true)
    const unknown = await renderProject(await loadProject({cwd: dir}, deps), 'dev', deps, {cache})
    expect(unknown.cached).toBe(false)
    expect(unknown.yaml).not.toContain('start_interval')
  })

  it('anyEngine (logs, exec, down): the stored render of any engine will do', async () => {
    const {dir, deps, cache} = shop()
    const project = await loadProject({cwd: dir}, deps)
    await renderProject({...project, ctx: {...project.ctx, engineApi: '1.45'}}, 'dev', deps, {cache})
    const names = await renderProject(await loadProject({cwd: dir}, deps), 'dev', deps, {cache, anyEngine: true})
    expect(names.cached).toBe(true)
    // and it did not replace the stored one: up still finds its render
    const up = await renderProject({...(await loadProject({cwd: dir}, deps)), ctx: {...project.ctx, engineApi: '1.45'}}, 'dev', deps, {cache})
    expect(up.cached).toBe(true)
  })
})
