// The nginx kind on a real engine, with a stand-in built from Debian's nginx (no registry here): a static
// site served read-only from a folder, and a reverse proxy to it, both healthy, reached through the door.
import {execFile} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {httpGet, LOCAL_IMAGES, ROOT, uniqueName, useFixtures} from './harness.js'

const run = promisify(execFile)
/** A tag of this test's own, removed afterwards (the build cache keeps the layers for the next run). */
const IMAGE = `berth-test-kinds/nginx:${uniqueName('standin')}`

describe('template nginx on the engine (Debian stand-in for nginx:1.27)', () => {
  const fixtures = useFixtures()
  beforeAll(async () => {
    await run('docker', ['build', '-q', '-t', IMAGE, path.join(ROOT, 'test/e2e/standins/nginx')], {timeout: 230_000})
  }, 240_000)
  afterAll(async () => {
    await run('docker', ['image', 'rm', IMAGE]).catch(() => undefined)
  })

  it('serves a folder, and proxies to another service, healthy behind the front door', async () => {
    const fx = await fixtures.stack('shop', {
      prefix: 't-nginx',
      edit: (doc) => {
        doc.delete('environments')
        doc.set('services', doc.createNode({
          site: {template: 'nginx', params: {site: 'public'}},
          front: {template: 'nginx', port: 8080, params: {proxy_to: 'site:80'}, depends_on: ['site']},
        }))
      },
    })
    mkdirSync(path.join(fx.dir, 'public'))
    writeFileSync(path.join(fx.dir, 'public', 'index.html'), '<p>served by berth</p>\n')
    const env = {BERTH_IMAGE_MAP: `${LOCAL_IMAGES},nginx:1.27=${IMAGE}`}
    const up = JSON.parse((await fx.ok(['up', '--json', '-q'], {env})).stdout) as {services: Array<{service: string; health: string; url?: string}>}
    for (const s of up.services) expect(s.health, s.service).toBe('healthy')

    const site = await httpGet(`http://127.0.0.1:${80 + fx.offset}/`)
    expect(site).toEqual({status: 200, body: '<p>served by berth</p>\n'})
    const proxied = await httpGet(`http://127.0.0.1:${8080 + fx.offset}/`)
    expect(proxied).toEqual({status: 200, body: '<p>served by berth</p>\n'})
    expect((await httpGet(`http://127.0.0.1:${8080 + fx.offset}/missing`)).status).toBe(404)

    // read-only: the container cannot write into the site folder
    const [container] = (await run('docker', ['ps', '-q', '--filter', `label=dev.berth.project=${fx.name}`, '--filter', 'label=dev.berth.service=site'])).stdout.split('\n').filter(Boolean)
    const write = await run('docker', ['exec', container, 'sh', '-c', 'echo x > /usr/share/nginx/html/x']).then(() => 0, (e: {code: number}) => e.code)
    expect(write).not.toBe(0)
  })
})
