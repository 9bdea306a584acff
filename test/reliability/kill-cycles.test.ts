// 20 randomized kill -9 cycles: berth is killed at a random moment of `switch --create` (a new branch, its
// data copied from main's), `switch` (a branch used before) or `volumes clone` (onto a new branch). After
// each: `berth up` converges (exit 0), no copy helper is left, and the current branch's database is the one
// it was (pg_dump checksum); at the end every branch is switched to and its checksum compared.
// The seed is printed; RELIABILITY_SEED=N replays a run.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sql} from '../e2e/data.js'
import {git, spawnBerth, waitFor} from '../e2e/harness.js'
import {containersIn, dockerOut, dumpSumOfRunning, helpersOf, seededRandom, smallFixture, warmStepsOf, type SmallFixture} from './lib.js'

const CYCLES = 20
const seed = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31))

async function currentSum(fx: SmallFixture): Promise<string> {
  const id = await waitFor(async () => (await dockerOut(['ps', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service=db', '--filter', 'status=running'])).trim().split('\n').filter(Boolean)[0], 30_000, 'a running database')
  expect((await dockerOut(['ps', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service=db', '--filter', 'status=running'])).trim().split('\n')).toHaveLength(1)
  return dumpSumOfRunning(id)
}

/**
 * Run berth in the background and kill it with -9 after `delayMs`, or as soon as a copy helper exists or a step runs
 * in the fixture's warm volume helper (`atCopy`), plus `delayMs`.
 */
async function killDuring(fx: SmallFixture, args: string[], delayMs: number, atCopy: boolean): Promise<string> {
  const child = spawnBerth(args, {cwd: fx.dir, env: fx.env})
  let ended: string | undefined
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve((ended = String(signal ?? code)))))
  if (atCopy) {
    const deadline = Date.now() + 60_000
    while (!ended && Date.now() < deadline && (await helpersOf(fx.name)).length === 0 && (await warmStepsOf(fx.name)).length === 0) await new Promise((r) => setTimeout(r, 20))
  }
  await new Promise((r) => setTimeout(r, delayMs))
  if (!ended) child.kill('SIGKILL')
  return exited
}

describe(`kill -9 cycles (seed ${seed})`, () => {
  let fx: SmallFixture
  beforeAll(async () => {
    console.log(`kill-cycles: RELIABILITY_SEED=${seed}`)
    fx = await smallFixture('t-k9')
    // Copy-on-write for this small database too (by default one under 128 MB kept warm is copied): kill -9 while
    // layers are made. Full copies are interrupted in sigint.test.ts and e2e/kill-switch.test.ts.
    fx.env.BERTH_COW_MIN = '0'
  })
  afterAll(async () => {
    await fx?.cleanup()
  })

  it(`${CYCLES} cycles of kill -9 during switch and volumes clone; berth up converges and no database changes`, async () => {
    const random = seededRandom(seed)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
    await fx.ok(['up', '-q'])
    await sql(fx.name, 'CREATE TABLE notes (txt text)')
    await sql(fx.name, "INSERT INTO notes VALUES ('main')")
    await sql(fx.name, 'CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 10) AS pad FROM generate_series(1, 20000) g')
    const sums = new Map<string, string>([['main', await currentSum(fx)]])
    /** branches that exist in git but whose data may not have been made yet: what their data must start as */
    const pending = new Map<string, string>()
    let made = 0
    const log: string[] = []

    /** After a cycle: berth up converges; the current branch's data is what it was (or its first copy), then made its own. */
    const converge = async () => {
      const up = await fx.run(['up', '-q'])
      expect(up.code, `cycle log:\n${log.join('\n')}\nberth up after the kill exited ${up.code}:\n${up.stderr}`).toBe(0)
      expect(await helpersOf(fx.name), 'copy helpers left').toEqual([])
      expect(await warmStepsOf(fx.name), 'steps left running in the warm volume helper').toEqual([])
      const branch = git(['branch', '--show-current'], fx.dir).trim()
      const sum = await currentSum(fx)
      const expected = sums.get(branch) ?? pending.get(branch)
      expect(sum, `cycle log:\n${log.join('\n')}\ndata of ${branch}`).toBe(expected)
      if (!sums.has(branch)) {
        // the branch's first run: make its data its own, so that no two branches have the same checksum
        await sql(fx.name, `INSERT INTO notes VALUES ('${branch}')`)
        pending.delete(branch)
        sums.set(branch, await currentSum(fx))
      }
      // nothing paused but warm stacks of other branches
      const current = (await dockerOut(['ps', '-a', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', `label=dev.berth.branch=${branch}`, '--filter', 'status=paused', '--format', '{{.Names}}'])).trim()
      expect(current, `the current branch ${branch} has paused containers`).toBe('')
    }

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const current = git(['branch', '--show-current'], fx.dir).trim()
      const known = [...sums.keys()].filter((b) => b !== current)
      const kind = known.length === 0 ? 'new' : pick(['new', 'known', 'clone'] as const)
      const delay = Math.floor(random() * 3000)
      const atCopy = kind !== 'known' && random() < 0.5
      let args: string[]
      if (kind === 'new') {
        const branch = `k${made++}`
        pending.set(branch, sums.get('main')!) // a new branch starts as a copy of the base branch, main
        args = ['switch', '--create', branch, '-q']
      } else if (kind === 'known') {
        args = ['switch', pick(known), '-q']
      } else {
        const from = pick([...sums.keys()])
        const to = `c${made++}`
        git(['branch', to], fx.dir)
        pending.set(to, sums.get(from)!)
        args = ['volumes', 'clone', from, to]
      }
      const how = await killDuring(fx, args, delay, atCopy)
      log.push(`cycle ${cycle}: berth ${args.join(' ')}, kill after ${atCopy ? 'the copy began + ' : ''}${delay} ms: ${how}`)
      // a switch --create killed before git made the branch: that branch never was
      for (const b of pending.keys()) if (!git(['branch', '--list', b], fx.dir).trim()) pending.delete(b)
      if (kind === 'clone') {
        // a re-run finishes an interrupted copy (exit 0), or finds it done (exit 9: it never overwrites)
        const again = await fx.run(args)
        expect([0, 9], `cycle log:\n${log.join('\n')}\n${again.stderr}`).toContain(again.code)
      }
      await converge()
    }

    // every branch, in turn: its data is what it was
    for (const branch of [...sums.keys(), ...pending.keys()]) {
      const r = await fx.run(['switch', branch, '-q'])
      expect(r.code, `switch ${branch}:\n${r.stderr}`).toBe(0)
      expect(await currentSum(fx), `data of ${branch}`).toBe(sums.get(branch) ?? pending.get(branch))
    }
    expect(await containersIn(fx.name, 'paused').then((p) => p.filter((c) => c.includes(`-${git(['branch', '--show-current'], fx.dir).trim()}-`)))).toEqual([])
    console.log(log.join('\n'))
  })
})
