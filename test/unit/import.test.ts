// Importing a Compose file: the pure mapping (ports, volumes, templates, dependencies) and the bad inputs.
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {importCompose, type ImportResult} from '../../src/app/import/index.js'
import {BerthError, ConfigError, ExitCode} from '../../src/core/errors.js'
import {parsePort} from '../../src/core/import/normalize.js'
import {dockerfileFacts} from '../../src/core/import/templates.js'
import {render, ROOT} from './helpers.js'

const APP = '/repo'

/** Files of the fake project (under /repo); berth's own files are read from this checkout. */
function io(files: Record<string, string>) {
  const abs = Object.fromEntries(Object.entries(files).map(([k, v]) => [path.join(APP, k), v]))
  const dirs = new Set(Object.keys(abs).flatMap((f) => ancestors(f)))
  return {
    exists: (p: string) => p in abs || dirs.has(p) || (p.startsWith(ROOT) && existsSync(p)),
    read: (p: string) => abs[p] ?? (p.startsWith(ROOT) && existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  }
}

function ancestors(file: string): string[] {
  const out: string[] = []
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) out.push(d)
  return out
}

function run(compose: string, more: Record<string, string> = {}, options: {shared?: string[]; file?: string} = {}): ImportResult & {stack: any} {
  const file = options.file ?? 'docker-compose.yml'
  // The templates of this checkout's first version: the tests do not change when more are installed.
  const templates = ['node', 'postgres', 'redis', 'generic']
  const r = importCompose({root: APP, file, shared: options.shared, templates, berthRoot: ROOT, now: new Date('2026-01-02T10:00:00Z')}, io({[file]: compose, ...more}))
  return {...r, stack: parse(r.yaml)}
}

function failure(fn: () => unknown): BerthError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError)
    return error as BerthError
  }
  throw new Error('expected an error')
}

describe('ports', () => {
  it('reads the short and long forms', () => {
    expect(parsePort('8000:8000')).toEqual([{container: 8000, host: 8000, protocol: 'tcp', raw: '8000:8000'}])
    expect(parsePort('127.0.0.1:5433:5432')?.[0]).toMatchObject({container: 5432, host: 5433, hostIp: '127.0.0.1'})
    expect(parsePort('3000')?.[0]).toEqual({container: 3000, protocol: 'tcp', raw: '3000'})
    expect(parsePort('9000-9001:9000-9001')?.map((p) => [p.host, p.container])).toEqual([[9000, 9000], [9001, 9001]])
    expect(parsePort('${WEB_PORT:-8080}:80')?.[0]).toMatchObject({container: 80, host: 8080, hostText: '${WEB_PORT:-8080}'})
    expect(parsePort({target: 80, published: '8081', host_ip: '0.0.0.0'})?.[0]).toMatchObject({container: 80, host: 8081, hostIp: '0.0.0.0'})
    expect(parsePort('53:53/udp')?.[0]).toMatchObject({container: 53, protocol: 'udp'})
  })

  it('makes the first port `port`, a different host port `host_port`, the others `ports`, all on 127.0.0.1', () => {
    const r = run('services:\n  web:\n    image: nginx\n    ports: ["8080:80", "127.0.0.1:8443:443", "9000"]\n')
    expect(r.stack.services.web).toMatchObject({port: 80, host_port: 8080, ports: {'443': 8443, '9000': 9000}})
    const line = r.summary.find((l) => l.startsWith('web: ports'))
    expect(line).toContain('on 127.0.0.1 only')
    expect(line).toContain('Compose published 8080, 9000 on every address')
    expect(line).toContain('9000 had no host port')
  })

  it('keeps a UDP port under compose:, published on 127.0.0.1', () => {
    const r = run('services:\n  dns:\n    image: coredns/coredns\n    ports: ["53:53/udp"]\n')
    expect(r.stack.services.dns.compose.ports).toEqual([{target: 53, published: '53', protocol: 'udp', host_ip: '127.0.0.1'}])
    expect(r.summary.join('\n')).toContain('kept under compose:')
  })

  it('turns off a template port Compose did not publish', () => {
    const r = run('services:\n  db:\n    image: postgres:15\n    environment: {POSTGRES_PASSWORD: "${DB_PASSWORD}"}\n')
    expect(r.stack.services.db).toMatchObject({template: 'postgres', params: {port: null, user: 'postgres', database: 'postgres', password: '${DB_PASSWORD}'}})
    expect(r.stack.services.db.env).toBeUndefined()
  })
})

describe('services and volumes', () => {
  const kraken = 'version: "2"\nservices:\n  web:\n    build: .\n    command: npm start\n    ports: ["8000:8000"]\n    volumes:\n      - .:/src\n      - /src/node_modules\n'
  const krakenFiles = {Dockerfile: 'FROM node:0.12\nWORKDIR /src\nCMD ["npm", "start"]\n', 'package.json': '{}'}

  it('imports the 2015 kraken shape: node template, source ., the anonymous node_modules as the lockfile cache', () => {
    const r = run(kraken, krakenFiles)
    expect(r.stack.services.web).toEqual({template: 'node', image: 'node:0.12', build: '.', port: 8000, command: 'npm start'})
    expect(r.summary).toContain('version: "2" dropped (obsolete in Compose v2)')
    expect(r.summary.join('\n')).toMatch(/anonymous volume \/src\/node_modules became the node template's node_modules cache volume/)
  })

  it('a node service: build keys go to qa and stage, its profiles to its setup container in dev', () => {
    const r = run('services:\n  web:\n    build: {context: ., cache_from: [web:latest]}\n    profiles: [app]\n', {Dockerfile: 'FROM node:20\n', 'package.json': '{}'})
    expect(r.stack.services.web.compose).toEqual({profiles: ['app']})
    expect(r.stack.environments).toEqual({
      dev: {compose: {services: {'web-setup': {profiles: ['app']}}}},
      qa: {services: {web: {compose: {build: {cache_from: ['web:latest']}}}}},
      stage: {services: {web: {compose: {build: {cache_from: ['web:latest']}}}}},
    })
  })

  it('a build without a package.json is generic; the Dockerfile facts are read', () => {
    const r = run('services:\n  web:\n    build: .\n', {Dockerfile: 'FROM python:3.12\nCMD python app.py\n'})
    expect(r.stack.services.web).toEqual({build: '.'})
    const args = run('services:\n  web:\n    build: {context: ., args: [A=1, TOKEN]}\n', {Dockerfile: 'FROM python:3.12\n'})
    expect(args.stack.services.web).toEqual({build: '.', compose: {build: {args: ['A=1', 'TOKEN']}}})
    expect(dockerfileFacts('ARG V=20\nFROM --platform=x node:${V}-slim AS dev\nCMD ["node", "a.js"]\n')).toEqual({from: 'node:20-slim', cmd: ['node', 'a.js']})
  })

  it('named volumes become per-branch data volumes; --shared marks one shared; an unknown one is refused', () => {
    const compose = 'services:\n  db:\n    image: mysql:8\n    volumes: ["dbdata:/var/lib/mysql", "logs:/var/log/mysql"]\nvolumes: {dbdata: {}, logs: {}}\n'
    expect(run(compose).stack.services.db.volumes).toEqual({dbdata: '/var/lib/mysql', logs: '/var/log/mysql'})
    expect(run(compose, {}, {shared: ['logs']}).stack.services.db.volumes.logs).toEqual({path: '/var/log/mysql', kind: 'shared'})
    const e = failure(() => run(compose, {}, {shared: ['nope']}))
    expect(e.exitCode).toBe(ExitCode.USAGE)
    expect(e.hints.join()).toContain('dbdata, logs')
  })

  it('a volume two services mount stays a Compose volume, mounted by both', () => {
    const r = run('services:\n  a:\n    image: x\n    volumes: ["shared:/data"]\n  b:\n    image: y\n    volumes: ["shared:/in:ro"]\nvolumes:\n  shared:\n')
    expect(r.stack.compose.volumes).toEqual({shared: {}})
    expect(r.stack.services.a.mounts).toEqual({'/data': {type: 'volume', source: 'shared'}})
    expect(r.stack.services.b.mounts).toEqual({'/in': {type: 'volume', source: 'shared', read_only: true}})
    expect(r.summary.join('\n')).toContain('volume shared: kept as a Compose volume')
  })

  it('a bind mount at a template volume replaces that volume', () => {
    const r = run('services:\n  db:\n    image: postgres:15\n    volumes: ["./data/db:/var/lib/postgresql/data"]\n    ports: ["5432:5432"]\n')
    expect(r.stack.services.db.volumes).toEqual({data: null})
    expect(r.stack.services.db.mounts).toEqual({'/var/lib/postgresql/data': './data/db'})
  })

  it('depends_on: started and healthy become the list; completed stays under compose:; links become depends_on', () => {
    const r = run(
      'services:\n  web:\n    image: node:20\n    links: ["db:database", "cache"]\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n  db: {image: postgres:15}\n  cache: {image: redis:7}\n  migrate: {image: node:20}\n',
    )
    expect(r.stack.services.web.depends_on).toEqual(['db', 'cache'])
    expect(r.stack.services.web.compose).toEqual({links: ['db:database'], depends_on: {migrate: {condition: 'service_completed_successfully'}}})
  })

  it('environment from the shell and .env stay ${VAR} references; the values of .env are never copied', () => {
    const r = run('services:\n  api:\n    image: node:20\n    environment: ["TOKEN", "URL=postgres://u:${DB_PASSWORD}@db/app"]\n    env_file: [.env.api]\n', {'.env': 'DB_PASSWORD=hunter2-secret\n', '.env.api': 'A=1\n'})
    expect(r.stack.services.api.env).toEqual({TOKEN: '${TOKEN}', URL: 'postgres://u:${DB_PASSWORD}@db/app'})
    expect(r.stack.services.api.env_file).toBe('.env.api')
    expect(r.yaml).not.toContain('hunter2')
    expect(r.summary.join('\n')).toContain('.env: not copied')
  })

  it('comments the header and what was kept verbatim; container_name is dropped with a line', () => {
    const r = run('services:\n  web:\n    image: nginx\n    container_name: web1\n    restart: always\n')
    expect(r.yaml).toMatch(/^# berth.yml imported by `berth init --from` from docker-compose.yml on 2026-01-02\./)
    expect(r.yaml).toContain('# kept verbatim: restart (the templates set restart only in qa and stage)')
    expect(r.stack.services.web.compose).toEqual({restart: 'always'})
    expect(r.summary.join('\n')).toContain('container_name web1 not imported')
  })

  it('rebases the paths of a Compose file in a subfolder onto berth.yml\'s folder', () => {
    const compose = 'services:\n  web:\n    build: {context: .., dockerfile: docker/Dockerfile}\n    env_file: ../.env.web\n    volumes: ["..:/src", "./nginx.conf:/etc/x.conf:ro", "/src/node_modules"]\n'
    const files = {'docker/Dockerfile': 'FROM node:20\n', 'package.json': '{}', 'docker/nginx.conf': '', '.env.web': ''}
    const r = run(compose, files, {file: 'docker/docker-compose.yml'})
    expect(r.stack.services.web).toMatchObject({template: 'node', build: {context: '.', dockerfile: 'docker/Dockerfile'}, env_file: '.env.web', mounts: {'/etc/x.conf': {source: './docker/nginx.conf', read_only: true}}})
    expect(r.stack.services.web.source).toBeUndefined()
  })

  it('merges the override file the Compose way', () => {
    const r = run('services:\n  web:\n    image: nginx\n    environment: [A=1]\n    ports: ["8080:80"]\n', {'docker-compose.override.yml': 'services:\n  web:\n    environment: {B: "2"}\n    ports: ["8443:443"]\n'})
    expect(r.stack.services.web).toMatchObject({env: {A: '1', B: '2'}, port: 80, host_port: 8080, ports: {'443': 8443}})
    expect(r.yaml).toContain('from docker-compose.yml + docker-compose.override.yml')
  })
})

describe('bad input: one line, a documented exit code', () => {
  it('a file that is not Compose', () => {
    const e = failure(() => run('- just\n- a list\n'))
    expect(e).toBeInstanceOf(ConfigError)
    expect(e.message).toBe('docker-compose.yml:1:1: not a Compose file: expected a mapping with services:')
    expect(failure(() => run('name: x\nfoo: bar\n')).message).toContain('not a Compose file: it has no services: key')
  })

  it('invalid YAML names the line and column', () => {
    const e = failure(() => run('services:\n  web:\n    image: "unclosed\n'))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toMatch(/^docker-compose\.yml:\d+:\d+: not valid YAML/)
  })

  it('a Compose v1 file (services at the top level) is refused; version 2 with links is imported', () => {
    const e = failure(() => run('web:\n  build: .\n  links: [db]\ndb:\n  image: postgres\n'))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toContain('format v1')
    const r = run('version: "2"\nservices:\n  web:\n    image: node:20\n    links: [db]\n  db:\n    image: postgres:15\n')
    expect(r.stack.services.web.depends_on).toEqual(['db'])
    expect(r.summary).toContain('web: links db became depends_on')
  })

  it('extends from another file: resolved when it exists, refused at its line when not', () => {
    const compose = 'services:\n  web:\n    extends:\n      file: base.yml\n      service: app\n    ports: ["3000:3000"]\n'
    const r = run(compose, {'base.yml': 'services:\n  app:\n    image: node:20\n    environment: {A: "1"}\n'})
    expect(r.stack.services.web).toMatchObject({template: 'node', image: 'node:20', port: 3000, env: {A: '1'}})
    const e = failure(() => run(compose))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toMatch(/^docker-compose\.yml:4:13: service "web" extends app from base\.yml, which does not exist/)
  })

  it('anchors and merge keys are resolved and said so', () => {
    const r = run('x-base: &base\n  image: redis:7\n  restart: always\nservices:\n  cache:\n    <<: *base\n')
    expect(r.stack.services.cache).toMatchObject({template: 'redis', image: 'redis:7', compose: {restart: 'always'}})
    expect(r.summary).toContain('docker-compose.yml: YAML anchors and merge keys resolved (first at line 2); berth.yml has none')
  })

  it('aliases that expand past the limit (a "billion laughs") are refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 8; i++) lines.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`)
    const started = Date.now()
    const e = failure(() => run(`x-bomb:\n${lines.map((l) => `  ${l}`).join('\n')}\nservices:\n  web: {image: nginx}\n`))
    expect([e.exitCode, e.message]).toEqual([ExitCode.CONFIG, expect.stringMatching(/^docker-compose\.yml:1:1: cannot be read: /)])
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('network_mode: host is kept with a warning, its ports are not berth ports', () => {
    const r = run('services:\n  agent:\n    image: datadog/agent\n    network_mode: host\n    ports: ["8125:8125"]\n')
    expect(r.stack.services.agent).toEqual({image: 'datadog/agent', compose: {network_mode: 'host'}})
    expect(r.summary.join('\n')).toContain('the front door cannot route it')
    expect(r.summary.join('\n')).toContain('ports 8125:8125 not imported')
    const shared = run('services:\n  vpn: {image: wireguard}\n  app:\n    image: x\n    network_mode: "service:vpn"\n    ports: ["8080:80"]\n')
    expect(shared.stack.services.app).toEqual({image: 'x', compose: {network_mode: 'service:vpn'}})
    expect(shared.summary[0]).toBe('docker-compose.yml: 2 services (vpn, app)')
  })

  it('include:, a missing file and a service name berth cannot use are refused', () => {
    expect(failure(() => run('include: [other.yml]\nservices:\n  a: {image: x}\n')).message).toContain('include: (other Compose files) cannot be imported')
    const missing = failure(() => importCompose({root: APP, file: 'nope.yml', berthRoot: ROOT}, io({})))
    expect([missing.exitCode, missing.message]).toEqual([ExitCode.CONFIG, 'cannot import nope.yml: no such file (/repo/nope.yml)'])
    expect(failure(() => run('services:\n  Web.1: {image: x}\n')).message).toMatch(/^docker-compose\.yml:2:3: service name "Web\.1"/)
  })

  it('a build context that does not exist fails the in-memory render, exit 3', () => {
    const e = failure(() => run('services:\n  web:\n    build: ./missing\n'))
    expect(e.exitCode).toBe(ExitCode.CONFIG)
    expect(e.message).toContain('build context "./missing" of service "web" does not exist')
  })
})

describe('mounts (berth.yml)', () => {
  it('renders bind mounts relative to berth.yml, Compose volumes and tmpfs', () => {
    const r = render('name: s\nservices:\n  web:\n    image: nginx\n    mounts:\n      /etc/nginx/conf.d/default.conf: {source: ./nginx.conf, read_only: true}\n      /cache: {type: tmpfs}\n      /shared: {type: volume, source: files}\n      /sock: /var/run/docker.sock\ncompose:\n  volumes: {files: {}}\n')
    expect((r.compose.services as any).web.volumes).toEqual([
      {type: 'tmpfs', target: '/cache'},
      {type: 'bind', target: '/etc/nginx/conf.d/default.conf', source: '/repo/nginx.conf', bind: {create_host_path: true}, read_only: true},
      {type: 'volume', target: '/shared', source: 'files'},
      {type: 'bind', target: '/sock', source: '/var/run/docker.sock', bind: {create_host_path: true}},
    ])
  })
})
