// berth watch follows a plain `git checkout` (as an IDE does it) and restacks: the new branch's stack runs,
// the old one is paused (kept warm); an edit to berth.yml re-renders and re-ups.
import {spawn, type ChildProcess} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseDocument} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {berth, CLI, git, LOCAL_IMAGES, stackFixture, waitFor, type Fixture} from './harness.js'

interface StackStatus {
  branch: string
  env: string
  services: Array<{service: string; state: string; role: string}>
}

describe('berth watch', () => {
  let fx: Fixture
  let watch: ChildProcess
  let output = ''
  beforeAll(async () => {
    fx = await stackFixture('shop', {prefix: 't-wa'})
    watch = spawn(process.execPath, [CLI, 'watch', '--debounce', '200'], {
      cwd: fx.dir,
      env: {...process.env, ...fx.env, BERTH_IMAGE_MAP: LOCAL_IMAGES, NO_COLOR: '1', BERTH_CONFIG: '/nonexistent/berth-config.yml'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    watch.stdout!.on('data', (c) => (output += c))
    watch.stderr!.on('data', (c) => (output += c))
  })
  afterAll(async () => {
    if (watch && watch.exitCode === null) {
      watch.kill('SIGINT')
      await new Promise((resolve) => watch.once('exit', resolve))
    }
    await fx?.cleanup()
  })

  const running = async (): Promise<StackStatus[]> => {
    const r = await berth(['status', '--json'], {cwd: fx.dir, env: fx.env})
    if (r.code !== 0) return []
    return (JSON.parse(r.stdout).stacks as StackStatus[]).filter((s) => s.services.some((x) => x.role === 'app' && x.state === 'running'))
  }
  const onlyBranchRunning = (branch: string) =>
    waitFor(
      async () => {
        const stacks = await running()
        const web = stacks.find((s) => s.branch === branch)?.services.find((x) => x.service === 'web')
        return stacks.length === 1 && web?.state === 'running' ? stacks : undefined
      },
      180_000,
      `only ${branch}'s stack running (watch said: ${output.slice(-400)})`,
    )

  it('brings the current branch up at start', async () => {
    await onlyBranchRunning('main')
  })

  it('restacks when the branch is checked out outside berth', async () => {
    git(['checkout', '-q', '-b', 'feat/watched'], fx.dir)
    await onlyBranchRunning('feat/watched')
    expect(output).toContain('Branch changed: main -> feat/watched')
  })

  it('re-renders and re-ups when berth.yml changes', async () => {
    const file = path.join(fx.dir, 'berth.yml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['services', 'web', 'env', 'WATCHED'], 'yes')
    writeFileSync(file, doc.toString())
    await waitFor(async () => (/WATCHED: "?yes"?/.test(readFileSync(path.join(fx.dir, '.berth', 'dev.compose.yml'), 'utf8')) ? true : undefined), 60_000, 'the re-rendered file')
    await waitFor(
      async () => {
        const r = await berth(['exec', 'web', '--', 'node', '-e', 'process.stdout.write(process.env.WATCHED ?? "")'], {cwd: fx.dir, env: fx.env})
        return r.stdout === 'yes' ? true : undefined
      },
      120_000,
      'the web container to be recreated with WATCHED=yes',
    )
  })
})
