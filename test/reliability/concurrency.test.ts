// Several `berth up` at once on one project: the project lock serializes them, so all exit 0 (the later ones
// wait), and the engine holds one stack: one database container, running and healthy, one door, one
// network each, one volume. No duplicates.
import {afterEach, describe, expect, it} from 'vitest'
import {spawnBerth, type CliResult} from '../e2e/harness.js'
import {dockerOut, engineObjects, smallFixture, type SmallFixture} from './lib.js'

function upInBackground(fx: SmallFixture): Promise<CliResult> {
  const child = spawnBerth(['up'], {cwd: fx.dir, env: fx.env})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c))
  child.stderr!.on('data', (c: Buffer) => (stderr += c))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({code: code ?? (signal ? -1 : 1), stdout, stderr})))
}

describe('concurrent berth up on one project', () => {
  let fx: SmallFixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  it.each([2, 8])('%i at once: all exit 0, one healthy stack, no duplicates', async (n) => {
    fx = await smallFixture('t-conc')
    const results = await Promise.all(Array.from({length: n}, () => upInBackground(fx!)))
    for (const [i, r] of results.entries()) expect(r.code, `berth up #${i} exited ${r.code}:\n${r.stderr}`).toBe(0)
    // at least one of them found the lock taken and waited
    expect(results.filter((r) => /Waiting for another berth command on this project/.test(r.stderr)).length).toBeGreaterThanOrEqual(1)

    const objects = await engineObjects(fx.name)
    const db = objects.containers.filter((c) => /-db-\d+$/.test(c))
    const doors = objects.containers.filter((c) => /-door-/.test(c))
    expect(db, objects.containers.join(', ')).toHaveLength(1)
    expect(doors, objects.containers.join(', ')).toHaveLength(1)
    expect(objects.containers).toHaveLength(2)
    expect(objects.volumes).toHaveLength(1)
    expect(objects.networks).toHaveLength(2) // the stack's and the door's
    const state = (await dockerOut(['inspect', '-f', '{{.State.Status}} {{.State.Health.Status}}', db[0]])).trim()
    expect(state).toBe('running healthy')
  })
})
