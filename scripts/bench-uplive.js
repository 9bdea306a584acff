// Speed of berth up's watch and of healthcheck start_interval, on the example (stacks/shop), each side from the
// same state (the stack's containers removed, volumes kept), in turns first. Run `npm run build` first.
//   up-live:        `berth up` with its live view (on a pseudo-terminal, through script(1)) against `berth up -q`
//                   on the same pseudo-terminal; ratio = live / quiet, target <= 1.02.
//   start-interval: `docker compose up -d --wait` of berth's file for this engine (start_interval: 250ms on API
//                   1.44+) against the same file without start_interval; ratio = with / without, target <= 0.7.
import {spawnSync} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {copyExample, progress, removeProjectSync, seconds} from './bench-lib.js'
import {CLI, env, median, row} from './bench-rows.js'

const RUNS = Number(process.env.BENCH_UP_RUNS ?? 5)

/** A copy of the example under its own name and ports, brought up once (volumes, door, images); its clean-up. */
function example(tag) {
  const name = `bench-${tag}-${process.pid}`
  const dir = copyExample(name, `berth-bench-${tag}-`)
  const benv = {...env, BERTH_PORT_OFFSET: tag === 'live' ? '33500' : '34000', BERTH_BRANCH: 'main'}
  const first = spawnSync(process.execPath, [CLI, 'up', '--json', '-q'], {cwd: dir, env: benv, encoding: 'utf8'})
  if (first.status !== 0) throw new Error(`berth up failed: ${first.stderr}`)
  const project = JSON.parse(first.stdout).stack
  const down = () => spawnSync('docker', ['compose', '-p', project, 'down'], {stdio: 'ignore'})
  const cleanup = () => {
    removeProjectSync(name)
    rmSync(dir, {recursive: true, force: true})
  }
  return {dir, benv, project, down, cleanup}
}

/** Time each side n times from containers removed, alternating which goes first; medians. */
function alternate(down, a, b) {
  const ta = []
  const tb = []
  const sides = [() => ta.push(a()), () => tb.push(b())]
  for (let i = 0; i < RUNS; i++) {
    progress(`run ${i + 1}/${RUNS}`)
    for (const side of i % 2 ? [...sides].reverse() : sides) {
      down()
      side()
    }
  }
  return [median(ta), median(tb)]
}

/** A shell word for script(1)'s command line (paths of this checkout and fixed flags only). */
const quote = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`

export async function benchUpLive() {
  const ex = example('live')
  try {
    // script(1) gives berth a terminal (stderr a TTY: the live view draws); its output goes nowhere.
    const onTerminal = (args) => () =>
      seconds(() => {
        const r = spawnSync('script', ['-qec', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'], {cwd: ex.dir, env: {...ex.benv, COLUMNS: '100'}, stdio: 'ignore'})
        if (r.status !== 0) throw new Error(`berth ${args.join(' ')} failed on a terminal (exit ${r.status})`)
      })
    const [live, quiet] = alternate(ex.down, onTerminal(['up']), onTerminal(['up', '-q']))
    return [{...row('berth up: live view vs up -q (example, from containers removed, on a terminal)', live, quiet, 1.02)}]
  } finally {
    ex.cleanup()
  }
}

export async function benchStartInterval() {
  const ex = example('si')
  try {
    const file = path.join(ex.dir, '.berth/dev.compose.yml')
    const text = readFileSync(file, 'utf8')
    if (!/start_interval: /.test(text)) throw new Error('the rendered file has no start_interval: is the engine older than API 1.44?')
    const without = path.join(ex.dir, '.berth/dev-without-start-interval.compose.yml')
    writeFileSync(without, text.replace(/^\s+start_interval: .*\n/gm, ''))
    const up = (f) => () =>
      seconds(() => {
        const r = spawnSync('docker', ['compose', '-p', ex.project, '-f', f, '--project-directory', ex.dir, 'up', '-d', '--wait', '--remove-orphans'], {stdio: 'ignore', env: ex.benv})
        if (r.status !== 0) throw new Error(`docker compose up -f ${path.basename(f)} failed`)
      })
    const [withSi, withoutSi] = alternate(ex.down, up(file), up(without))
    return [row('up of the example from containers removed: start_interval 250ms vs without', withSi, withoutSi, 0.7)]
  } finally {
    ex.cleanup()
  }
}
