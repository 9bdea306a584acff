// The built CLI's render cache (.berth/cache/ENV.json): an unchanged stack is not rendered again, and
// any change (berth.yml, a checkout, a damaged cache file) gives the file a fresh render would write.
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {berth, expectOk, git, stackFixture, type Fixture} from './harness.js'

describe('render cache', () => {
  let fx: Fixture | undefined
  afterEach(async () => {
    await fx?.cleanup()
    fx = undefined
  })

  const rendered = (f: Fixture) => readFileSync(path.join(f.dir, '.berth', 'dev.compose.yml'), 'utf8')
  const fresh = async (f: Fixture) => {
    const r = await berth(['render', '--stdout'], {cwd: f.dir, env: {...f.env, BERTH_NO_CACHE: '1'}})
    expect(r.code, r.stderr).toBe(0)
    return r.stdout
  }

  it('a second render comes from the cache and writes what a fresh render writes', async () => {
    fx = await stackFixture('shop')
    const first = await berth(['render', '--debug'], {cwd: fx.dir, env: fx.env})
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toMatch(/render: \d+ ms/)
    const second = await berth(['render', '--debug'], {cwd: fx.dir, env: fx.env})
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toMatch(/render: cached/)
    const stdout = expectOk(await berth(['render', '--stdout'], {cwd: fx.dir, env: fx.env}))
    expect(stdout.stdout).toBe(await fresh(fx))
    expect(rendered(fx)).toBe(await fresh(fx))
  })

  it('BERTH_NO_CACHE=1 renders even when the cache could answer', async () => {
    fx = await stackFixture('shop')
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    const r = await berth(['render', '--debug'], {cwd: fx.dir, env: {...fx.env, BERTH_NO_CACHE: '1'}})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/render: \d+ ms/)
  })

  it('an edit of berth.yml after a cached render is in the written file', async () => {
    fx = await stackFixture('shop')
    for (let i = 0; i < 2; i++) expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    const file = path.join(fx.dir, 'berth.yml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('REDIS_URL: redis://cache:6379', 'REDIS_URL: redis://cache:6380'))
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    expect(rendered(fx)).toContain('redis://cache:6380')
    expect(rendered(fx)).toBe(await fresh(fx))
  })

  it('after a git checkout of another branch, the written file is the new branch stack', async () => {
    fx = await stackFixture('shop')
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    git(['switch', '-q', '--create', 'feat/cache'], fx.dir)
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    expect(rendered(fx)).toMatch(new RegExp(`^name: ${fx.name}-dev-feat-cache-[0-9a-f]{8}$`, 'm'))
    expect(rendered(fx)).toBe(await fresh(fx))
  })

  it('a damaged cache file is ignored and replaced', async () => {
    fx = await stackFixture('shop')
    expectOk(await berth(['render'], {cwd: fx.dir, env: fx.env}))
    const cache = path.join(fx.dir, '.berth', 'cache', 'dev.json')
    writeFileSync(cache, readFileSync(cache, 'utf8').slice(0, 100))
    const r = await berth(['render', '--debug'], {cwd: fx.dir, env: fx.env})
    expect(r.code, r.stderr).toBe(0)
    expect(rendered(fx)).toBe(await fresh(fx))
    expect(JSON.parse(readFileSync(cache, 'utf8')).yaml).toBe(rendered(fx))
  })
})
