// kill -9 in the middle of a switch to a new branch, while its database is being copied from main's:
// the next berth command converges (the copy is redone or found complete), the new branch gets main's
// rows, main's data is untouched, and nothing is left paused but main's stack kept warm.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {docker, notes, sql} from './data.js'
import {berth, expectOk, containersOf, git, spawnBerth, stackFixture, type Fixture} from './harness.js'

describe('a switch killed with -9 during the copy of its data', () => {
  let fx: Fixture
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    fx = await stackFixture('shop', {prefix: 't-kill'})
    // This test is about an interrupted full copy (copy-on-write makes none): full copies, whatever the engine can do.
    env = {...fx.env, BERTH_CLONE: 'copy'}
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it('is completed by the next berth up, with main\'s rows on the branch and main\'s data intact', async () => {
    expectOk(await berth(['up', '-q'], {cwd: fx.dir, env}))
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main-0')")
    // ~40 MB, so that the copy lasts long enough to be interrupted.
    await sql(fx.name, "CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 60000) g")
    const bulk = await sql(fx.name, 'SELECT count(*) || \':\' || sum(length(pad)) FROM bulk')

    const child = spawnBerth(['switch', '--create', 'feat', '-q'], {cwd: fx.dir, env})
    let done = false
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(((done = true), signal ?? code))))
    // The copy has begun when its helper container exists: kill berth then.
    const deadline = Date.now() + 120_000
    for (;;) {
      const r = await docker(['ps', '-aq', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.helper=clone', '--filter', 'name=_db-data'])
      if (r.stdout.trim()) break
      if (done) throw new Error(`berth switch ended (${await exited}) before its copy could be interrupted`)
      if (Date.now() > deadline) throw new Error('no clone helper container within 120 s')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(git(['branch', '--show-current'], fx.dir).trim()).toBe('feat')

    const again = await berth(['up', '-q'], {cwd: fx.dir, env})
    expect(again.code, again.stderr).toBe(0)
    expect(await notes(fx.name)).toBe('main-0')
    expect(await sql(fx.name, 'SELECT count(*) || \':\' || sum(length(pad)) FROM bulk')).toBe(bulk)
    // Main's stack kept warm (paused), the branch's running; no copy helper left behind, running or exited.
    const states = (await containersOf(fx.name)).filter((c) => c.service && c.service !== 'web-setup') // not the door
    for (const c of states) expect(`${c.name} ${c.state}`).toMatch(c.name.includes('-dev-main-') ? / paused$/ : /-dev-feat-.* running$/)

    const back = await berth(['switch', 'main', '-q'], {cwd: fx.dir, env})
    expect(back.code, back.stderr).toBe(0)
    expect(await notes(fx.name)).toBe('main-0')
    expect(await sql(fx.name, 'SELECT count(*) || \':\' || sum(length(pad)) FROM bulk')).toBe(bulk)
  })
})
