// Output for pipes and files carries no terminal control codes: berth logs (Compose writes erase-line codes
// even into a pipe); NO_COLOR and --no-color reach Compose too (--ansi never).
import {describe, expect, it} from 'vitest'
import {useFixtures} from './harness.js'

describe('output hygiene', () => {
  const fixtures = useFixtures()

  it('berth logs into a pipe has no ESC characters, and the app lines are all there', async () => {
    const fx = await fixtures.stack('../test/fixtures/up-live', {prefix: 't-hyg'})
    await fx.ok(['up', '-q'])
    const r = await fx.ok(['logs', 'web'])
    expect(r.stdout).toMatch(/^web-1 +\| app starting in mode ok$/m)
    expect(r.stdout).toMatch(/^web-1 +\| listening on 8000$/m)
    expect(r.stdout).not.toContain('\u001B')
    expect(r.stderr).not.toContain('\u001B')
    const tail = await fx.ok(['logs', 'web', '--tail', '1', '--timestamps'])
    expect(tail.stdout.trim().split('\n')).toHaveLength(1)
    expect(tail.stdout).not.toContain('\u001B')
  })

  it('--no-color (and NO_COLOR) run Compose with --ansi never', async () => {
    const fx = await fixtures.stack('../test/fixtures/up-live', {prefix: 't-hyg'})
    await fx.ok(['up', '-q'])
    const flag = await fx.ok(['logs', 'web', '--no-color', '--debug'], {env: {NO_COLOR: ''}})
    expect(flag.stderr).toMatch(/run \[.*"compose","-p","[^"]+","--ansi","never"/)
    expect(flag.stdout).not.toContain('\u001B')
    const env = await fx.ok(['down', '--debug'], {env: {NO_COLOR: '1'}})
    expect(env.stderr).toMatch(/run \[.*"compose","-p","[^"]+","--ansi","never".*"down"/)
    expect(env.stderr).not.toContain('\u001B')
  })
})
