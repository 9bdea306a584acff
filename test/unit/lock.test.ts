import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ExitCode} from '../../src/core/errors.js'
import {acquireLock, fileLock, lockFile} from '../../src/infra/lock.js'

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'berth-lock-test-'))

describe('project lock', () => {
  it('holdIfFree runs nothing while another live process holds the lock, and runs once it is free', async () => {
    const d = dir()
    writeFileSync(lockFile('r', d), `${process.ppid}\nup\n`)
    const ran: string[] = []
    expect(await fileLock({dir: d}).holdIfFree('r', async () => void ran.push('held'))).toBeUndefined()
    expect(ran).toEqual([])
    const {unlinkSync} = await import('node:fs')
    unlinkSync(lockFile('r', d))
    expect(await fileLock({dir: d}).holdIfFree('r', async () => 'ran')).toBe('ran')
    expect(existsSync(lockFile('r', d))).toBe(false)
  })

  it('a second holder waits, then fails with LOCKED', async () => {
    const d = dir()
    // Another live process holds it: the parent of this test runner is alive.
    writeFileSync(lockFile('p', d), `${process.ppid}\nup\n`)
    await expect(acquireLock('p', {dir: d, timeoutSeconds: 0.3})).rejects.toMatchObject({
      exitCode: ExitCode.LOCKED,
      message: expect.stringMatching(/another berth command is running/),
    })
  })

  it('takes over a lock whose owner is dead (kill -9)', async () => {
    const d = dir()
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout
    writeFileSync(lockFile('p', d), `${dead}\nswitch\n`)
    const lock = await acquireLock('p', {dir: d, timeoutSeconds: 1})
    expect(existsSync(lock.file)).toBe(true)
    lock.release()
    expect(existsSync(lock.file)).toBe(false)
  })

  it('serializes: the second acquire gets it once the first releases', async () => {
    const d = dir()
    const first = await acquireLock('q', {dir: d})
    const order: string[] = []
    // Same process is re-entrant, so simulate another owner by rewriting the pid to a live foreign one.
    writeFileSync(first.file, `${process.ppid}\nup\n`)
    const second = acquireLock('q', {dir: d, timeoutSeconds: 5}).then((l) => {
      order.push('second')
      return l
    })
    await new Promise((r) => setTimeout(r, 300))
    order.push('first-release')
    writeFileSync(first.file, `${process.pid}\nup\n`)
    first.release()
    const l = await second
    expect(order).toEqual(['first-release', 'second'])
    l.release()
  })

  it('different projects do not block each other', async () => {
    const d = dir()
    const a = await acquireLock('a', {dir: d})
    writeFileSync(a.file, `${process.ppid}\n`)
    const b = await acquireLock('b', {dir: d, timeoutSeconds: 0.2})
    expect(existsSync(b.file)).toBe(true) // b's lock taken while a's is held by another process
    expect(b.file).not.toBe(a.file)
    b.release()
  })
})
