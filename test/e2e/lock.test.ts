// Two berth commands on one project at once are serialized by its lock: the second waits for the first
// (and both succeed, leaving one stack), or, past BERTH_LOCK_TIMEOUT, exits 8 naming the command it waited for.
import {existsSync, mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {lockFile} from '../../src/infra/lock.js'
import {berth, containersOf, spawnBerth, stackFixture, waitFor, type CliResult, type Fixture} from './harness.js'

let fx: Fixture | undefined
afterEach(async () => {
  await fx?.cleanup()
  fx = undefined
})

/** Start `berth up` in the background; resolves with its result when it ends. */
function upInBackground(f: Fixture, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawnBerth(['up', '-q'], {cwd: f.dir, env})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c))
  child.stderr!.on('data', (c: Buffer) => (stderr += c))
  return new Promise((resolve) => child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr})))
}

async function lockedFixture() {
  fx = await stackFixture('shop', {prefix: 't-lock'})
  const locks = mkdtempSync(path.join(os.tmpdir(), 'berth-locks-'))
  const env = {...fx.env, BERTH_LOCK_DIR: locks}
  const first = upInBackground(fx, env)
  const file = lockFile(fx.name, locks)
  await waitFor(async () => (existsSync(file) ? true : undefined), 60_000, 'the first berth up to take the lock')
  return {fx, env, first, file}
}

describe('the project lock', () => {
  it('a second berth up waits for the first, then both succeed and one stack runs', async () => {
    const {fx: f, env, first} = await lockedFixture()
    const second = await berth(['up'], {cwd: f.dir, env})
    const one = await first
    expect(one.code, one.stderr).toBe(0)
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toMatch(/Waiting for another berth command on this project \(pid \d+ \(berth up -q\)\)/)
    const running = (await containersOf(f.name)).filter((c) => c.state === 'running' && c.service && c.service !== 'web-setup')
    expect(running.map((c) => c.service).sort()).toEqual(['cache', 'db', 'web'])
  })

  it('past BERTH_LOCK_TIMEOUT the second exits 8, naming the command that holds the lock', async () => {
    const {fx: f, env, first, file} = await lockedFixture()
    const second = await berth(['down'], {cwd: f.dir, env: {...env, BERTH_LOCK_TIMEOUT: '1'}})
    expect(second.code, second.stderr).toBe(8)
    expect(second.stderr.split('\n').find((l) => l.startsWith('berth: error:'))).toMatch(new RegExp(`^berth: error: another berth command is running for project ${f.name} \\(pid \\d+: berth up -q\\)$`))
    expect((await first).code).toBe(0) // the first was not disturbed
    expect(existsSync(file)).toBe(false) // and released the lock when it ended
  })
})
