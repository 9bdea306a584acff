// Speed of per-branch data, measured side by side on the real engine (run `npm run build` first).
//   import {benchSwitch, benchClone} from './bench-branches.js'
//   rows = [...await benchSwitch(), ...await benchClone()]
// Each returns rows {name, berth_s, baseline_s, ratio, target}.
//   switch: `berth switch B` to a branch used before, against `docker compose down` of A + `up -d --wait`
//           of B (the same two stacks, same rendered files); ratio = berth / baseline, target <= 0.5.
//           berth resumes B kept warm (paused) behind the front door; the baseline recreates it.
//   clone:  `berth volumes clone` (BERTH_CLONE=copy) of a 30,000-file volume with a 50 MB file (BENCH_CLONE_BIG_MB), against a raw `tar | tar` between the same two
//           volumes in one helper container; ratio = throughput berth / baseline, target >= 0.8.
import {rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CLI, copyExample, HELPER, IMAGE_MAP, median, progress, removeProject, round, run, timed} from './bench-lib.js'

function fixture(prefix) {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`
  const dir = copyExample(name)
  const offset = 2000 + Math.floor(Math.random() * 200) * 100
  const env = {...process.env, BERTH_IMAGE_MAP: IMAGE_MAP, BERTH_PORT_OFFSET: String(offset), NO_COLOR: '1', BERTH_STATE_DIR: path.join(dir, '.state'), BERTH_CONFIG: '/nonexistent'}
  return {name, dir, env}
}

const git = (dir, args) => run('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', ...args], {cwd: dir})
const berth = (fx, args) => run(process.execPath, [CLI, ...args], {cwd: fx.dir, env: fx.env})

export async function benchSwitch({runs = 3} = {}) {
  const fx = fixture('bench-sw')
  try {
    await git(fx.dir, ['init', '-q', '-b', 'main'])
    await git(fx.dir, ['add', '-A'])
    await git(fx.dir, ['commit', '-qm', 'bench'])
    await berth(fx, ['up', '--quiet'])
    await berth(fx, ['switch', '--create', 'feature', '--quiet'])
    await berth(fx, ['render', '--out', path.join(fx.dir, 'feature.compose.yml')])
    await berth(fx, ['switch', 'main', '--quiet'])
    await berth(fx, ['render', '--out', path.join(fx.dir, 'main.compose.yml')])
    const stacks = JSON.parse(await berth(fx, ['status', '--json'])).stacks.map((s) => ({stack: s.stack, branch: s.branch}))
    const stackOf = (b) => stacks.find((s) => s.branch === b).stack
    const berthTimes = []
    const baseTimes = []
    let at = 'main'
    for (let i = 0; i < runs * 2; i++) {
      const to = at === 'main' ? 'feature' : 'main'
      progress(`switch: berth ${i + 1}/${runs * 2}`)
      berthTimes.push(await timed(() => berth(fx, ['switch', to, '--quiet'])))
      at = to
    }
    // Baseline: the same two stacks, plain Compose: down the current one, up -d --wait the other.
    // berth left the other branch's stack paused (kept warm): stop it first, as Compose cannot start a paused container.
    const compose = (stack, file, args) => run('docker', ['compose', '-p', stack, ...(file ? ['-f', file, '--project-directory', fx.dir] : []), ...args], {cwd: fx.dir, env: fx.env})
    await compose(stackOf(at === 'main' ? 'feature' : 'main'), undefined, ['stop'])
    for (let i = 0; i < runs * 2; i++) {
      const to = at === 'main' ? 'feature' : 'main'
      progress(`switch: compose ${i + 1}/${runs * 2}`)
      baseTimes.push(
        await timed(async () => {
          await compose(stackOf(at), undefined, ['down'])
          await compose(stackOf(to), path.join(fx.dir, `${to}.compose.yml`), ['up', '-d', '--wait'])
        }),
      )
      at = to
    }
    const b = median(berthTimes)
    const base = median(baseTimes)
    return [{name: 'switch to a branch used before (berth switch vs compose down + up -d --wait)', berth_s: round(b), baseline_s: round(base), ratio: round(b / base), target: '<= 0.5'}]
  } finally {
    await removeProject(fx.name)
    rmSync(fx.dir, {recursive: true, force: true})
  }
}

export async function benchClone({files = 30000, runs = Number(process.env.BENCH_CLONE_RUNS ?? 9), bigMB = Number(process.env.BENCH_CLONE_BIG_MB ?? 50)} = {}) {
  const fx = fixture('bench-cl')
  try {
    await git(fx.dir, ['init', '-q', '-b', 'main'])
    await git(fx.dir, ['add', '-A'])
    await git(fx.dir, ['commit', '-qm', 'bench'])
    // Full copies: this row measures the copy (a branch's volume would otherwise be copy-on-write, no copy at all).
    fx.env.BERTH_CLONE = 'copy'
    const labels = (branch) => [`project=${fx.name}`, 'env=dev', `branch=${branch}`, 'service=db', 'volume=data', 'kind=data'].flatMap((l) => ['--label', `dev.berth.${l}`])
    const source = (await run('docker', ['volume', 'create', ...labels('main'), `${fx.name}-dev-source_db-data`])).trim()
    // About 20 MB in `files` files over 100 folders, one file of bigMB, a few links. berth's fixed cost (start-up,
    // berth.yml, git, the lock, a helper created through the API: ~0.7 s here) weighs less on a larger one.
    const fill = `cd /v && for d in $(seq 1 100); do mkdir -p d$d; done && i=0; while [ $i -lt ${files} ]; do head -c $(( (i % 9) * 512 + 512 )) /dev/urandom > d$((i % 100 + 1))/f$i; i=$((i+1)); done; head -c ${bigMB * 1000000} /dev/urandom > big && ln big big.hard && ln -s big big.link`
    progress(`clone: filling the source volume (${files} files)`)
    await run('docker', ['run', '--rm', '--network', 'none', '-v', `${source}:/v`, HELPER, 'bash', '-c', fill])
    // berth: volumes clone main -> a new branch each run (the whole command, from start-up to done).
    // Interleaved, and in turns first, so drift on a shared machine and the page cache hit both sides
    // alike; the disk's write-back of the previous copy is flushed (sync, not timed) before each one.
    const berthTimes = []
    const baseTimes = []
    const raw = 'tar --numeric-owner -C /from -cf - . | tar --numeric-owner -C /to -xpf -'
    // One copy first, not timed: what ran before (the fill, another bench's clean-up) leaves the disk busy for a while.
    const warmup = (await run('docker', ['volume', 'create', '--label', `dev.berth.project=${fx.name}`, `${fx.name}-raw-warmup`])).trim()
    await run('sync', [])
    await run('docker', ['run', '--rm', '--network', 'none', '-v', `${source}:/from:ro`, '-v', `${warmup}:/to`, HELPER, 'sh', '-c', raw])
    for (let i = 0; i < runs; i++) {
      progress(`clone: run ${i + 1}/${runs}`)
      const target = (await run('docker', ['volume', 'create', '--label', `dev.berth.project=${fx.name}`, `${fx.name}-raw-${i}`])).trim()
      const sides = [
        // berth: the whole command (start-up, lock, checks, helper) copying main's volume to a new branch.
        async () => berthTimes.push(await timed(() => berth(fx, ['volumes', 'clone', 'main', `copy-${i}`, '--quiet']))),
        async () => baseTimes.push(await timed(() => run('docker', ['run', '--rm', '--network', 'none', '-v', `${source}:/from:ro`, '-v', `${target}:/to`, HELPER, 'sh', '-c', raw]))),
      ]
      if (i % 2 === 1) sides.reverse()
      for (const side of sides) {
        await run('sync', [])
        await side()
      }
      // The copies stay until the end: removing 30,000 files makes the disk slow for many seconds after (seen
      // here: 2 s copies became 8-26 s), far more than keeping them does.
    }
    if (process.env.BENCH_VERBOSE) console.error({berthTimes, baseTimes})
    const b = median(berthTimes)
    const base = median(baseTimes)
    return [{name: `volume clone throughput, ${files} files + ${bigMB} MB (berth volumes clone vs tar | tar in one container)`, berth_s: round(b), baseline_s: round(base), ratio: round(base / b), target: '>= 0.8'}]
  } finally {
    await removeProject(fx.name)
    rmSync(fx.dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = [...(await benchClone()), ...(await benchSwitch())]
  console.table(rows)
}
