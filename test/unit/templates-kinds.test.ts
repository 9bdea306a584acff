// The built-in service kinds beyond node/postgres/redis: each renders with its image, healthcheck, per-branch
// data volume and port(s) on 127.0.0.1; nginx's config is generated, never templated YAML.
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {composeBody} from '../../src/core/compose-yaml.js'
import {nginxConfig} from '../../src/core/nginx-config.js'
import {parseYamlSource} from '../../src/core/source.js'
import {parseServiceTemplate} from '../../src/core/templates.js'
import {builtinTemplates, render, svc, thrown, type Svc} from './helpers.js'


interface Kind {
  template: string
  image: string
  port: number
  extra?: number[]
  data?: string
  health: string[]
  url?: boolean
}

const KINDS: Kind[] = [
  {template: 'mysql', image: 'mysql:8.4', port: 3306, data: '/var/lib/mysql', health: ['mysqladmin', 'ping', '--silent', '-h', '127.0.0.1', '-P', '3306', '-u', 'root', '--password=root']},
  {template: 'mariadb', image: 'mariadb:11', port: 3306, data: '/var/lib/mysql', health: ['healthcheck.sh', '--connect', '--innodb_initialized']},
  {template: 'mongo', image: 'mongo:7', port: 27017, data: '/data/db', health: ['mongosh', '--quiet', '--eval', "db.adminCommand('ping')"]},
  {template: 'rabbitmq', image: 'rabbitmq:3-management', port: 5672, extra: [15672], data: '/var/lib/rabbitmq', health: ['rabbitmq-diagnostics', '-q', 'ping']},
  {template: 'mailpit', image: 'axllent/mailpit:v1.31.4', port: 8025, extra: [1025], data: '/data', health: ['/mailpit', 'readyz'], url: true},
  {template: 'minio', image: 'minio/minio:RELEASE.2024-12-18T13-15-44Z', port: 9000, extra: [9001], data: '/data', health: ['mc', 'ready', 'local']},
  {template: 'nginx', image: 'nginx:1.27', port: 80, health: ['curl', '-sS', '-o', '/dev/null', 'http://127.0.0.1:80/'], url: true},
]

const stackOf = (k: Kind) => `name: kinds\nservices:\n  svc:\n    template: ${k.template}\n`

describe.each(KINDS)('template $template', (k) => {
  const dev = render(stackOf(k))
  const s = svc(dev, 'svc')

  it('runs the official image (through the image map) with a healthcheck', () => {
    expect(s.image).toBe(k.image)
    expect(s.healthcheck.test).toEqual(['CMD', ...k.health])
    expect(s.healthcheck.interval).toBeDefined()
    expect(s.healthcheck.retries).toBeGreaterThan(10)
    expect(svc(render(stackOf(k), {ctx: {images: {[k.image]: 'local/x:1'}}}), 'svc').image).toBe('local/x:1')
  })

  it('keeps its data in a volume per branch and environment (external, never removed by down -v)', () => {
    const data = dev.volumes.filter((v) => v.service === 'svc')
    if (!k.data) {
      expect(data).toEqual([])
      return
    }
    expect(data).toHaveLength(1)
    expect(data[0]).toMatchObject({kind: 'data', path: k.data, key: 'data'})
    expect(s.volumes).toContainEqual({type: 'volume', source: 'svc-data', target: k.data})
    expect((dev.compose.volumes as Svc)['svc-data']).toEqual({name: data[0].name, external: true})
    const other = render(stackOf(k), {ctx: {branch: 'feature/x'}}).volumes.find((v) => v.service === 'svc')!
    const qa = render(stackOf(k), {env: 'qa'}).volumes.find((v) => v.service === 'svc')!
    expect(new Set([data[0].name, other.name, qa.name]).size).toBe(3)
  })

  it('publishes its default port(s) on 127.0.0.1 through the front door, offset per environment', () => {
    const ports = dev.ports.filter((p) => p.service === 'svc')
    expect(ports.map((p) => p.container)).toEqual([k.port, ...(k.extra ?? [])])
    expect(ports.map((p) => p.host)).toEqual([k.port, ...(k.extra ?? [])])
    for (const p of ports) expect(p.bind).toBe('127.0.0.1')
    expect(s.ports).toBeUndefined()
    // (an HTTP kind also gets qa's https front door and its redirect: test/unit/render-tls.test.ts)
    const qa = render(stackOf(k), {env: 'qa'}).ports.filter((p) => p.service === 'svc' && p.role !== 'https' && p.role !== 'redirect')
    expect(qa.map((p) => p.host)).toEqual([k.port + 10000, ...(k.extra ?? []).map((p) => p + 10000)])
    expect(Boolean(dev.services.find((x) => x.name === 'svc')?.url)).toBe(Boolean(k.url))
  })

  it('restarts unless stopped in prod mode only', () => {
    expect(s.restart).toBeUndefined()
    expect(svc(render(stackOf(k), {env: 'qa'}), 'svc').restart).toBe('unless-stopped')
  })

  it('serialises to YAML that reads back as the same model', () => {
    expect(parse(composeBody(dev.compose))).toEqual(JSON.parse(JSON.stringify(dev.compose)))
  })
})

describe('template params', () => {
  it('a service\'s ports: add to and override the template\'s extra ports', () => {
    const r = render('name: k\nservices:\n  mq:\n    template: rabbitmq\n    ports: {"15672": 25672, "15692": 15692}\n')
    expect(r.ports.filter((p) => p.role === 'extra').map((p) => [p.container, p.host])).toEqual([[15672, 25672], [15692, 15692]])
  })

  it('passwords may stay ${VAR} references for Compose to fill from .env', () => {
    const r = render('name: k\nservices:\n  db:\n    template: mysql\n    params: {root_password: "${DB_ROOT_PASSWORD}"}\n')
    expect(svc(r, 'db').environment.MYSQL_ROOT_PASSWORD).toBe('${DB_ROOT_PASSWORD}')
    expect(svc(r, 'db').healthcheck.test).toContain('--password=${DB_ROOT_PASSWORD}')
  })

  it('mongo creates a root user only when asked', () => {
    expect(svc(render('name: k\nservices:\n  m: {template: mongo}\n'), 'm').environment).toEqual({})
    const r = render('name: k\nservices:\n  m: {template: mongo, params: {user: root, password: "${MONGO_PASSWORD}"}}\n')
    expect(svc(r, 'm').environment).toEqual({MONGO_INITDB_ROOT_USERNAME: 'root', MONGO_INITDB_ROOT_PASSWORD: '${MONGO_PASSWORD}'})
  })

  it('rabbitmq keeps one host name, so its node (and data folder) survives a recreation', () => {
    expect(svc(render('name: k\nservices:\n  mq: {template: rabbitmq}\n'), 'mq').hostname).toBe('mq')
  })
})

describe('template nginx', () => {
  const STACK = (params: string) => `name: k\nservices:\n  web: {template: node, port: 8000}\n  front:\n    template: nginx\n    params: ${params}\n`

  it('serves a folder read-only, resolved from berth.yml\'s folder', () => {
    const r = render(STACK('{site: public}'), {existing: ['/repo', '/repo/public']})
    const front = svc(r, 'front')
    expect(front.volumes).toEqual([{type: 'bind', source: '/repo/public', target: '/usr/share/nginx/html', read_only: true}])
    const conf = (r.compose.configs as Svc)['front-default.conf'].content as string
    expect(conf).toContain('root /usr/share/nginx/html;')
    expect(conf).not.toContain('proxy_pass')
    expect(front.configs).toEqual([{source: 'front-default.conf', target: '/etc/nginx/conf.d/default.conf'}])
  })

  it('proxies to another service: nginx variables are written $$ for Compose, the upstream resolved per request', () => {
    const r = render(STACK('{proxy_to: "web:8000"}'))
    const front = svc(r, 'front')
    expect(front.volumes).toBeUndefined()
    const conf = (r.compose.configs as Svc)['front-default.conf'].content as string
    expect(conf).toContain('set $$berth_upstream http://web:8000;')
    expect(conf).toContain('proxy_pass $$berth_upstream;')
    expect(conf).toContain('resolver 127.0.0.11')
    expect(conf).not.toMatch(/(^|[^$])\$[a-z]/)
    expect(conf.replaceAll('$$', '$')).toBe(nginxConfig({port: 80, proxyTo: 'web:8000'}))
  })

  it('listens on its port param, and the healthcheck follows', () => {
    const r = render('name: k\nservices:\n  front: {template: nginx, port: 8080}\n')
    expect((r.compose.configs as Svc)['front-default.conf'].content).toContain('listen 8080;')
    expect(svc(r, 'front').healthcheck.test).toContain('http://127.0.0.1:8080/')
  })

  it.each([
    ['{proxy_to: "web:8000; include /etc/passwd"}', 'berth.yml:6:24: services.front.params.proxy_to must be SERVICE:PORT'],
    ['{proxy_to: "web"}', 'must be SERVICE:PORT'],
    ['{proxy_to: "web:99999"}', 'must be SERVICE:PORT'],
    ['{proxy_to: "$${X}:80"}', 'must be SERVICE:PORT'],
    ['{proxy_to: "api:8000"}', 'proxy_to names "api", which is not a service of this stack'],
    ['{site: missing}', 'services.front.params.site: folder "missing" does not exist (/repo/missing)'],
    ['{site: public, proxy_to: "web:8000"}', 'params site and proxy_to exclude each other'],
  ])('refuses %s (exit 3, at its line)', (params, message) => {
    const error = thrown(() => render(STACK(params), {existing: ['/repo', '/repo/public']}))
    expect(error.message).toContain(message)
    expect(error.message).toMatch(/^berth\.yml:6:\d+: /)
    expect(error.exitCode).toBe(3)
  })

  it('a proxy to a host outside the stack needs a dotted name', () => {
    const r = render(STACK('{proxy_to: "host.docker.internal:3000"}'))
    expect((r.compose.configs as Svc)['front-default.conf'].content).toContain('http://host.docker.internal:3000;')
  })
})

describe('unknown images keep working through the generic template', () => {
  it('renders an image without a template as it is, with no healthcheck or volume of its own', () => {
    const r = render('name: k\nservices:\n  x: {image: "example/thing:1", port: 7000}\n')
    expect(svc(r, 'x')).toMatchObject({image: 'example/thing:1', init: true})
    expect(svc(r, 'x').healthcheck).toBeUndefined()
    expect(r.ports).toMatchObject([{service: 'x', container: 7000, host: 7000, bind: '127.0.0.1'}])
  })
})

describe('template configs', () => {
  const withTemplate = (yaml: string) => {
    const templates = builtinTemplates()
    templates.set('conf', parseServiceTemplate('conf', parseYamlSource(yaml, 'templates/services/conf.yml')))
    return templates
  }
  const TEMPLATE = `params: {image: busybox, motd: null}
configs:
  motd:
    $if: \${{ motd }}
    target: /etc/motd
    content: "\${{ motd }}\\n"
service:
  image: \${{ image }}
`

  it('mounts a config with content, named after the service; $if leaves it out', () => {
    const templates = withTemplate(TEMPLATE)
    const r = render('name: k\nservices:\n  a: {template: conf, params: {motd: hello}}\n  b: {template: conf}\n', {templates})
    expect(r.compose.configs).toEqual({'a-motd': {content: 'hello\n'}})
    expect(svc(r, 'a').configs).toEqual([{source: 'a-motd', target: '/etc/motd'}])
    expect(svc(r, 'b').configs).toBeUndefined()
  })

  it('refuses an unknown generator or a relative target, naming the template file and line', () => {
    const bad = thrown(() => render('name: k\nservices:\n  a: {template: conf}\n', {templates: withTemplate('configs:\n  x: {target: /x, generator: apache}\nservice: {image: busybox}\n')}))
    expect(bad.message).toBe('templates/services/conf.yml:2:6: template "conf": configs.x: unknown generator "apache" (berth has: nginx)')
    const relative = thrown(() => render('name: k\nservices:\n  a: {template: conf}\n', {templates: withTemplate('configs:\n  x: {target: etc/x, content: y}\nservice: {image: busybox}\n')}))
    expect(relative.message).toContain('configs.x needs an absolute target path')
    expect(relative.exitCode).toBe(3)
  })
})
