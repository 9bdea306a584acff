// Per-branch data on the real engine: switching never mixes or loses data, odd branch names are safe,
// a second worktree runs side by side, prune removes only deleted branches' volumes, and an interrupted
// clone is redone.
import {existsSync, mkdtempSync, realpathSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {worktreePortOffset} from '../../src/core/branches.js'
import {volumeName} from '../../src/core/naming.js'
import {docker, notes, sql, volumeSum} from './data.js'
import {berth, expectOk, git, httpGet, stackFixture, volumesOf, type Fixture} from './harness.js'

const fixtures: Fixture[] = []
async function fixture(): Promise<Fixture & {run: (args: string[], cwd?: string, env?: NodeJS.ProcessEnv) => ReturnType<typeof berth>}> {
  const fx = await stackFixture('shop', {prefix: 't-br'})
  fixtures.push(fx)
  return {...fx, run: (args, cwd = fx.dir, extra = {}) => berth(args, {cwd, env: {...fx.env, ...extra}})}
}

// Each test's stacks go away when it ends: several running stacks at once slow a 2-core machine.
afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.cleanup()
})

const dataVolume = (project: string, branch: string) => volumeName({project, env: 'dev', branch, service: 'db', key: 'data', kind: 'data'})

describe('per-branch data', () => {
  it('a new branch starts as a clone of main; switching back and forth never mixes or loses rows', async () => {
    const fx = await fixture()
    const up = await fx.run(['up', '--quiet'])
    expect(up.code, up.stderr).toBe(0)
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main-0')")

    const first = await fx.run(['switch', '--create', 'feat/a-b', '--quiet'])
    expect(first.code, first.stderr).toBe(0)
    expect(await notes(fx.name)).toBe('main-0') // a clone of main's database
    await sql(fx.name, "INSERT INTO notes VALUES ('feat-0')")

    let expectMain = ['main-0']
    let expectFeat = ['feat-0', 'main-0'] // sorted, as the query orders them
    const mainVol = dataVolume(fx.name, 'main')
    const featVol = dataVolume(fx.name, 'feat/a-b')
    for (let round = 1; round <= 3; round++) {
      // On feat: main's volume is not in use and must not change while feat runs and writes.
      const mainSum = await volumeSum(mainVol)
      await sql(fx.name, `INSERT INTO notes VALUES ('feat-${round}')`)
      expectFeat = [...expectFeat, `feat-${round}`].sort()
      expect(await volumeSum(mainVol)).toBe(mainSum)
      const toMain = await fx.run(['switch', 'main', '--quiet'])
      expect(toMain.code, toMain.stderr).toBe(0)
      expect(await notes(fx.name)).toBe(expectMain.join(',')) // main's rows intact, the branch's absent

      const featSum = await volumeSum(featVol)
      await sql(fx.name, `INSERT INTO notes VALUES ('main-${round}')`)
      expectMain = [...expectMain, `main-${round}`].sort()
      expect(await volumeSum(featVol)).toBe(featSum)
      const toFeat = await fx.run(['switch', 'feat/a-b', '--quiet'])
      expect(toFeat.code, toFeat.stderr).toBe(0)
      expect(await notes(fx.name)).toBe(expectFeat.join(','))
    }

    const before = await volumesOf(fx.name)
    const down = await fx.run(['down', '--quiet'])
    expect(down.code, down.stderr).toBe(0)
    expect(await volumesOf(fx.name)).toEqual(before) // down never removes a data volume
  }, 420_000)

  it('refuses to switch with uncommitted changes, and leaves the branch and stack alone', async () => {
    const fx = await fixture()
    const {writeFileSync} = await import('node:fs')
    writeFileSync(path.join(fx.dir, 'app', 'server.js'), '// changed\n', {flag: 'a'})
    const r = await fx.run(['switch', '--create', 'other'])
    expect(r.code).toBe(7)
    expect(r.stderr).toMatch(/uncommitted changes/)
    expect(git(['branch', '--show-current'], fx.dir).trim()).toBe('main')
    expect(await volumesOf(fx.name)).toEqual([])
  })

  it('a branch named x;touch${IFS}pwned works and runs no shell', async () => {
    const fx = await fixture()
    const branch = 'x;touch${IFS}pwned'
    const r = await fx.run(['switch', '--create', branch, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    expect(git(['branch', '--show-current'], fx.dir).trim()).toBe(branch)
    const page = await httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`)
    expect(page.status).toBe(200)
    const vols = await volumesOf(fx.name)
    expect(vols).toContain(dataVolume(fx.name, branch))
    const ls = expectOk(await fx.run(['volumes', 'ls', '--json']))
    expect(JSON.parse(ls.stdout).volumes.filter((v: {branch: string}) => v.branch === branch)).toHaveLength(2)
    for (const dir of [fx.dir, path.join(fx.dir, 'app'), process.cwd(), os.homedir(), '/tmp']) expect(existsSync(path.join(dir, 'pwned')), dir).toBe(false)
  })

  it('a second worktree runs its own stack at the same time on its own port block', async () => {
    const fx = await fixture()
    const up = await fx.run(['up', '--quiet'])
    expect(up.code, up.stderr).toBe(0)
    const wt = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'berth-wt-')))
    rmSync(wt, {recursive: true})
    git(['worktree', 'add', '-q', '-b', 'side', wt], fx.dir)
    try {
      const offset = worktreePortOffset({linked: true, name: path.basename(wt), path: wt})
      const upWt = await fx.run(['up', '--json'], wt, {BERTH_PORT_OFFSET: ''})
      expect(upWt.code, upWt.stderr).toBe(0)
      const web = JSON.parse(upWt.stdout).services.find((s: {service: string}) => s.service === 'web')
      expect(web.url).toBe(`http://127.0.0.1:${8000 + offset}/`)
      const [a, b] = await Promise.all([httpGet(`http://127.0.0.1:${8000 + fx.offset}/api/stats`), httpGet(`http://127.0.0.1:${8000 + offset}/api/stats`)])
      expect([a.status, b.status]).toEqual([200, 200])
      const status = JSON.parse(expectOk(await fx.run(['status', '--json'])).stdout)
      const running = status.stacks.filter((s: {services: Array<{state: string}>}) => s.services.some((x) => x.state === 'running'))
      expect(running.map((s: {branch: string}) => s.branch).sort()).toEqual(['main', 'side'])
    } finally {
      await berth(['down', '--quiet'], {cwd: wt, env: {...fx.env, BERTH_PORT_OFFSET: ''}})
      rmSync(wt, {recursive: true, force: true})
    }
  })

  it('prune removes the volumes of a deleted branch and nothing else', async () => {
    const fx = await fixture()
    expectOk(await fx.run(['switch', '--create', 'gone', '--quiet']))
    expectOk(await fx.run(['switch', 'main', '--quiet']))
    const before = await volumesOf(fx.name)
    const goneVols = before.filter((v) => v.includes('-gone-'))
    expect(goneVols).toHaveLength(2)
    git(['branch', '-D', 'gone'], fx.dir)
    const refused = await fx.run(['volumes', 'prune']) // no terminal, no --yes
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--yes/)
    expect(await volumesOf(fx.name)).toEqual(before)
    const pruned = await fx.run(['volumes', 'prune', '--yes', '--json'])
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(JSON.parse(pruned.stdout).removed.sort()).toEqual(goneVols)
    expect(await volumesOf(fx.name)).toEqual(before.filter((v) => !goneVols.includes(v)))
  })

  it('an interrupted clone (marker left in the target) is detected and redone', async () => {
    const fx = await fixture()
    expectOk(await fx.run(['up', '--quiet']))
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main-0')")
    expectOk(await fx.run(['down', '--quiet']))
    git(['branch', 'half'], fx.dir)
    // What kill -9 in the middle of a copy leaves: the target, labelled as seeded, with the marker and part of the data.
    const target = dataVolume(fx.name, 'half')
    const created = await docker(['volume', 'create', '--label', `dev.berth.project=${fx.name}`, '--label', 'dev.berth.seed-from=' + dataVolume(fx.name, 'main'), target])
    expect(created.code, created.stderr).toBe(0)
    const partial = await docker(['run', '--rm', '-v', `${target}:/to`, 'local/debian:bookworm', 'sh', '-c', 'touch /to/.berth-clone-incomplete && mkdir /to/base && echo junk > /to/PG_VERSION'])
    expect(partial.code, partial.stderr).toBe(0)
    const sw = await fx.run(['switch', 'half', '--quiet'])
    expect(sw.code, sw.stderr).toBe(0)
    expect(await notes(fx.name)).toBe('main-0')
  })
})

describe('volumes clone', () => {
  it('keeps owners, permissions, symlinks and hard links', async () => {
    const fx = await fixture()
    const source = dataVolume(fx.name, 'main')
    const labels = ['project=' + fx.name, 'env=dev', 'branch=main', 'service=db', 'volume=data', 'kind=data'].flatMap((l) => ['--label', `dev.berth.${l}`])
    expect((await docker(['volume', 'create', ...labels, source])).code).toBe(0)
    const fill = 'cd /v && mkdir -p d && echo hello > d/f && chown 1234:5678 d/f && chmod 640 d/f && chmod 700 d && ln -s d/f link && ln d/f hard && chown 999:999 /v && chmod 750 /v'
    expect((await docker(['run', '--rm', '-v', `${source}:/v`, 'local/debian:bookworm', 'sh', '-c', fill])).code).toBe(0)
    const r = await fx.run(['volumes', 'clone', 'main', 'copy', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const target = dataVolume(fx.name, 'copy')
    expect(JSON.parse(r.stdout).volumes).toEqual([{source, target}])
    expect(await volumeSum(target)).toBe(await volumeSum(source))
    const links = await docker(['run', '--rm', '-v', `${target}:/v:ro`, 'local/debian:bookworm', 'stat', '-c', '%n %h %u:%g %a %F', '/v/hard', '/v/d/f', '/v/link', '/v'])
    const lines = links.stdout.trim().split('\n')
    expect(lines.slice(0, 2)).toEqual(['/v/hard 2 1234:5678 640 regular file', '/v/d/f 2 1234:5678 640 regular file'])
    expect(lines[2]).toMatch(/^\/v\/link 1 0:0 777 symbolic link$/)
    expect(lines[3]).toMatch(/^\/v \d+ 999:999 750 directory$/)
    const again = await fx.run(['volumes', 'clone', 'main', 'copy'])
    expect(again.code).toBe(9) // never overwrites: refused
  })

  it('run again after it was interrupted, finishes the copy instead of refusing', async () => {
    const fx = await fixture()
    const source = dataVolume(fx.name, 'main')
    const labels = ['project=' + fx.name, 'env=dev', 'branch=main', 'service=db', 'volume=data', 'kind=data'].flatMap((l) => ['--label', `dev.berth.${l}`])
    expect((await docker(['volume', 'create', ...labels, source])).code).toBe(0)
    expect((await docker(['run', '--rm', '-v', `${source}:/v`, 'local/debian:bookworm', 'sh', '-c', 'mkdir /v/d && seq 1 5000 > /v/d/numbers'])).code).toBe(0)
    // What a berth volumes clone killed mid-copy leaves: its target, labelled as copied from main, with the marker.
    const target = dataVolume(fx.name, 'copy')
    const partial = [...labels.map((l) => l.replace('branch=main', 'branch=copy')), '--label', `dev.berth.seed-from=${source}`]
    expect((await docker(['volume', 'create', ...partial, target])).code).toBe(0)
    expect((await docker(['run', '--rm', '-v', `${target}:/to`, 'local/debian:bookworm', 'sh', '-c', 'touch /to/.berth-clone-incomplete && mkdir /to/d && echo 1 > /to/d/numbers'])).code).toBe(0)
    const r = await fx.run(['volumes', 'clone', 'main', 'copy'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`Finishing an interrupted copy: ${source} -> ${target}`)
    expect(await volumeSum(target)).toBe(await volumeSum(source))
  })
})
