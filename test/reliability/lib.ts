// Helpers of the reliability suite, on top of the e2e harness: small fixtures (one service), the project's
// engine objects by label, database checksums, a seeded random source.
import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {berth, expectOk, freeOffset, git, releaseOffset, removeProject, uniqueName, type CliResult} from '../e2e/harness.js'
import {docker} from '../e2e/data.js'

/** berth.yml of a one-service project: a postgres database and nothing else. */
export const dbOnly = (name: string) => `name: ${name}\nservices:\n  db:\n    template: postgres\n`

export interface SmallFixture {
  dir: string
  name: string
  env: NodeJS.ProcessEnv
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>
  ok(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>
  cleanup(): Promise<void>
}

/** A fresh folder with berth.yml (default: one postgres), in its own git repository on main unless git: false. */
export async function smallFixture(prefix: string, options: {yml?: (name: string) => string; git?: boolean} = {}): Promise<SmallFixture> {
  const name = uniqueName(prefix)
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  writeFileSync(path.join(dir, 'berth.yml'), (options.yml ?? dbOnly)(name))
  if (options.git !== false) {
    git(['init', '-q', '-b', 'main'], dir)
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], dir)
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fixture'], dir)
  }
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  const offset = await freeOffset([5432, 8000, 9229])
  // Its own warm volume helper, so that its copies and steps there are its own to see (helpersOf, warmStepsOf).
  const env = {BERTH_PORT_OFFSET: String(offset), BERTH_STATE_DIR: state, BERTH_VOLUME_HELPER: warmHelperOf(name)}
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => berth(args, {cwd: dir, env: {...env, ...extra}})
  return {
    dir,
    name,
    env,
    run,
    ok: async (args, extra) => expectOk(await run(args, extra), `berth ${args.join(' ')}`),
    async cleanup() {
      // a test killed mid-copy may leave containers paused: unpause, then remove everything by label
      await docker(['ps', '-q', '--filter', `label=dev.berth.project=${name}`, '--filter', 'status=paused']).then(async (r) => {
        const ids = r.stdout.split('\n').filter(Boolean)
        if (ids.length) await docker(['unpause', ...ids])
      })
      await removeProject(name)
      await docker(['rm', '-f', warmHelperOf(name)])
      rmSync(dir, {recursive: true, force: true})
      rmSync(state, {recursive: true, force: true})
      releaseOffset(offset)
    },
  }
}

async function lines(args: string[]): Promise<string[]> {
  return (await docker(args)).stdout.split('\n').filter(Boolean).sort()
}

/** Every container, volume and network of a berth project, by its label (names, sorted). */
export async function engineObjects(project: string): Promise<{containers: string[]; volumes: string[]; networks: string[]}> {
  const label = `label=dev.berth.project=${project}`
  const [containers, volumes, networks] = await Promise.all([
    lines(['ps', '-a', '--filter', label, '--format', '{{.Names}}']),
    lines(['volume', 'ls', '--filter', label, '--format', '{{.Name}}']),
    lines(['network', 'ls', '--filter', label, '--format', '{{.Name}}']),
  ])
  return {containers, volumes, networks}
}

export async function networksOf(project: string): Promise<string[]> {
  return (await engineObjects(project)).networks
}

/** Containers of the project in a state (paused, running, exited...), by name. */
export async function containersIn(project: string, status: string): Promise<string[]> {
  return lines(['ps', '-a', '--filter', `label=dev.berth.project=${project}`, '--filter', `status=${status}`, '--format', '{{.Names}}'])
}

/** The warm volume helper of a small fixture (BERTH_VOLUME_HELPER). */
export const warmHelperOf = (project: string) => `berth-vh-${project}`

/**
 * Copy helper containers of the project, whatever their state, and the copies running in its warm volume helper
 * (named as a one-shot helper would be: berth-clone-TARGET).
 */
export async function helpersOf(project: string): Promise<string[]> {
  const containers = await lines(['ps', '-a', '--filter', `label=dev.berth.project=${project}`, '--filter', 'label=dev.berth.helper', '--format', '{{.Names}}'])
  const jobs = await lines(['exec', warmHelperOf(project), 'bash', '-c', 'for f in /tmp/berth-jobs/*; do [ -e "$f" ] || continue; read -r p < "$f" && kill -0 -- "-$p" 2>/dev/null && echo "berth-clone-${f##*/}"; done'])
  return [...containers, ...jobs].sort()
}

/** Processes of steps running in the project's warm volume helper (its main loop and its tick left out), by pid. */
export async function warmStepsOf(project: string): Promise<string[]> {
  return lines(['exec', warmHelperOf(project), 'bash', '-c', 'for p in /proc/[0-9]*; do read -r pid comm st ppid rest < $p/stat 2>/dev/null || continue; [ "$pid" = 1 ] || [ "$pid" = $$ ] || [ "$ppid" = 1 ] && continue; echo "$pid $comm"; done'])
}

/** sha256 of `pg_dump` of the database in a running container. Current pg_dump writes a random
 * \restrict / \unrestrict line: dropped before hashing. */
export function dumpSumOfRunning(container: string): string {
  const dump = execFileSync('docker', ['exec', container, 'pg_dump', '-U', 'app', '-d', 'app', '--no-owner'], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  const kept = dump
    .split('\n')
    .filter((l) => !/^\\(un)?restrict /.test(l))
    .join('\n')
  return execFileSync('sha256sum', {input: kept, encoding: 'utf8'}).split(' ')[0]
}

/** A seeded PRNG (mulberry32): the same seed gives the same sequence, to replay a failure. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function dockerOut(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('docker', args, {encoding: 'utf8'}, (_e, stdout) => resolve(stdout ?? '')))
}
