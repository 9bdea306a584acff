// Shared by the copy-on-write and snapshot tests: a one-database fixture of its own, pg_dump checksums, volumes ls rows.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, expect} from 'vitest'
import {docker} from './data.js'
import {berth, expectOk, freeOffset, git, releaseOffset, removeProject, uniqueName, type CliResult} from './harness.js'

export interface Fx {
  dir: string
  name: string
  /** berth's environment for this fixture (state folder, port offset, BERTH_CLONE). */
  env: NodeJS.ProcessEnv
  ok(args: string[]): Promise<CliResult>
  run(args: string[]): Promise<CliResult>
  cleanup(): Promise<void>
}

const made: Fx[] = []
/** In a test file: every fixture made by its tests is removed after each test. */
export function cleanFixtures(): void {
  afterEach(async () => {
    for (const fx of made.splice(0)) await fx.cleanup()
  })
}

export async function dbFixture(mode: string, extra: NodeJS.ProcessEnv = {}): Promise<Fx> {
  const name = uniqueName('t-cow')
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  writeFileSync(path.join(dir, 'berth.yml'), `name: ${name}\nservices:\n  db:\n    template: postgres\n`)
  git(['init', '-q', '-b', 'main'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fixture'], dir)
  const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
  const offset = await freeOffset([5432])
  const env = {BERTH_PORT_OFFSET: String(offset), BERTH_STATE_DIR: state, BERTH_CLONE: mode, ...extra}
  const fx: Fx = {
    dir,
    name,
    env,
    ok: async (args) => expectOk(await berth(args, {cwd: dir, env}), `berth ${args.join(' ')}`),
    run: (args) => berth(args, {cwd: dir, env}),
    async cleanup() {
      await removeProject(name)
      rmSync(dir, {recursive: true, force: true})
      rmSync(state, {recursive: true, force: true})
      releaseOffset(offset)
    },
  }
  made.push(fx)
  return fx
}

export async function dumpSum(project: string): Promise<string> {
  const id = (await docker(['ps', '-q', '--filter', `label=dev.berth.project=${project}`, '--filter', 'label=dev.berth.service=db', '--filter', 'status=running'])).stdout.trim()
  // Hashed in the container (hundreds of MB need not cross docker exec); pg_dump's random \restrict lines dropped.
  const script = "pg_dump -U app -d app --no-owner | grep -v -E '^.(un)?restrict ' | sha256sum"
  const sum = execFileSync('docker', ['exec', id, 'sh', '-c', script], {encoding: 'utf8'}).split(' ')[0]
  expect(sum).toMatch(/^[0-9a-f]{64}$/)
  return sum
}

export interface VolumeRow {
  branch: string
  service: string
  kind: string
  volume: string
  size: number | null
  layers: string[]
  sharedSize: number | null
}

export async function dataVolumes(fx: Fx): Promise<VolumeRow[]> {
  const r = await fx.ok(['volumes', 'ls', '--json'])
  return (JSON.parse(r.stdout) as {volumes: VolumeRow[]}).volumes.filter((v) => v.kind === 'data')
}

