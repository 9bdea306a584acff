// kill -9 in the middle of a switch to a new branch, while its database is being copied from main's:
// the next berth command converges (the copy is redone or found complete), the new branch gets main's
// rows, main's data is untouched, and nothing is left paused but main's stack kept warm.
import {execFile} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Engine} from '../../src/docker/engine.js'
import {WarmVolumeHelper} from '../../src/docker/volume-helper.js'
import {installation} from '../../src/infra/paths.js'
import {docker, notes, sql} from './data.js'
import {berth, expectOk, containersOf, git, spawnBerth, stackFixture, type Fixture} from './harness.js'

/**
 * Wait in the warm volume helper until a copy job into a db-data volume runs, and stop it there (SIGSTOP of its
 * process group): the copy is caught half done whatever the machine's speed. Resolves with its process group.
 */
function catchCopy(helper: string): Promise<string> {
  const wait = 'for i in $(seq 1 12000); do for f in /tmp/berth-jobs/*_db-data; do if [ -s "$f" ]; then read -r p < "$f"; kill -STOP -- "-$p" && echo "$p" && exit 0; fi; done; sleep 0.01; done; exit 1'
  return new Promise((resolve, reject) => execFile('docker', ['exec', helper, 'bash', '-c', wait], {encoding: 'utf8'}, (e, out) => (e ? reject(e) : resolve(out.trim()))))
}

describe('a switch killed with -9 during the copy of its data', () => {
  let fx: Fixture
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    fx = await stackFixture('shop', {prefix: 't-kill'})
    // This test is about an interrupted full copy (copy-on-write makes none): full copies, whatever the engine can do.
    // Its own warm volume helper, made first, so that the copy running in it can be caught.
    env = {...fx.env, BERTH_CLONE: 'copy', BERTH_VOLUME_HELPER: `berth-vh-${fx.name}`, BERTH_WARM_COPY: '1'}
    const engine = new Engine(undefined, env)
    await new WarmVolumeHelper(() => engine.docker(), installation(env), env).run({image: 'local/debian:bookworm', root: '/var/lib/docker/volumes', script: 'true', argv: ['true']})
  })
  afterAll(async () => {
    await docker(['rm', '-f', `berth-vh-${fx?.name}`])
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
    // The copy has begun when it runs in the warm volume helper (caught and held there): kill berth then.
    const caught = catchCopy(env.BERTH_VOLUME_HELPER!)
    const group = await Promise.race([caught, exited.then((how) => Promise.reject(new Error(`berth switch ended (${how}) before its copy could be interrupted`)))])
    expect(done).toBe(false)
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    // The copy goes on without its berth (as it would after a kill -9): the next command must stop it first.
    await docker(['exec', env.BERTH_VOLUME_HELPER!, 'bash', '-c', `kill -CONT -- -${group}`])
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
