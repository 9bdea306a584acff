// berth volumes compact on the real engine: a branch standing on two copy-on-write layers becomes a plain
// volume with the same data (pg_dump checksum), its stack stopped and started again; the layer nothing else
// uses is removed, the one the base still stands on is kept, and the base's data is untouched. A compact killed
// with -9 during its copy is undone by the next berth up (the volume as it was, no copy left), and runs again.
import {describe, expect, it} from 'vitest'
import {cleanFixtures, dataVolumes, dbFixture, dumpSum} from './cow-lib.js'
import {docker, sql} from './data.js'
import {spawnBerth} from './harness.js'

cleanFixtures()

const exists = async (volume: string) => (await docker(['volume', 'inspect', volume])).code === 0

describe('berth volumes compact', () => {
  it("flattens a branch's layers into a plain volume with the same data, and removes the layers nothing else uses", async () => {
    const fx = await dbFixture('auto', {BERTH_COW_MIN: '0'})
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main')")
    await sql(fx.name, 'CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 20000) g')
    const mainSum = await dumpSum(fx.name)

    // feat on a layer of main's data, then on a second one of its own (a snapshot's, the snapshot removed again)
    await fx.ok(['switch', '--create', 'feat', '-q'])
    await sql(fx.name, "INSERT INTO notes VALUES ('feat-1')")
    await fx.ok(['snapshot', 'save', 's1', '-q'])
    await sql(fx.name, "INSERT INTO notes VALUES ('feat-2')")
    await sql(fx.name, 'DELETE FROM big WHERE id % 2 = 0')
    await fx.ok(['snapshot', 'rm', 's1', '--yes'])
    const before = (await dataVolumes(fx)).find((v) => v.branch === 'feat')!
    expect(before.layers, JSON.stringify(before)).toHaveLength(2)
    const mainLayers = (await dataVolumes(fx)).find((v) => v.branch === 'main')!.layers
    expect(mainLayers).toEqual([before.layers[1]])
    const featSum = await dumpSum(fx.name)

    const r = await fx.ok(['volumes', 'compact', '--yes', '--json'])
    const result = JSON.parse(r.stdout) as {volumes: Array<{volume: string; layers: string[]}>; removed: string[]; restarted: boolean}
    expect(result.volumes.map((v) => v.volume)).toEqual([before.volume])
    expect(result.restarted).toBe(true)
    expect(result.removed).toContain(before.layers[0])

    // a plain volume now: no layers, no overlay mount options; the same data
    const after = (await dataVolumes(fx)).find((v) => v.branch === 'feat')!
    expect(after.layers).toEqual([])
    const options = (await docker(['volume', 'inspect', '--format', '{{json .Options}}', before.volume])).stdout.trim()
    expect(options).not.toContain('overlay')
    expect(await dumpSum(fx.name)).toBe(featSum)
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('feat-1,feat-2,main')

    // feat's own layer is gone; main's stays (main stands on it), and main's data is as it was
    expect(await exists(before.layers[0])).toBe(false)
    expect(await exists(before.layers[1])).toBe(true)
    await fx.ok(['switch', 'main', '-q'])
    expect(await dumpSum(fx.name)).toBe(mainSum)

    // nothing left to compact on feat
    const again = JSON.parse((await fx.ok(['volumes', 'compact', 'feat', '--yes', '--json'])).stdout) as {volumes: unknown[]}
    expect(again.volumes).toEqual([])
  }, 600_000)

  it('killed with -9 during its copy: the next up undoes it (the same data, still on its layer), and it runs again', async () => {
    const fx = await dbFixture('auto', {BERTH_COW_MIN: '0'})
    await fx.ok(['up', '-q'])
    // ~100 MB, so that the copy lasts long enough to be interrupted
    await sql(fx.name, 'CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 100000) g')
    await fx.ok(['switch', '--create', 'feat', '-q'])
    await sql(fx.name, 'DELETE FROM big WHERE id % 3 = 0')
    const featSum = await dumpSum(fx.name)
    const layers = (await dataVolumes(fx)).find((v) => v.branch === 'feat')!.layers
    expect(layers).toHaveLength(1)

    const child = spawnBerth(['volumes', 'compact', '--yes', '-q'], {cwd: fx.dir, env: fx.env})
    let done = false
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(((done = true), signal ?? code))))
    const deadline = Date.now() + 120_000
    for (;;) {
      const r = await docker(['ps', '-aq', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.helper=clone'])
      if (r.stdout.trim()) break
      if (done) throw new Error(`berth volumes compact ended (${await exited}) before its copy could be interrupted`)
      if (Date.now() > deadline) throw new Error('no copy helper container within 120 s')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    await fx.ok(['up', '-q'])
    expect((await dataVolumes(fx)).find((v) => v.branch === 'feat')!.layers).toEqual(layers)
    expect(await dumpSum(fx.name)).toBe(featSum)
    const flat = (await docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.kind=flat'])).stdout.trim()
    expect(flat).toBe('')

    await fx.ok(['volumes', 'compact', '--yes', '-q'])
    expect((await dataVolumes(fx)).find((v) => v.branch === 'feat')!.layers).toEqual([])
    expect(await dumpSum(fx.name)).toBe(featSum)
    // main still stands on the layer: it stays
    expect(await exists(layers[0])).toBe(true)
  }, 600_000)
})
