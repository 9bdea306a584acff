// A secret in the project's .env reaches the containers through Compose, never a file berth writes: the
// rendered Compose file keeps the ${VAR} reference, and neither it nor the render cache holds the value.
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {berth, expectOk, stackFixture, type Fixture} from './harness.js'

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe('secrets from .env', () => {
  let fx: Fixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  it('are kept as ${VAR} references: no file under .berth holds the value, after render, render --check and a cached render', async () => {
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`
    fx = await stackFixture('shop', {edit: (doc) => doc.setIn(['services', 'web', 'env', 'API_TOKEN'], '${API_TOKEN}')})
    writeFileSync(path.join(fx.dir, '.env'), `API_TOKEN=${secret}\n`)
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    expectOk(await berth(['render', '--check'], {cwd: fx.dir, env: fx.env}))
    const again = await berth(['render', '--stdout'], {cwd: fx.dir, env: fx.env})
    expectOk(again)
    expect(again.stdout).toContain('API_TOKEN: ${API_TOKEN}')
    expect(again.stdout).not.toContain(secret)
    const written = filesUnder(path.join(fx.dir, '.berth'))
    expect(written.some((f) => f.endsWith('dev.compose.yml'))).toBe(true)
    expect(written.some((f) => f.includes(`${path.sep}cache${path.sep}`))).toBe(true)
    for (const f of written) expect(readFileSync(f, 'utf8'), f).not.toContain(secret)
  })
})
