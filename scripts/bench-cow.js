// Copy-on-write branch volumes (issue 13), measured side by side on the real engine (run `npm run build` first).
//   cow-size:    `berth switch --create` with a 1 GB base postgres database against the same with a 10 MB one
//                (two db-only projects, runs alternated): creation time independent of size, target <= 1.3x.
//   cow-vs-tar:  the same 1 GB base's branch data volume made (`berth volumes clone`, copy-on-write, the base's
//                stack down) against `tar | tar` of the same volume in one helper container (into a new plain
//                volume, a sync before each side, as the clone row does): target <= 0.1x. And, for information,
//                the whole `switch --create` (it stops one database and starts another) against the same tar.
//   cow-pgbench: pgbench (TPC-B like, -c 4) on a copy-on-write branch against the same on a full copy of the
//                same data (a plain volume), runs alternated: transactions per second, target >= 0.8x.
// cow-size and cow-vs-tar come from one measurement (the 1 GB base is filled once), whichever row runs first.
// BENCH_COW_RUNS (3), BENCH_COW_ROWS (1,000,000 rows of ~1 kB: ~1 GB), BENCH_PGBENCH_RUNS (3),
// BENCH_PGBENCH_SECONDS (10) change the sizes. Every container and volume is removed afterwards (by project label).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI, HELPER, IMAGE_MAP, median, progress, removeProject, round, run as runCommand, timed} from './bench-lib.js'

/** A command's stdout; its error keeps the last 3 lines of its stderr. */
const run = (file, args, options = {}) => runCommand(file, args, {errorLines: 3, ...options})
const ids = async (args) => (await run('docker', args)).split('\n').filter(Boolean)

/** A db-only project in a temp git repository, with its own state folder and port offset. */
async function dbProject(prefix, extra = {}) {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-bench-${name}-`))
  writeFileSync(path.join(dir, 'berth.yml'), `name: ${name}\nservices:\n  db:\n    template: postgres\n`)
  const git = (args) => run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], {cwd: dir})
  await git(['init', '-q', '-b', 'main'])
  await git(['add', '-A'])
  await git(['commit', '-qm', 'bench'])
  const env = {
    ...process.env,
    BERTH_IMAGE_MAP: IMAGE_MAP,
    BERTH_PORT_OFFSET: String(2000 + Math.floor(Math.random() * 300) * 100),
    NO_COLOR: '1',
    BERTH_STATE_DIR: path.join(dir, '.state'),
    BERTH_CONFIG: '/nonexistent',
    // Copy-on-write even for the 10 MB base held by a warm stack (the default copies volumes under 128 MB).
    BERTH_COW_MIN: '0',
    ...extra,
  }
  const berth = (args, more = {}) => run(process.execPath, [CLI, ...args], {cwd: dir, env: {...env, ...more}})
  const db = async () => (await ids(['ps', '-q', '--filter', `label=dev.berth.project=${name}`, '--filter', 'label=dev.berth.service=db', '--filter', 'status=running']))[0]
  const psql = async (query) => (await run('docker', ['exec', await db(), 'psql', '-U', 'app', '-d', 'app', '-v', 'ON_ERROR_STOP=1', '-tAc', query])).trim()
  const cleanup = async () => {
    await removeProject(name)
    rmSync(dir, {recursive: true, force: true})
  }
  return {name, dir, berth, db, psql, cleanup}
}

/** What a timed side waits for first: the database's dirty pages written (CHECKPOINT) and the disk's write-back flushed. */
async function settle(p) {
  if (p && (await p.db())) await p.psql('CHECKPOINT')
  await run('sync', [])
}

const fill = (p, rows) => p.psql(`CREATE TABLE big AS SELECT g, repeat(md5(g::text), 30) AS pad FROM generate_series(1, ${rows}) g`)

let sizeRun
/** The 1 GB and 10 MB bases, and tar | tar of the 1 GB one: measured once for both rows. */
function measureSizes() {
  sizeRun ??= (async () => {
    const runs = Number(process.env.BENCH_COW_RUNS ?? 3)
    // Each run stacks two layers under main's volume (the switch's and the clone's); past MAX_LAYERS (6) a branch is
    // a full copy, which is not what these rows measure.
    if (runs > 3) throw new Error(`BENCH_COW_RUNS is at most 3 (it is ${runs}): each run adds two layers under main's volume, and past 6 a new branch is a full copy`)
    const bigRows = Number(process.env.BENCH_COW_ROWS ?? 1_000_000)
    const big = await dbProject('bench-cowbig')
    const small = await dbProject('bench-cowsmall')
    try {
      for (const [p, rows] of [[big, bigRows], [small, Math.round(bigRows / 100)]]) {
        progress(`cow: ${p.name}: up and ${rows} rows`)
        await p.berth(['up', '-q'])
        await fill(p, rows)
      }
      const bytes = Number(await big.psql("SELECT pg_database_size('app')"))
      const smallBytes = Number(await small.psql("SELECT pg_database_size('app')"))
      const mainVolume = (await ids(['volume', 'ls', '-q', '--filter', `label=dev.berth.project=${big.name}`, '--filter', 'label=dev.berth.branch=main', '--filter', 'label=dev.berth.kind=data']))[0]
      const raw = 'tar --numeric-owner -C /from -cf - . | tar --numeric-owner -C /to -xpf -'
      const t = {big: [], small: [], tar: [], clone: []}
      for (let i = 0; i < runs; i++) {
        progress(`cow: run ${i + 1}/${runs}`)
        const target = (await run('docker', ['volume', 'create', '--label', `dev.berth.project=${big.name}`, `${big.name}-tar-${i}`])).trim()
        const sides = [
          async () => t.big.push(await timed(() => big.berth(['switch', '--create', `b${i}`, '-q']))),
          async () => t.small.push(await timed(() => small.berth(['switch', '--create', `b${i}`, '-q']))),
          // The same volume (main's, as the branch saw it), read by tar in one helper container into a new plain volume.
          async () => t.tar.push(await timed(() => run('docker', ['run', '--rm', '--network', 'none', '-v', `${mainVolume}:/from:ro`, '-v', `${target}:/to`, HELPER, 'sh', '-c', raw]))),
        ]
        for (const side of i % 2 ? [...sides].reverse() : sides) {
          await settle(big)
          await settle(small)
          await side()
        }
        // Back on main (its stack starts again, and writes to its upper folder: the next branch makes a new layer).
        await big.berth(['switch', 'main', '-q'])
        await small.berth(['switch', 'main', '-q'])
        // The branch's data volume alone (no stack started): main, which wrote since, stopped; its writes become a layer.
        await settle(big)
        await big.berth(['down', '-q'])
        await run('sync', [])
        t.clone.push(await timed(() => big.berth(['volumes', 'clone', 'main', `c${i}`, '--quiet'])))
        // Both of this run's branches of the big base must be copy-on-write (layers), else the times are a full copy's.
        const data = JSON.parse(await big.berth(['volumes', 'ls', '--json'])).volumes.filter((v) => v.kind === 'data')
        for (const b of [`b${i}`, `c${i}`]) {
          if (!(data.find((v) => v.branch === b)?.layers?.length >= 1)) throw new Error(`cow: branch ${b} of the 1 GB base is not copy-on-write: ${JSON.stringify(data.map((v) => [v.branch, v.layers]))}`)
        }
        await big.berth(['up', '-q'])
      }
      if (process.env.BENCH_VERBOSE) console.error(t)
      return {big: median(t.big), small: median(t.small), tar: median(t.tar), clone: median(t.clone), bytes, smallBytes}
    } finally {
      await big.cleanup()
      await small.cleanup()
    }
  })()
  return sizeRun
}

const mb = (b) => `${Math.round(b / 1e6)} MB`

export async function benchCowSize() {
  const m = await measureSizes()
  const name = `berth switch --create, copy-on-write: ${mb(m.bytes)} base database vs ${mb(m.smallBytes)} one`
  return [{name, berth_s: round(m.big), baseline_s: round(m.small), ratio: round(m.big / m.small), target: '<= 1.3'}]
}

/**
 * The branch's data volume made (`berth volumes clone main X`, copy-on-write: main stopped, its writes frozen into a
 * layer) against tar | tar of the same 1 GB volume; and, for information, the whole `switch --create`, which also
 * stops the base's database and starts the branch's (most of its time), against the same tar.
 */
export async function benchCowVsTar() {
  const m = await measureSizes()
  return [
    {name: `berth volumes clone, copy-on-write, ${mb(m.bytes)} base vs tar | tar of the same volume in one container`, berth_s: round(m.clone), baseline_s: round(m.tar), ratio: round(m.clone / m.tar), target: '<= 0.1'},
    {name: `berth switch --create (the databases stopped and started included), ${mb(m.bytes)} base vs the same tar | tar`, berth_s: round(m.big), baseline_s: round(m.tar), ratio: round(m.big / m.tar), target: 'info'},
  ]
}

/** pgbench on a copy-on-write branch (`cow`) and on a full copy of the same data (`plain`, BERTH_CLONE=copy). */
export async function benchCowPgbench() {
  const runs = Number(process.env.BENCH_PGBENCH_RUNS ?? 3)
  const seconds = Number(process.env.BENCH_PGBENCH_SECONDS ?? 10)
  const p = await dbProject('bench-cowpg')
  try {
    progress(`cow-pgbench: ${p.name}: up and pgbench -i -s 10`)
    await p.berth(['up', '-q'])
    await run('docker', ['exec', await p.db(), 'pgbench', '-U', 'app', '-i', '-q', '-s', '10', 'app'])
    await settle(p)
    await p.berth(['switch', '--create', 'plain', '-q'], {BERTH_CLONE: 'copy'})
    await p.berth(['switch', 'main', '-q'])
    await p.berth(['switch', '--create', 'cow', '-q'], {BERTH_CLONE: 'auto'})
    const volumes = JSON.parse(await p.berth(['volumes', 'ls', '--json'])).volumes.filter((v) => v.kind === 'data')
    const layers = (b) => volumes.find((v) => v.branch === b)?.layers?.length ?? -1
    if (layers('cow') < 1 || layers('plain') !== 0) throw new Error(`expected a layered cow branch and a plain one: ${JSON.stringify(volumes.map((v) => [v.branch, v.layers]))}`)
    const tps = {cow: [], plain: []}
    for (let i = 0; i < runs; i++) {
      for (const branch of i % 2 ? ['plain', 'cow'] : ['cow', 'plain']) {
        progress(`cow-pgbench: ${branch} ${i + 1}/${runs}`)
        // The other branch's stack is paused (kept warm) by the switch: it takes no CPU meanwhile.
        await p.berth(['switch', branch, '-q'])
        await settle(p)
        const out = await run('docker', ['exec', await p.db(), 'pgbench', '-U', 'app', '-n', '-c', '4', '-j', '2', '-T', String(seconds), 'app'])
        const m = /tps = ([\d.]+)/.exec(out)
        if (!m) throw new Error(`no tps in pgbench output: ${out.slice(-300)}`)
        tps[branch].push(Number(m[1]))
      }
    }
    if (process.env.BENCH_VERBOSE) console.error(tps)
    const cow = median(tps.cow)
    const plain = median(tps.plain)
    const name = `pgbench -s 10 -c 4 -T ${seconds}: copy-on-write branch vs a full copy (plain volume), transactions/s`
    return [{name, berth_s: Math.round(cow), baseline_s: Math.round(plain), unit: 'tps', ratio: round(cow / plain), target: '>= 0.8'}]
  } finally {
    await p.cleanup()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table([...(await benchCowSize()), ...(await benchCowVsTar()), ...(await benchCowPgbench())])
}
