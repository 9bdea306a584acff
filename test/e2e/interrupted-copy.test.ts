// kill -9 during a copy leaves the source stack's database paused; the next berth command resumes it.
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {stateFile} from '../../src/infra/state.js'
import {berth, expectOk, containersOf, stackFixture, type Fixture} from './harness.js'

describe('a copy interrupted by kill -9', () => {
  let fx: Fixture
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    fx = await stackFixture('shop', {prefix: 't-pz'})
    env = fx.env
  })
  afterAll(async () => {
    execFileSync('sh', ['-c', `docker ps -q --filter label=dev.berth.project=${fx.name} --filter status=paused | xargs -r docker unpause`])
    await fx?.cleanup()
  })

  it('leaves no container paused once berth runs again', async () => {
    expectOk(await berth(['up', '-q'], {cwd: fx.dir, env}))
    const db = (await containersOf(fx.name)).find((c) => c.service === 'db')
    expect(db?.state).toBe('running')
    // What a berth killed mid-copy leaves behind: the source's database paused, and its record.
    execFileSync('docker', ['pause', db!.name])
    const id = execFileSync('docker', ['inspect', '-f', '{{.Id}}', db!.name], {encoding: 'utf8'}).trim()
    const file = stateFile(fx.name, env)
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, JSON.stringify({volumes: {}, paused: [id]}))
    expect((await containersOf(fx.name)).find((c) => c.service === 'db')?.state).toBe('paused')

    const again = await berth(['up'], {cwd: fx.dir, env})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain(`Resumed container ${id.slice(0, 12)}`)
    expect((await containersOf(fx.name)).find((c) => c.service === 'db')?.state).toBe('running')
  })
})
