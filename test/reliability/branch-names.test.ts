// Branch names git accepts but a shell would not: each gets its own stack and volume (no two names the same,
// `a/b` next to `a-b` included), berth works on every one, and none reaches a shell (the names that would
// create a file if a shell ran them leave no file).
import {existsSync, rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {git} from '../e2e/harness.js'
import {dockerOut, smallFixture, type SmallFixture} from './lib.js'

const tag = Math.random().toString(36).slice(2, 8)
const pwned = [`/tmp/pwned-${tag}-1`, `/tmp/pwned-${tag}-2`, `/tmp/pwned-${tag}-3`, `/tmp/pwned-${tag}-4`]
const names = [
  `x;touch\${IFS}${pwned[0]}`,
  `$(touch\${IFS}${pwned[1]})`,
  `a\`touch\${IFS}${pwned[2]}\`b`,
  `q|touch\${IFS}${pwned[3]}&c`,
  "it's",
  'a"b',
  'a>b<c',
  '#hash',
  'naïve-ünïcode',
  'emoji-🚀',
  `long-${'x'.repeat(195)}`,
  'a/b',
  'a-b',
]

describe('hostile branch names', () => {
  let fx: SmallFixture
  beforeAll(async () => {
    fx = await smallFixture('t-names')
  })
  afterAll(async () => {
    for (const f of pwned) rmSync(f, {force: true})
    await fx?.cleanup()
  })

  it('each gets its own stack and volume, and none reaches a shell', async () => {
    expect(names.find((n) => n.length === 200)).toBeDefined()
    for (const n of names) git(['check-ref-format', '--branch', n], fx.dir) // git accepts every one
    await fx.ok(['up', '-q'])
    const stacks = new Map<string, string>()
    for (const name of names) {
      const r = await fx.run(['switch', '--create', name, '-q'])
      expect(r.code, `switch --create ${name}:\n${r.stderr}`).toBe(0)
      expect(git(['branch', '--show-current'], fx.dir).trim()).toBe(name)
      // the running database is this branch's, labelled with its exact name
      const running = (await dockerOut(['ps', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'status=running', '--filter', 'label=dev.berth.service=db', '--format', '{{.Label "dev.berth.branch"}}\t{{.Label "dev.berth.stack"}}'])).trim().split('\n')
      expect(running).toHaveLength(1)
      const [branch, stack] = running[0].split('\t')
      expect(branch).toBe(name)
      expect(stack).toMatch(/^[a-z0-9][a-z0-9_-]*$/) // a Compose project name
      stacks.set(name, stack)
    }
    expect(new Set(stacks.values()).size, 'one stack per branch').toBe(names.length)
    expect(stacks.get('a/b')).not.toBe(stacks.get('a-b'))

    const volumes = (await dockerOut(['volume', 'ls', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.kind=data', '--format', '{{.Name}}\t{{.Label "dev.berth.branch"}}'])).trim().split('\n').map((l) => l.split('\t'))
    expect(volumes.map(([, b]) => b).sort()).toEqual(['main', ...names].sort()) // one volume per branch, exactly its name
    for (const [volume] of volumes) expect(volume).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/)

    // read commands cope with every name
    const ls = await fx.run(['volumes', 'ls', '--json'])
    expect(ls.code, ls.stderr).toBe(0)
    const status = await fx.run(['status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).branch).toBe(names.at(-1))
    // back to a known hostile branch: its own data, resumed
    const back = await fx.run(['switch', names[0], '-q'])
    expect(back.code, back.stderr).toBe(0)

    for (const f of pwned) expect(existsSync(f), `${f} exists: a branch name reached a shell`).toBe(false)
  })
})
