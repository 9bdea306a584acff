// qa runs an image from a registry (image_from: registry) as QA does, on the real engine. There is no registry
// here, so "in the registry" means on the engine (a small image each test builds and tags itself); a reference
// that is neither there nor pullable stops berth up before anything exists; --build-if-missing builds it from
// app/ with the project's .npmrc as a BuildKit secret, and the token is in no layer, no history, no .berth file.
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {containersOf, httpGet, useFixtures, volumesOf, type TestStack} from './harness.js'

const TOKEN = `npm_berthe2e${Math.random().toString(36).slice(2, 10)}SECRET`

function docker(args: string[], input?: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = execFile('docker', args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) =>
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}),
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** Whether `docker save IMAGE` (every layer and the config) contains these bytes anywhere. */
function savedImageContains(image: string, needle: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['save', image], {stdio: ['ignore', 'pipe', 'inherit']})
    const bytes = Buffer.from(needle)
    let tail = Buffer.alloc(0)
    let found = false
    child.stdout.on('data', (chunk: Buffer) => {
      const window = Buffer.concat([tail, chunk])
      if (window.includes(bytes)) found = true
      tail = window.subarray(Math.max(0, window.length - bytes.length))
    })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(found) : reject(new Error(`docker save ${image} exited ${code}`))))
  })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

/** A qa whose web runs `image` from a registry. */
const registryQa = (image: string) => ({
  edit: (doc: {setIn(path: unknown[], value: unknown): void}) => {
    doc.setIn(['environments', 'qa', 'services', 'web', 'image_from'], 'registry')
    doc.setIn(['environments', 'qa', 'services', 'web', 'image'], image)
  },
})

async function nothingOnTheEngine(fx: TestStack): Promise<void> {
  expect(await containersOf(fx.name)).toEqual([])
  expect(await volumesOf(fx.name)).toEqual([])
  expect((await docker(['network', 'ls', '-q', '--filter', `label=dev.berth.project=${fx.name}`])).stdout.trim()).toBe('')
}

describe('images from a registry', () => {
  const fixtures = useFixtures()
  const noUserNpmrc = {NPM_CONFIG_USERCONFIG: '/nonexistent/npmrc'}

  it('runs the image that is on the engine as it is, without building', async () => {
    const fx = await fixtures.stack('shop', registryQa('private-registry.example/stacks/PLACEHOLDER:1.0'))
    const image = `private-registry.example/stacks/${fx.name}:1.0`
    writeFileSync(path.join(fx.dir, 'berth.yml'), readFileSync(path.join(fx.dir, 'berth.yml'), 'utf8').replace('PLACEHOLDER', fx.name))
    // The "registry" image: a tiny server of its own, so the test sees which image answers.
    const context = mkdtempSync(path.join(os.tmpdir(), 'berth-registry-image-'))
    fx.defer(() => rmSync(context, {recursive: true, force: true}))
    writeFileSync(path.join(context, 'server.js'), `require('http').createServer((q, s) => s.end(JSON.stringify({from: 'registry', nodeEnv: process.env.NODE_ENV}))).listen(process.env.PORT)\n`)
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM local/node:20\nWORKDIR /src\nCOPY server.js .\n')
    fx.defer(() => docker(['image', 'rm', '-f', image]))
    const built = await docker(['build', '-q', '-t', image, context])
    expect(built.code, built.stderr).toBe(0)

    const r = await fx.ok(['up', 'qa', '--json'], {env: noUserNpmrc})
    expect(r.stderr).not.toMatch(/building|pulling/i)
    const web = (await docker(['inspect', '--format', '{{.Config.Image}}', `${JSON.parse(r.stdout).stack}-web-1`])).stdout.trim()
    expect(web).toBe(image)
    expect(JSON.parse((await httpGet(fx.url('/', 18000))).body)).toEqual({from: 'registry', nodeEnv: 'staging'})
    // Nothing was built for the stack: Compose names its builds after the stack.
    expect((await docker(['image', 'ls', '-q', '--filter', `reference=${fx.name}-*`])).stdout.trim()).toBe('')
    const file = readFileSync(path.join(fx.dir, '.berth', 'qa.compose.yml'), 'utf8')
    expect(file).toContain(`image: ${image}`)
    expect(file).not.toMatch(/^\s+build:/m)
  })

  it('stops with one line and exit 5, nothing created, when the image is neither on the engine nor pullable', async () => {
    const fx = await fixtures.stack('shop', registryQa('private-registry.example/stacks/berth-e2e-not-there:1.0'))
    const r = await fx.run(['up', 'qa'], {env: noUserNpmrc})
    expect(r.code, r.stderr).toBe(5)
    const lines = r.stderr.split('\n')
    const error = lines.find((l) => l.startsWith('berth: error:'))
    expect(error).toMatch(/^berth: error: berth\.yml:\d+:\d+: service "web": image_from: registry: image private-registry\.example\/stacks\/berth-e2e-not-there:1\.0 is not on this engine and could not be pulled$/)
    expect(lines.filter((l) => l.startsWith('berth: error:'))).toHaveLength(1)
    expect(r.stderr).toContain('berth up qa --build-if-missing')
    await nothingOnTheEngine(fx)
  })

  it('--build-if-missing builds it from app/ with the .npmrc as a secret that is in no layer, no history and no .berth file', async () => {
    const fx = await fixtures.stack('shop', registryQa('private-registry.example/stacks/PLACEHOLDER:1.4'))
    const image = `private-registry.example/stacks/${fx.name}:1.4`
    fx.defer(() => docker(['image', 'rm', '-f', image]))
    writeFileSync(path.join(fx.dir, 'berth.yml'), readFileSync(path.join(fx.dir, 'berth.yml'), 'utf8').replace('PLACEHOLDER', fx.name))
    // Auth for a registry host npm never asks here: npm ci still uses the default registry.
    const npmrc = `//npm.berth-e2e.invalid/:_authToken=${TOKEN}\n`
    writeFileSync(path.join(fx.dir, '.npmrc'), npmrc)
    // Proof that the secret reached the build without its text: its digest, written into the image. A secret is not
    // part of BuildKit's cache key: the fixture's name in the command keeps another run's layer from being reused.
    appendFileSync(path.join(fx.dir, 'app', 'Dockerfile'), `RUN --mount=type=secret,id=npmrc,required=false,uid=1000 sha256sum /run/secrets/npmrc | cut -d" " -f1 > /tmp/npmrc.sha256 # ${fx.name}\n`)

    const r = await fx.ok(['up', 'qa', '--build-if-missing', '--json'], {env: noUserNpmrc})
    expect(r.stderr).toContain(`web: ${image} not found; building it from app/ (--build-if-missing)`)
    const web = (await docker(['inspect', '--format', '{{.Config.Image}}', `${JSON.parse(r.stdout).stack}-web-1`])).stdout.trim()
    expect(web).toBe(image)
    const stats = JSON.parse((await httpGet(fx.url('/api/stats', 18000))).body)
    expect(stats).toMatchObject({nodeEnv: 'staging', deployEnv: 'QA', visits: 1})

    const digest = (await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'cat', image, '/tmp/npmrc.sha256'])).stdout.trim()
    expect(digest).toBe(createHash('sha256').update(npmrc).digest('hex'))
    expect((await docker(['history', '--no-trunc', image])).stdout).not.toContain(TOKEN)
    expect((await docker(['image', 'inspect', image])).stdout).not.toContain(TOKEN)
    expect(await savedImageContains(image, TOKEN)).toBe(false)
    for (const f of filesUnder(path.join(fx.dir, '.berth'))) expect(readFileSync(f, 'utf8'), f).not.toContain(TOKEN)
    expect(readFileSync(path.join(fx.dir, '.berth', 'qa.compose.yml'), 'utf8')).not.toContain('_authToken')

    // Built once: the next up finds it on the engine and builds nothing.
    const again = await fx.ok(['up', 'qa'], {env: noUserNpmrc})
    expect(again.stderr).not.toContain('--build-if-missing')
  })

  it('passes NPM_REGISTRY with credentials and the user .npmrc as secrets: they reach the build, and no layer, history or .berth file', async () => {
    // One small service that builds (qa's others left out): its Dockerfile keeps the secrets' digests, not their text.
    const fx = await fixtures.stack('shop', {
      edit: (doc) => {
        for (const s of ['web', 'db', 'cache']) doc.setIn(['environments', 'qa', 'services', s, 'enabled'], false)
        doc.setIn(['services', 'probe'], doc.createNode({build: 'probe', command: ['sleep', 'infinity']}))
      },
    })
    mkdirSync(path.join(fx.dir, 'probe'))
    writeFileSync(
      path.join(fx.dir, 'probe', 'Dockerfile'),
      [
        'FROM local/node:20',
        'ARG NPM_REGISTRY',
        `RUN --network=none echo ${fx.name} > /fixture`, // secrets are not part of BuildKit's cache key: no other run's layers
        'RUN --network=none --mount=type=secret,id=npm_registry,required=false sha256sum /run/secrets/npm_registry | cut -d" " -f1 > /npm_registry.sha256',
        'RUN --network=none --mount=type=secret,id=npmrc,required=false sha256sum /run/secrets/npmrc | cut -d" " -f1 > /npmrc.sha256',
        '',
      ].join('\n'),
    )
    const userNpmrc = path.join(mkdtempSync(path.join(os.tmpdir(), 'berth-npmrc-')), 'npmrc')
    fx.defer(() => rmSync(path.dirname(userNpmrc), {recursive: true, force: true}))
    const npmrc = `//npm.private.example/:_authToken=${TOKEN}-user\n`
    writeFileSync(userNpmrc, npmrc)
    const registry = `https://ci:${TOKEN}@npm.private.example/`

    const r = await fx.ok(['up', 'qa', '--json'], {env: {NPM_REGISTRY: registry, NPM_CONFIG_USERCONFIG: userNpmrc}})
    // the image berth tags for the build (berth/PROJECT-probe:qa-BRANCHID), as the rendered file names it
    const image = (parse(readFileSync(path.join(fx.dir, '.berth', 'qa.compose.yml'), 'utf8')) as {services: {probe: {image: string}}}).services.probe.image
    expect(image).toMatch(/^berth\//)
    expect(JSON.parse(r.stdout).stack).toBeTruthy()
    const cat = async (f: string) => (await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'cat', image, f])).stdout.trim()
    expect(await cat('/npm_registry.sha256')).toBe(createHash('sha256').update(registry).digest('hex'))
    expect(await cat('/npmrc.sha256')).toBe(createHash('sha256').update(npmrc).digest('hex'))
    expect((await docker(['history', '--no-trunc', image])).stdout).not.toContain(TOKEN)
    expect((await docker(['image', 'inspect', image])).stdout).not.toContain(TOKEN)
    expect(await savedImageContains(image, TOKEN)).toBe(false)
    for (const f of filesUnder(path.join(fx.dir, '.berth'))) expect(readFileSync(f, 'utf8'), f).not.toContain(TOKEN)
    const file = readFileSync(path.join(fx.dir, '.berth', 'qa.compose.yml'), 'utf8')
    expect(file).toContain('environment: NPM_REGISTRY')
    expect(file).toContain(`file: ${userNpmrc}`)
    expect(file).not.toContain('npm.private.example')
  })
})
