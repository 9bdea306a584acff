// Branch data at any size: a new branch's database shares the base's data (copy-on-write, BERTH_CLONE=auto
// on this engine) or is a full copy (BERTH_CLONE=copy); either way, each branch sees only its own writes and
// the base's pg_dump checksum never changes. A base of ~200 MB makes "no copy" visible on disk.
import {describe, expect, it} from 'vitest'
import {cleanFixtures, dataVolumes, dbFixture, dumpSum} from './cow-lib.js'
import {docker, sql} from './data.js'
import {git} from './harness.js'

cleanFixtures()

describe.each(['auto', 'copy'])('branch data with BERTH_CLONE=%s', (mode) => {
  it('a new branch starts from the base data, and neither branch ever sees the other one\'s writes', async () => {
    const fx = await dbFixture(mode)
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main')")
    // ~200 MB of rows: a full copy of this is what copy-on-write does not make
    await sql(fx.name, "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 200000) g")
    const mainSum = await dumpSum(fx.name)

    await fx.ok(['switch', '--create', 'feat', '-q'])
    const feat = (await dataVolumes(fx)).find((v) => v.branch === 'feat')!
    if (mode === 'auto') {
      // This engine mounts overlays: the branch stands on a frozen layer of main's data and holds little of its own.
      expect(feat.layers.length, JSON.stringify(feat)).toBeGreaterThanOrEqual(1)
      expect(feat.sharedSize!).toBeGreaterThan(150 * 1024 * 1024)
      expect(feat.size!, `own bytes of ${feat.volume}`).toBeLessThan(feat.sharedSize! / 5)
    } else {
      expect(feat.layers).toEqual([])
      expect(feat.size!).toBeGreaterThan(150 * 1024 * 1024)
    }
    expect(await sql(fx.name, "SELECT string_agg(txt, ',') FROM notes")).toBe('main')
    expect(await sql(fx.name, 'SELECT count(*) FROM big')).toBe('200000')

    // The branch writes, and drops a table: main's data is untouched.
    await sql(fx.name, "INSERT INTO notes VALUES ('feat')")
    await sql(fx.name, 'DROP TABLE big')
    await fx.ok(['switch', 'main', '-q'])
    expect(await dumpSum(fx.name)).toBe(mainSum)
    expect(await sql(fx.name, "SELECT string_agg(txt, ',') FROM notes")).toBe('main')

    // main writes: the branch does not see it.
    await sql(fx.name, "INSERT INTO notes VALUES ('main-later')")
    await fx.ok(['switch', 'feat', '-q'])
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('feat,main')
    expect(await sql(fx.name, "SELECT count(*) FROM pg_tables WHERE tablename = 'big'")).toBe('0')
  }, 600_000)
})

describe('copy-on-write layers', () => {
  it('a small database kept warm is copied, so its stack stays warm', async () => {
    const fx = await dbFixture('auto')
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await fx.ok(['switch', '--create', 'feat', '-q'])
    expect((await dataVolumes(fx)).find((v) => v.branch === 'feat')!.layers).toEqual([])
    const main = (await docker(['ps', '-a', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.branch=main', '--format', '{{.State}}'])).stdout.trim()
    expect(main).toBe('paused')
  })

  it('a second branch made after the base wrote again stands on two layers; removing the branches leaves the base whole and no piece behind', async () => {
    // A small database: frozen all the same (by default one under 128 MB kept warm is copied instead)
    const fx = await dbFixture('auto', {BERTH_COW_MIN: '0'})
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main')")
    await fx.ok(['switch', '--create', 'a', '-q'])
    await fx.ok(['switch', 'main', '-q'])
    await sql(fx.name, "INSERT INTO notes VALUES ('main2')")
    await fx.ok(['switch', '--create', 'b', '-q'])
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('main,main2')
    const rows = await dataVolumes(fx)
    expect(rows.find((v) => v.branch === 'a')!.layers).toHaveLength(1)
    expect(rows.find((v) => v.branch === 'b')!.layers).toHaveLength(2)

    await fx.ok(['switch', 'main', '-q'])
    const mainSum = await dumpSum(fx.name)
    await fx.ok(['down'])
    git(['branch', '-D', 'a', 'b'], fx.dir)
    await fx.ok(['volumes', 'prune', '--yes'])
    const left = (await docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`])).stdout.split('\n').filter(Boolean)
    // main's volume, its upper folder and the two layers it stands on: nothing of a or b
    expect(left.filter((v) => v.startsWith(`${fx.name}-dev-a-`) || v.startsWith(`${fx.name}-dev-b-`))).toEqual([])
    expect(left.filter((v) => v.includes('_layer_'))).toHaveLength(2)
    expect(left.filter((v) => v.includes('_up-'))).toHaveLength(1)
    await fx.ok(['up', '-q'])
    expect(await dumpSum(fx.name)).toBe(mainSum)
  }, 600_000)
})
