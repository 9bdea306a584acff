/**
 * The berth.yml `berth init` writes: a plan (services, their keys and why) built from what was detected and
 * what the user chose, then a commented YAML document built with the `yaml` library's Document API (values
 * are nodes, never text pasted into a template). Pure.
 */
import {Document, isMap, isScalar, isSeq, type Node, type Pair} from 'yaml'
import type {VolumeSpec} from '../model.js'
import type {Detection, ServiceKind} from './detect.js'

/** What a template offers init (its params and volumes), by template name; absent: not installed. */
export interface TemplateFacts {
  params: Record<string, unknown>
  volumes: Record<string, VolumeSpec>
}

export interface InitChoices {
  name: string
  port?: number
  command?: string[]
  services: ServiceKind[]
  /** The Dockerfile stage built in qa and stage (default: the last one, which docker build builds). */
  target?: string
  /** Services whose data volumes are shared by every branch. */
  shared: string[]
}

/** A service of the plan: its berth.yml keys and a comment per key. */
export interface PlannedService {
  name: string
  kind: ServiceKind | 'node'
  template: string
  spec: Record<string, unknown>
  comments: Record<string, string>
  /** The comment before the service. */
  about: string
}

export interface StackPlan {
  name: string
  services: PlannedService[]
}

/** The service name of each kind (a second database of another kind gets its kind's name). */
const SERVICE_NAMES: Record<ServiceKind, string[]> = {postgres: ['db', 'postgres'], mysql: ['db', 'mysql'], mongo: ['mongo'], redis: ['cache', 'redis'], rabbitmq: ['queue', 'rabbitmq']}

/** The variable the app reads for each kind: the first one its sources mention, else the first. */
const ENV_NAMES: Record<ServiceKind, string[]> = {
  postgres: ['DATABASE_URL', 'POSTGRES_URL', 'PG_URL', 'PGURL', 'DB_URL'],
  mysql: ['DATABASE_URL', 'MYSQL_URL', 'DB_URL'],
  mongo: ['MONGODB_URI', 'MONGO_URL', 'MONGODB_URL', 'MONGO_URI', 'DATABASE_URL'],
  redis: ['REDIS_URL', 'REDIS_URI'],
  rabbitmq: ['AMQP_URL', 'RABBITMQ_URL', 'AMQP_URI', 'CLOUDAMQP_URL'],
}

/** When berth has no template of a kind: the official image through the generic template. */
export const GENERIC_SERVICES: Record<ServiceKind, {image: string; port: number; env: Record<string, string>; data: string; user?: string; password?: string; database?: string}> = {
  postgres: {image: 'postgres:15', port: 5432, env: {POSTGRES_USER: 'app', POSTGRES_PASSWORD: 'app', POSTGRES_DB: 'app'}, data: '/var/lib/postgresql/data', user: 'app', password: 'app', database: 'app'},
  mysql: {image: 'mysql:8.4', port: 3306, env: {MYSQL_USER: 'app', MYSQL_PASSWORD: 'app', MYSQL_DATABASE: 'app', MYSQL_ROOT_PASSWORD: 'app'}, data: '/var/lib/mysql', user: 'app', password: 'app', database: 'app'},
  mongo: {image: 'mongo:7', port: 27017, env: {}, data: '/data/db', database: 'app'},
  redis: {image: 'redis:7', port: 6379, env: {}, data: '/data'},
  // The image's guest user may only connect from inside its own container.
  rabbitmq: {image: 'rabbitmq:3', port: 5672, env: {RABBITMQ_DEFAULT_USER: 'app', RABBITMQ_DEFAULT_PASS: 'app'}, data: '/var/lib/rabbitmq', user: 'app', password: 'app'},
}

export const APP_SERVICE = 'app'

export function serviceNameOf(kind: ServiceKind, taken: Set<string>): string {
  return SERVICE_NAMES[kind].find((n) => !taken.has(n)) ?? `${kind}${taken.size}`
}

/** The install command of the node template's setup container for this package manager (npm: the template's own). */
export function installCommand(d: Pick<Detection, 'packageManager' | 'lockfile' | 'yarnBerry'>): string | undefined {
  const locked = Boolean(d.lockfile)
  switch (d.packageManager.value) {
    case 'yarn':
      return d.yarnBerry ? `COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack yarn install${locked ? ' --immutable' : ''}` : `yarn install --non-interactive${locked ? ' --frozen-lockfile' : ''}`
    case 'pnpm':
      return `COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack pnpm install${locked ? ' --frozen-lockfile' : ''}`
    default:
      return undefined
  }
}

function str(v: unknown, fallback: string | undefined): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : fallback
}

/** The connection string to a service, from its template's params (or the generic defaults). */
function connectionUrl(kind: ServiceKind, host: string, params: Record<string, unknown> | undefined): string {
  const g = GENERIC_SERVICES[kind]
  const p = params ?? {}
  const user = str(p.user, g.user)
  const password = str(p.password, g.password)
  const database = str(p.database, g.database)
  const port = str(p.port, String(g.port))
  const auth = user ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : ''
  switch (kind) {
    case 'postgres':
      return `postgres://${auth}${host}:${port}/${database ?? 'app'}`
    case 'mysql':
      return `mysql://${auth}${host}:${port}/${database ?? 'app'}`
    case 'mongo':
      return `mongodb://${auth}${host}:${port}/${database ?? 'app'}${auth ? '?authSource=admin' : ''}`
    case 'redis':
      return `redis://${auth}${host}:${port}`
    case 'rabbitmq':
      return `amqp://${auth}${host}:${port}`
  }
}

function dataVolumes(kind: ServiceKind, facts: TemplateFacts | undefined): Record<string, string> {
  if (!facts) return {data: GENERIC_SERVICES[kind].data}
  return Object.fromEntries(Object.entries(facts.volumes).filter(([, v]) => (v.kind ?? 'data') === 'data').map(([k, v]) => [k, v.path]))
}

function backingService(kind: ServiceKind, name: string, facts: TemplateFacts | undefined, shared: boolean, packages: string[]): PlannedService {
  const g = GENERIC_SERVICES[kind]
  const spec: Record<string, unknown> = {}
  const comments: Record<string, string> = {}
  const sharedVolumes = shared ? Object.fromEntries(Object.entries(dataVolumes(kind, facts)).map(([k, p]) => [k, {path: p, kind: 'shared'}])) : undefined
  const seen = packages.length ? ` (the app uses ${packages.join(', ')})` : ''
  if (facts) {
    spec.template = kind
    if (sharedVolumes) spec.volumes = sharedVolumes
    return {name, kind, template: kind, spec, comments: sharedVolumes ? {volumes: 'one volume for every branch (--shared)'} : {}, about: `${kind}${seen}: berth's ${kind} template, data in a per-branch volume`}
  }
  spec.image = g.image
  spec.port = g.port
  if (Object.keys(g.env).length) {
    spec.env = {...g.env}
    comments.env = 'development defaults; use ${VAR} references (from .env) for real secrets'
  }
  spec.volumes = sharedVolumes ?? {data: g.data}
  comments.image = 'the official image, as it is: no healthcheck, so depends_on waits for it to start only'
  return {name, kind, template: 'generic', spec, comments, about: `${kind}${seen}: berth has no ${kind} template here, so the generic one (your image as it is)`}
}

function nodeImage(d: Detection): string | undefined {
  return d.node ? `node:${d.node.value}-bookworm-slim` : undefined
}

function appService(d: Detection, c: InitChoices, templates: ReadonlyMap<string, TemplateFacts>, backing: PlannedService[]): PlannedService {
  const spec: Record<string, unknown> = {template: 'node', source: '.'}
  const comments: Record<string, string> = {template: 'templates/services/node.yml: source mounted at /src in dev, the Node inspector on (berth debug)', source: 'mounted at /src in dev'}
  const image = nodeImage(d)
  if (image) {
    spec.image = image
    comments.image = `Node ${d.node!.value}, from ${d.node!.from}`
  }
  if (d.dockerfile) {
    const last = d.dockerfile.stages[d.dockerfile.stages.length - 1]
    const target = c.target && c.target !== last ? c.target : undefined
    spec.build = target ? {context: '.', target} : '.'
    const stages = d.dockerfile.stages.length > 1 ? `; stages ${d.dockerfile.stages.join(', ')}: ${target ? `${target} is built` : `the last (${last}) is built, target: picks another`}` : ''
    comments.build = `${d.dockerfile.file}, built in qa and stage${stages}`
  }
  if (c.port !== undefined) {
    spec.port = c.port
    comments.port = d.port && d.port.value === c.port ? `seen in ${d.port.from}; reachable on 127.0.0.1:${c.port}` : `reachable on 127.0.0.1:${c.port}`
  }
  if (c.command) {
    spec.command = c.command
    const choice = d.commands.find((x) => x.command.join('\0') === c.command!.join('\0'))
    const ts = d.typescript?.runner === 'tsx' ? '; TypeScript through tsx: berth debug stops at .ts lines' : ''
    comments.command = choice ? `${choice.buildsFirst ? 'builds the TypeScript first, then starts it' : `from ${choice.from}`}${ts}` : 'the command in dev'
  }
  const install = installCommand(d)
  const params: Record<string, unknown> = {}
  if (install) params.install = install
  if (c.port === undefined) params.http = false
  if (Object.keys(params).length) {
    spec.params = params
    comments.params = install ? `${d.packageManager.value} (from ${d.packageManager.from}) fills node_modules` : 'no port: no HTTP healthcheck'
  }
  if (d.packageManager.value !== 'npm') {
    const path = templates.get('node')?.volumes.node_modules?.path ?? '/src/node_modules'
    spec.volumes = {node_modules: {path, kind: 'cache', key: [d.lockfile ?? 'package.json', ...(d.lockfile ? ['package.json'] : [])]}}
    comments.volumes = `node_modules is filled again when ${d.lockfile ?? 'package.json'} changes`
  }
  const env: Record<string, string> = {}
  const used = new Set<string>()
  for (const b of backing) {
    const kind = b.kind as ServiceKind
    const names = ENV_NAMES[kind].filter((n) => !used.has(n))
    const name = names.find((n) => d.envNames.includes(n)) ?? names[0] ?? `${kind.toUpperCase()}_URL`
    used.add(name)
    // The URL follows the template's own params (user, password, database, port).
    env[name] = connectionUrl(kind, b.name, b.template === kind ? templates.get(kind)?.params : undefined)
  }
  if (Object.keys(env).length) {
    spec.env = env
    comments.env = 'where the services below are (their development defaults); ${VAR} references are filled from .env'
  }
  if (backing.length) {
    spec.depends_on = backing.map((b) => b.name)
    comments.depends_on = backing.every((b) => b.template !== 'generic') ? 'waits until they are healthy' : 'waits until they are healthy (started, where they have no healthcheck)'
  }
  const ts = d.typescript ? `, TypeScript${d.typescript.runner ? ` (${d.typescript.runner})` : d.typescript.build ? ' (built)' : ''}` : ''
  return {name: APP_SERVICE, kind: 'node', template: 'node', spec, comments, about: `the app: ${d.name ?? 'package.json'}, ${d.packageManager.value}${ts}`}
}

/** The plan: the app service and the services it talks to. */
export function planStack(d: Detection, c: InitChoices, templates: ReadonlyMap<string, TemplateFacts>): StackPlan {
  const taken = new Set<string>([APP_SERVICE])
  const backing: PlannedService[] = []
  for (const kind of c.services) {
    const name = serviceNameOf(kind, taken)
    taken.add(name)
    const packages = d.services.find((s) => s.kind === kind)?.packages ?? []
    backing.push(backingService(kind, name, templates.get(kind), c.shared.includes(name) || c.shared.includes(kind), packages))
  }
  const app = appService(d, c, templates, backing)
  return {name: c.name, services: [app, ...backing]}
}

function pairAt(doc: Document, path: string[]): Pair | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents
  if (!isMap(parent)) return undefined
  return parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]) as Pair | undefined
}

function commentKey(doc: Document, path: string[], text: string): void {
  const pair = pairAt(doc, path)
  if (pair && isScalar(pair.key)) (pair.key as Node).commentBefore = ` ${text}`
}

function flowShortLists(node: unknown): void {
  if (isSeq(node)) {
    if (node.items.every((i) => isScalar(i))) node.flow = true
    else for (const i of node.items) flowShortLists(i)
  } else if (isMap(node)) for (const p of node.items) flowShortLists(p.value)
}

/** The berth.yml text: the plan as a YAML document with comments. */
export function stackYaml(plan: StackPlan, options: {schemaFile?: string; detected: string[]}): string {
  const services: Record<string, unknown> = {}
  for (const s of plan.services) services[s.name] = s.spec
  const doc = new Document({name: plan.name, services})
  const header = [
    ...(options.schemaFile ? [` yaml-language-server: $schema=${options.schemaFile}`] : []),
    ' Written by berth init. Every key is in the README ("A stack file"); check it with: berth render --check',
    ...(options.detected.length ? ['', ...options.detected.map((l) => ` ${l}`)] : []),
    '',
    ' Then:',
    '   berth up       dev: your source mounted, node_modules in a volume, every port on 127.0.0.1',
    '   berth debug    the Node inspector of the app',
  ]
  doc.commentBefore = header.join('\n')
  commentKey(doc, ['name'], 'the project: containers, volumes and networks are named after it')
  for (const s of plan.services) {
    commentKey(doc, ['services', s.name], s.about)
    for (const [key, text] of Object.entries(s.comments)) commentKey(doc, ['services', s.name, key], text)
    flowShortLists(doc.getIn(['services', s.name], true))
  }
  return doc.toString({lineWidth: 0, flowCollectionPadding: false})
}

