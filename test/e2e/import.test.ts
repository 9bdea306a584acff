// `berth init --from`'s importer on real-world Compose files (test/fixtures/compose/): each result validates,
// its dev render passes `docker compose config -q` (berth render --check), and every service, port and named
// volume of the input is imported or named in the summary. One of them (kraken, 2015) is brought up.
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'
import {afterEach, describe, expect, it} from 'vitest'
import {importCompose, type ImportResult} from '../../src/app/import/index.js'
import {berth, freeOffset, git, httpGet, LOCAL_IMAGES, releaseOffset, removeProject, ROOT, uniqueName, waitFor} from './harness.js'

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'compose')
const COMPOSE_NAMES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yaml', 'compose.yml']

const fsIO = {
  exists: (p: string) => existsSync(p),
  read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Imported {
  dir: string
  name: string
  file: string
  result: ImportResult
  stack: {services: Record<string, any>; compose?: Record<string, any>}
}

/** A copy of a fixture in its own git repository, imported and berth.yml written there. */
function importFixture(fixture: string): Imported {
  const name = uniqueName(`t-imp-${fixture}`.slice(0, 20))
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`))
  cleanups.push(async () => {
    await removeProject(name)
    rmSync(dir, {recursive: true, force: true})
  })
  cpSync(path.join(FIXTURES, fixture), dir, {recursive: true})
  const file = COMPOSE_NAMES.find((f) => existsSync(path.join(dir, f)))!
  const result = importCompose({root: dir, file, name}, fsIO)
  writeFileSync(path.join(dir, 'berth.yml'), result.yaml)
  git(['init', '-q', '-b', 'main'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '-A'], dir)
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'fixture'], dir)
  return {dir, name, file, result, stack: parse(result.yaml)}
}

/** The input as a reader of Compose sees it: services (override included), their container ports, named volumes. */
function composeInput(dir: string, file: string): {services: Record<string, number[]>; volumes: string[]} {
  const files = [file, file.replace(/\.ya?ml$/, '.override.yml'), file.replace(/\.ya?ml$/, '.override.yaml')].filter((f, i) => i === 0 || existsSync(path.join(dir, f)))
  const services: Record<string, number[]> = {}
  const volumes = new Set<string>()
  for (const f of files) {
    const doc = parse(readFileSync(path.join(dir, f), 'utf8'), {merge: true}) as Record<string, any>
    for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
      services[name] ??= []
      for (const p of svc.ports ?? []) {
        const target = typeof p === 'object' ? Number(p.target) : Number(String(p).replace(/\$\{[^}]*\}/g, 'X').split('/')[0].split(':').at(-1))
        services[name].push(target)
      }
    }
    for (const v of Object.keys(doc.volumes ?? {})) volumes.add(v)
  }
  return {services, volumes: [...volumes]}
}

function expectAccountedFor(fx: Imported): void {
  const input = composeInput(fx.dir, fx.file)
  const summary = fx.result.summary
  expect(Object.keys(fx.stack.services).sort()).toEqual(Object.keys(input.services).sort())
  for (const [name, ports] of Object.entries(input.services)) {
    const svc = fx.stack.services[name]
    for (const port of ports) {
      const imported = svc.port === port || String(port) in (svc.ports ?? {})
      const kept = (svc.compose?.ports ?? []).some((p: any) => p.target === port)
      const named = summary.some((l) => l.startsWith(`${name}: `) && l.includes(String(port)) && /not imported|kept/.test(l))
      expect(imported || kept || named, `${name}: port ${port} neither imported nor in the summary:\n${summary.join('\n')}`).toBe(true)
    }
  }
  for (const volume of input.volumes) {
    const line = summary.find((l) => l.includes(`named volume ${volume} became`) || l.includes(`volume ${volume}: kept`) || l.includes(`volume ${volume}: declared but used by no service`))
    expect(line, `volume ${volume} not in the summary:\n${summary.join('\n')}`).toBeDefined()
    const key = / became (?:data|shared) volume ([a-z0-9_-]+)/.exec(line!)?.[1]
    const service = line!.split(':')[0]
    if (key) expect(fx.stack.services[service].volumes?.[key], `${service}.volumes.${key}`).toBeDefined()
    if (line!.includes(': kept')) expect(fx.stack.compose?.volumes?.[volume]).toBeDefined()
  }
}

describe('berth init --from: real-world Compose files', () => {
  const fixtures = readdirSync(FIXTURES, {withFileTypes: true}).filter((d) => d.isDirectory()).map((d) => d.name)

  it('has the fixtures the issue asks for', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['kraken', 'nginx-node-redis', 'react-express-mongo', 'react-express-mysql', 'python-postgres', 'profiles-env', 'extends-anchors']))
  })

  for (const fixture of fixtures) {
    it(`${fixture}: validates, renders to valid Compose, accounts for every service, port and volume`, async () => {
      const fx = importFixture(fixture)
      expectAccountedFor(fx)
      const r = await berth(['render', '--check'], {cwd: fx.dir})
      expect(r.code, r.stderr).toBe(0)
      const rendered = path.join(fx.dir, r.stdout.trim())
      const model = JSON.parse(execFileSync('docker', ['compose', '--profile', '*', '-f', rendered, '--project-directory', fx.dir, 'config', '--format', 'json'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}))
      expect(Object.keys(model.services)).toEqual(expect.arrayContaining(Object.keys(fx.stack.services)))
      for (const svc of Object.values<any>(model.services)) for (const p of svc.ports ?? []) expect(p.host_ip).toBe('127.0.0.1')
      const qa = await berth(['render', 'qa', '--check'], {cwd: fx.dir})
      expect(qa.code, qa.stderr).toBe(0)
      // .env values are never copied: neither into berth.yml nor into the rendered file
      const dotenv = path.join(fx.dir, '.env')
      if (existsSync(dotenv)) {
        const secrets = readFileSync(dotenv, 'utf8').split('\n').filter((l) => /s3cret/.test(l)).map((l) => l.split('=')[1])
        for (const s of secrets) {
          expect(fx.result.yaml).not.toContain(s)
          expect(readFileSync(rendered, 'utf8')).not.toContain(s)
        }
      }
    })
  }

  it('kraken (2015): the imported stack comes up and serves the app from the mounted source', async () => {
    const fx = importFixture('kraken')
    const offset = await freeOffset([8000, 9229])
    const state = mkdtempSync(path.join(os.tmpdir(), 'berth-state-'))
    cleanups.push(() => {
      releaseOffset(offset)
      rmSync(state, {recursive: true, force: true})
    })
    const env = {BERTH_PORT_OFFSET: String(offset), BERTH_STATE_DIR: state, BERTH_IMAGE_MAP: `${LOCAL_IMAGES},node:0.12=local/node:20`}
    cleanups.push(async () => {
      await berth(['down'], {cwd: fx.dir, env})
    })
    const up = await berth(['up', '--json', '-q'], {cwd: fx.dir, env})
    expect(up.code, up.stderr).toBe(0)
    const services = (JSON.parse(up.stdout) as {services: Array<{service: string; health: string}>}).services
    expect(services.find((s) => s.service === 'web')?.health).toBe('healthy')
    const res = await waitFor(async () => {
      const r = await httpGet(`http://127.0.0.1:${8000 + offset}/`)
      return r.status === 200 ? r : undefined
    }, 30_000, 'the app on its port')
    expect(res.body).toBe('kraken says hello from development\n')
  })
})
