// berth watch follows a plain `git checkout` (as an IDE does it) and restacks: the new branch's stack runs,
// the old one is paused (kept warm); an edit to berth.yml re-renders and re-ups. Each test runs its own
// watch on its own fixture.
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseDocument} from 'yaml'
import {describe, expect, it} from 'vitest'
import {git, spawnBerth, useFixtures, waitFor, type TestStack} from './harness.js'

interface StackStatus {
  branch: string
  env: string
  services: Array<{service: string; state: string; role: string}>
}

describe('berth watch', () => {
  const fixtures = useFixtures()

  /** A fixture with `berth watch` running on it (stopped with SIGINT at clean-up); `output()` is what it printed. */
  async function watched(): Promise<TestStack & {output: () => string}> {
    const fx = await fixtures.stack('shop', {prefix: 't-wa'})
    const watch = spawnBerth(['watch', '--debounce', '200'], {cwd: fx.dir, env: fx.env})
    let output = ''
    watch.stdout!.on('data', (c) => (output += c))
    watch.stderr!.on('data', (c) => (output += c))
    fx.defer(async () => {
      if (watch.exitCode === null && watch.signalCode === null) {
        const exited = new Promise((resolve) => watch.once('exit', resolve))
        watch.kill('SIGINT')
        await exited
      }
    })
    return Object.assign(fx, {output: () => output})
  }

  const running = async (fx: TestStack): Promise<StackStatus[]> => {
    const r = await fx.run(['status', '--json'])
    if (r.code !== 0) return []
    return (JSON.parse(r.stdout).stacks as StackStatus[]).filter((s) => s.services.some((x) => x.role === 'app' && x.state === 'running'))
  }
  /** Polls until the branch's stack is the only one running (with web running); its stacks then. */
  const onlyBranchRunning = (fx: TestStack & {output: () => string}, branch: string) =>
    waitFor(
      async () => {
        const stacks = await running(fx)
        const web = stacks.find((s) => s.branch === branch)?.services.find((x) => x.service === 'web')
        return stacks.length === 1 && web?.state === 'running' ? stacks : undefined
      },
      180_000,
      `only ${branch}'s stack running (watch said: ${fx.output().slice(-400)})`,
    )

  it('brings the current branch up at start', async () => {
    const fx = await watched()
    const stacks = await onlyBranchRunning(fx, 'main')
    expect(stacks.map((s) => `${s.env} ${s.branch}`)).toEqual(['dev main'])
  })

  it('restacks when the branch is checked out outside berth', async () => {
    const fx = await watched()
    await onlyBranchRunning(fx, 'main')
    git(['checkout', '-q', '-b', 'feat/watched'], fx.dir)
    const stacks = await onlyBranchRunning(fx, 'feat/watched')
    expect(stacks.map((s) => s.branch)).toEqual(['feat/watched'])
    expect(fx.output()).toContain('Branch changed: main -> feat/watched')
  })

  it('re-renders and re-ups when berth.yml changes', async () => {
    const fx = await watched()
    await onlyBranchRunning(fx, 'main')
    const file = path.join(fx.dir, 'berth.yml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['services', 'web', 'env', 'WATCHED'], 'yes')
    writeFileSync(file, doc.toString())
    const rendered = path.join(fx.dir, '.berth', 'dev.compose.yml')
    await waitFor(async () => (/WATCHED: "?yes"?/.test(readFileSync(rendered, 'utf8')) ? true : undefined), 60_000, 'the re-rendered file')
    expect(readFileSync(rendered, 'utf8')).toMatch(/WATCHED: "?yes"?/)
    const seen = await waitFor(
      async () => {
        const r = await fx.run(['exec', 'web', '--', 'node', '-e', 'process.stdout.write(process.env.WATCHED ?? "")'])
        return r.stdout === 'yes' ? r.stdout : undefined
      },
      120_000,
      'the web container to be recreated with WATCHED=yes',
    )
    expect(seen).toBe('yes')
  })
})
