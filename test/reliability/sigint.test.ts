// Ctrl-C (SIGINT to berth): exit 130, and the next command recovers. During `up` (Compose running), during
// `volumes clone` (a copy running: the re-run finishes it, and the copy is complete), and while waiting for
// the project lock (no use case of its own listening: berth stops at once).
import {existsSync, mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {lockFile} from '../../src/infra/lock.js'
import {sql} from '../e2e/data.js'
import {spawnBerth, waitFor, type CliResult} from '../e2e/harness.js'
import {containersIn, dockerOut, dumpSumOfRunning, engineObjects, helpersOf, smallFixture, type SmallFixture} from './lib.js'

/** berth in the background; `interrupt()` sends it SIGINT (as Ctrl-C does to the foreground process). */
function background(fx: SmallFixture, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawnBerth(args, {cwd: fx.dir, env: {...fx.env, ...env}})
  let stdout = ''
  let stderr = ''
  let ended = false
  child.stdout!.on('data', (c: Buffer) => (stdout += c))
  child.stderr!.on('data', (c: Buffer) => (stderr += c))
  const result = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true
      resolve({code: code ?? (signal ? -1 : 1), stdout, stderr: signal ? `${stderr}\n[killed by ${signal}]` : stderr})
    }),
  )
  return {result, interrupt: () => child.kill('SIGINT'), ended: () => ended, stderr: () => stderr}
}

async function dbId(fx: SmallFixture, status = 'running'): Promise<string | undefined> {
  return (await dockerOut(['ps', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service=db', '--filter', `status=${status}`])).trim().split('\n').filter(Boolean)[0]
}

describe('Ctrl-C', () => {
  let fx: SmallFixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  it('during up: exit 130, and the next up brings a healthy stack', async () => {
    fx = await smallFixture('t-int-up')
    const up = background(fx, ['up'])
    // Compose is at work once the stack's database container exists
    await waitFor(async () => (up.ended() ? 'ended' : (await engineObjects(fx!.name)).containers.find((c) => /-db-\d+$/.test(c))), 120_000, 'the database container')
    expect(up.ended(), `berth up ended before it could be interrupted:\n${up.stderr()}`).toBe(false)
    up.interrupt()
    const r = await up.result
    expect(r.code, r.stderr).toBe(130)

    const again = await fx.run(['up', '-q'])
    expect(again.code, again.stderr).toBe(0)
    const id = await dbId(fx)
    expect(id).toBeDefined()
    expect((await dockerOut(['inspect', '-f', '{{.State.Health.Status}}', id!])).trim()).toBe('healthy')
    expect(await containersIn(fx.name, 'paused')).toEqual([])
    expect(await helpersOf(fx.name)).toEqual([])
  })

  it('during volumes clone: exit 130; the re-run exits 0 with a complete copy; nothing left paused', async () => {
    fx = await smallFixture('t-int-clone')
    fx.env.BERTH_CLONE = 'copy' // an interrupted full copy (copy-on-write makes none)
    await fx.ok(['up', '-q'])
    // ~200 MB: a copy in the warm volume helper (no container start before it) lasts long enough to be seen
    await sql(fx.name, 'CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 300000) g')
    const mainSum = dumpSumOfRunning((await dbId(fx))!)

    const clone = background(fx, ['volumes', 'clone', 'main', 'feat'])
    await waitFor(async () => (clone.ended() ? 'ended' : (await helpersOf(fx!.name))[0]), 60_000, 'the copy helper container')
    expect(clone.ended(), `volumes clone ended before it could be interrupted:\n${clone.stderr()}`).toBe(false)
    clone.interrupt()
    const r = await clone.result
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toMatch(/^berth: error: interrupted while copying into .*; run the same command again to finish it$/m)
    expect(await containersIn(fx.name, 'paused'), 'the source database is resumed at once').toEqual([])

    const again = await fx.run(['volumes', 'clone', 'main', 'feat'])
    expect(again.code, again.stderr).toBe(0)
    expect(await helpersOf(fx.name)).toEqual([])
    expect(await containersIn(fx.name, 'paused')).toEqual([])
    // the copy is complete: feat's database is main's
    const sw = await fx.run(['switch', '--create', 'feat', '-q'])
    expect(sw.code, sw.stderr).toBe(0)
    expect(dumpSumOfRunning((await dbId(fx))!)).toBe(mainSum)
  })

  it('during the second volume of a clone: the re-run keeps the volume the first run finished', async () => {
    fx = await smallFixture('t-int-pairs', {yml: (n) => `name: ${n}\nservices:\n  cache:\n    template: redis\n  db:\n    template: postgres\n`})
    fx.env.BERTH_CLONE = 'copy' // an interrupted full copy (copy-on-write makes none)
    await fx.ok(['up', '-q'])
    // ~200 MB: the second copy lasts long enough to be seen and interrupted on a quiet machine too (40 MB took
    // less than the 250 ms between two looks)
    await sql(fx.name, 'CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 300000) g')
    const clone = background(fx, ['volumes', 'clone', 'main', 'feat'])
    // The second "Copying" line: the first copy (the small cache) is finished then, the database's under way.
    const seen: string[] = []
    await waitFor(async () => {
      if (clone.ended()) return 'ended'
      seen.splice(0, seen.length, ...[...clone.stderr().matchAll(/Copying \S+ -> (\S+)/g)].map((m) => m[1]))
      return seen.length >= 2 ? 'second' : undefined
    }, 60_000, 'the copy of the second volume')
    expect(clone.ended(), `volumes clone ended before its second copy could be interrupted:\n${clone.stderr()}`).toBe(false)
    clone.interrupt()
    const r = await clone.result
    expect(r.code, r.stderr).toBe(130)
    const volumes = (await engineObjects(fx.name)).volumes.filter((v) => v.includes('-dev-feat-'))
    const first = volumes.find((v) => v === seen[0])
    expect(first, `helpers ${seen.join(', ')}; volumes ${volumes.join(', ')}`).toBeDefined()
    const firstId = (await dockerOut(['volume', 'inspect', '-f', '{{.CreatedAt}} {{json .Labels}}', first!])).trim()

    await new Promise((r) => setTimeout(r, 1100)) // CreatedAt has whole seconds: a re-made volume would differ
    const again = await fx.run(['volumes', 'clone', 'main', 'feat'])
    expect(again.code, again.stderr).toBe(0)
    expect((await dockerOut(['volume', 'inspect', '-f', '{{.CreatedAt}} {{json .Labels}}', first!])).trim(), 'the finished copy was kept, not redone').toBe(firstId)
    expect((await engineObjects(fx.name)).volumes.filter((v) => v.includes('-dev-feat-'))).toHaveLength(2)
    expect(await helpersOf(fx.name)).toEqual([])
    expect(await containersIn(fx.name, 'paused')).toEqual([])
  })

  it('while waiting for the project lock: exit 130 at once, the lock holder undisturbed', async () => {
    fx = await smallFixture('t-int-lock')
    const locks = mkdtempSync(path.join(os.tmpdir(), 'berth-locks-'))
    const first = background(fx, ['up', '-q'], {BERTH_LOCK_DIR: locks})
    await waitFor(async () => (existsSync(lockFile(fx!.name, locks)) ? true : undefined), 60_000, 'the first up to take the lock')
    const second = background(fx, ['down'], {BERTH_LOCK_DIR: locks})
    await waitFor(async () => (/Waiting for another berth command/.test(second.stderr()) || second.ended() ? true : undefined), 60_000, 'the second to wait')
    expect(second.ended(), second.stderr()).toBe(false)
    second.interrupt()
    const r = await second.result
    expect(r.code, r.stderr).toBe(130)
    const one = await first.result
    expect(one.code, one.stderr).toBe(0)
    expect(existsSync(lockFile(fx.name, locks))).toBe(false)
  })
})
