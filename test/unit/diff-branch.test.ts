// berth diff ENV --branch B: the other branch's berth.yml read through the git port, rendered with its
// branch name and not cached; its mistakes named as the other branch's.
import {cpSync, mkdtempSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {diffProject} from '../../src/app/diff.js'
import {loadProject} from '../../src/app/project.js'
import {ExitCode} from '../../src/core/errors.js'
import {testDeps} from './fakes.js'
import {ROOT} from './helpers.js'

async function shop(other: string | undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-diff-branch-'))
  cpSync(path.join(ROOT, 'stacks', 'shop'), dir, {recursive: true, filter: (src) => !/[/\\](node_modules|\.berth)$/.test(src)})
  const env = {BERTH_BRANCH: 'main', BERTH_CONFIG: '/nonexistent/berth-config.yml'}
  const asked: string[] = []
  const base = testDeps({}, env)
  const git = {...base.git, showFile: async (cwd: string, rev: string, file: string) => (asked.push(`${cwd} ${rev} ${file}`), other)}
  const deps = testDeps({git}, env)
  return {dir, deps, asked, project: await loadProject({cwd: dir}, deps), text: readFileSync(path.join(dir, 'berth.yml'), 'utf8')}
}

describe('berth diff --branch', () => {
  it("renders the other branch's berth.yml with that branch's name", async () => {
    const text = readFileSync(path.join(ROOT, 'stacks/shop/berth.yml'), 'utf8').replace('LOG_LEVEL: info', 'LOG_LEVEL: debug')
    const {project, deps, asked, dir} = await shop(text)
    const report = await diffProject(project, {a: 'qa', b: 'qa', branch: 'feat/x', salt: 's'}, deps)
    expect(asked).toEqual([`${dir} feat/x berth.yml`])
    expect(report.a).toMatchObject({env: 'qa', branch: 'main'})
    expect(report.b).toMatchObject({env: 'qa', branch: 'feat/x'})
    expect(report.b.project).not.toBe(report.a.project)
    const web = report.services.find((s) => s.service === 'web')!
    expect(web.changes.filter((c) => c.key.startsWith('environment.'))).toEqual([{key: 'environment.LOG_LEVEL', a: 'info', b: 'debug'}])
    expect(report.services.find((s) => s.service === 'db')!.changes).toEqual([expect.objectContaining({key: 'mounts./var/lib/postgresql/data', note: 'volume name'})])
    expect(report.warnings).toEqual([])
  })

  it('a branch without berth.yml is a CONFIG error', async () => {
    const {project, deps} = await shop(undefined)
    const error = await diffProject(project, {a: 'qa', b: 'qa', branch: 'old'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.message).toBe('branch "old" has no berth.yml in this folder')
  })

  it("a mistake in the other branch's berth.yml is named as that branch's", async () => {
    const {project, deps} = await shop('name: shop\nservices:\n  web:\n    template: nope\n')
    const error = await diffProject(project, {a: 'qa', b: 'qa', branch: 'other'}, deps).catch((e) => e)
    expect(error.exitCode).toBe(ExitCode.CONFIG)
    expect(error.message).toMatch(/^on branch other: berth\.yml:4:\d+: unknown template "nope" for service "web"/)
  })
})
