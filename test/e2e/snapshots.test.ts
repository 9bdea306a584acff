// Snapshots of a branch's data: save, a destructive migration, restore: the data is back (pg_dump checksum),
// with copy-on-write volumes (no copy) and with full copies; a new branch from a snapshot; restoring asks first.
import {describe, expect, it} from 'vitest'
import {cleanFixtures, dbFixture, dumpSum} from './cow-lib.js'
import {docker, sql} from './data.js'

cleanFixtures()

describe.each([
  ['copy-on-write', {BERTH_CLONE: 'auto', BERTH_COW_MIN: '0'}],
  ['full copies', {BERTH_CLONE: 'copy'}],
] as const)('snapshots (%s)', (_kind, env) => {
  it('save, a destructive migration, restore: the data is back as it was', async () => {
    const fx = await dbFixture(env.BERTH_CLONE, env)
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('before')")
    await sql(fx.name, 'CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, 20000) g')
    const before = await dumpSum(fx.name)

    const saved = JSON.parse((await fx.ok(['snapshot', 'save', 'pre-migration', '--json'])).stdout) as {snapshot: {kind: string; volumes: unknown[]}}
    expect(saved.snapshot.kind).toBe(env.BERTH_CLONE === 'copy' ? 'copy' : 'layers')
    expect(saved.snapshot.volumes).toHaveLength(1)
    // The stack runs after the snapshot as before it, with the same data.
    expect(await dumpSum(fx.name)).toBe(before)

    // A destructive migration.
    await sql(fx.name, 'DROP TABLE bulk')
    await sql(fx.name, "UPDATE notes SET txt = 'migrated'")
    expect(await dumpSum(fx.name)).not.toBe(before)

    // Without a terminal and without --yes, restore refuses and changes nothing.
    const refused = await fx.run(['snapshot', 'restore', 'pre-migration'])
    expect(refused.code, refused.stderr).toBe(2)
    expect(await sql(fx.name, 'SELECT txt FROM notes')).toBe('migrated')

    await fx.ok(['snapshot', 'restore', 'pre-migration', '--yes'])
    expect(await dumpSum(fx.name)).toBe(before)
    const listed = JSON.parse((await fx.ok(['snapshot', 'ls', '--json'])).stdout) as {snapshots: Array<{name: string; branch: string}>}
    expect(listed.snapshots.map((s) => `${s.name} ${s.branch}`)).toEqual(['pre-migration main'])
  }, 600_000)

  it('a new branch starts from a snapshot; removing the snapshot leaves the branch whole', async () => {
    const fx = await dbFixture(env.BERTH_CLONE, env)
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('snap')")
    await fx.ok(['snapshot', 'save', 's1', '-q'])
    await sql(fx.name, "INSERT INTO notes VALUES ('after')")

    // A name already taken is refused (exit 9), nothing overwritten.
    expect((await fx.run(['snapshot', 'save', 's1'])).code).toBe(9)
    await fx.ok(['switch', '--create', 'from-snap', '--from-snapshot', 's1', '-q'])
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('snap')

    await fx.ok(['snapshot', 'rm', 's1', '--yes'])
    expect((await docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.kind=snapshot'])).stdout.trim()).toBe('')
    await fx.ok(['down'])
    await fx.ok(['up', '-q'])
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('snap')
    await fx.ok(['switch', 'main', '-q'])
    expect(await sql(fx.name, "SELECT string_agg(txt, ',' ORDER BY txt) FROM notes")).toBe('after,snap')
  }, 600_000)

  it('refuses a snapshot that does not exist, before it checks anything out', async () => {
    const fx = await dbFixture(env.BERTH_CLONE, env)
    const r = await fx.run(['switch', '--create', 'x', '--from-snapshot', 'nope'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/no snapshot named "nope"/)
    expect((await docker(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`])).stdout.trim()).toBe('')
  })
})
