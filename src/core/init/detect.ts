/**
 * What `berth init` can tell about a Node repository, read through a small file interface (tests hand in
 * fixture folders or maps): the package manager (from the lockfile), the start command, TypeScript, the port
 * the app listens on, a Dockerfile and its stages, the Node version, and the services the code talks to.
 * Pure: no I/O but through `io`. The walk of the app's own sources never enters node_modules (nor .git, dist,
 * build, coverage, .berth, hidden folders or test folders) and is bounded in depth and in files read.
 */
import path from 'node:path'

export interface RepoEntry {
  name: string
  dir: boolean
}

/** Reading a repository: undefined when a folder cannot be listed or a file cannot be read. */
export interface RepoIO {
  list(absDir: string): RepoEntry[] | undefined
  read(absFile: string): string | undefined
}

export type PackageManager = 'npm' | 'yarn' | 'pnpm'
export type ServiceKind = 'postgres' | 'mysql' | 'mongo' | 'redis' | 'rabbitmq'
export const SERVICE_KINDS: readonly ServiceKind[] = ['postgres', 'mysql', 'mongo', 'redis', 'rabbitmq']

/** The packages that mean a service, by kind. */
export const SERVICE_PACKAGES: Record<ServiceKind, string[]> = {
  postgres: ['pg', 'pg-promise', 'postgres'],
  mysql: ['mysql2', 'mysql'],
  mongo: ['mongodb', 'mongoose'],
  redis: ['redis', 'ioredis'],
  rabbitmq: ['amqplib', 'amqp-connection-manager'],
}

export interface Found<T> {
  value: T
  /** Where it was seen ("src/server.ts:12", ".nvmrc", "Dockerfile EXPOSE"). */
  from: string
}

export interface DockerfileFacts {
  file: string
  /** Stage names (or their index when unnamed), in order; the last one is what `docker build` builds. */
  stages: string[]
  expose: number[]
}

export interface CommandChoice {
  command: string[]
  /** Why: "scripts.dev", "scripts.start", "main". */
  from: string
  /** A TypeScript app started from its build output needs the build first (the command does it). */
  buildsFirst?: boolean
}

export interface Detection {
  root: string
  packageJson: boolean
  /** package.json's name. */
  name?: string
  packageManager: Found<PackageManager>
  /** The lockfile (relative), if any. */
  lockfile?: string
  /** Yarn 2+ (Berry): `.yarnrc.yml` or `packageManager: yarn@2+`. */
  yarnBerry: boolean
  scripts: Record<string, string>
  main?: string
  /** Ways to start the app in dev, best first. */
  commands: CommandChoice[]
  typescript?: {runner?: 'tsx' | 'ts-node'; build?: string}
  port?: Found<number>
  dockerfile?: DockerfileFacts
  node?: Found<number>
  services: Array<{kind: ServiceKind; packages: string[]}>
  /** `process.env.NAME` references in the app's sources. */
  envNames: string[]
  sources: {read: number; truncated: boolean}
}

export const WALK_LIMITS = {depth: 4, files: 400, bytes: 512 * 1024, dirs: 1000}
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'out', 'tmp', 'vendor', 'public', 'static', 'assets', 'test', 'tests', '__tests__', 'spec', 'fixtures', 'examples', 'docs'])
const SOURCE_EXT = /\.(?:js|mjs|cjs|ts|mts|cts)$/
/** Node's LTS code names (.nvmrc `lts/iron`). */
const LTS: Record<string, number> = {argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24}
export const DEFAULT_NODE_MAJOR = 20

type Json = Record<string, unknown>

function readJson(io: RepoIO, file: string): Json | undefined {
  const text = io.read(file)
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined
  } catch {
    return undefined
  }
}

function stringRecord(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {}
  return Object.fromEntries(Object.entries(v as Json).filter(([, s]) => typeof s === 'string')) as Record<string, string>
}

export function detectRepo(root: string, io: RepoIO): Detection {
  const entries = io.list(root) ?? []
  const names = new Set(entries.map((e) => e.name))
  const pkg = names.has('package.json') ? readJson(io, path.join(root, 'package.json')) : undefined
  const deps = {...stringRecord(pkg?.optionalDependencies), ...stringRecord(pkg?.devDependencies), ...stringRecord(pkg?.dependencies)}
  const scripts = stringRecord(pkg?.scripts)
  const main = typeof pkg?.main === 'string' ? pkg.main : undefined
  const pm = packageManager(names, pkg)
  const typescript = detectTypeScript(names, deps, scripts)
  const sources = walkSources(root, io, entryFiles(main, scripts))
  const dockerfile = names.has('Dockerfile') ? parseDockerfile(io.read(path.join(root, 'Dockerfile')) ?? '', 'Dockerfile') : undefined
  const port = sources.port ?? (dockerfile?.expose[0] ? {value: dockerfile.expose[0], from: `${dockerfile.file} EXPOSE`} : undefined)
  return {
    root,
    packageJson: names.has('package.json'),
    name: typeof pkg?.name === 'string' ? pkg.name : undefined,
    packageManager: pm.manager,
    lockfile: pm.lockfile,
    yarnBerry: pm.manager.value === 'yarn' && (names.has('.yarnrc.yml') || /^yarn@(?:[2-9]|\d\d)/.test(String(pkg?.packageManager ?? ''))),
    scripts,
    main,
    commands: commandChoices(scripts, main, typescript, names),
    typescript,
    port,
    dockerfile,
    node: nodeVersion(root, io, names, pkg),
    services: SERVICE_KINDS.map((kind) => ({kind, packages: SERVICE_PACKAGES[kind].filter((p) => p in deps)})).filter((s) => s.packages.length > 0),
    envNames: [...sources.envNames].sort(),
    sources: {read: sources.read, truncated: sources.truncated},
  }
}

function packageManager(names: Set<string>, pkg: Json | undefined): {manager: Found<PackageManager>; lockfile?: string} {
  const locks: Array<[string, PackageManager]> = [
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['package-lock.json', 'npm'],
    ['npm-shrinkwrap.json', 'npm'],
  ]
  const declared = /^(npm|yarn|pnpm)@/.exec(String(pkg?.packageManager ?? ''))?.[1] as PackageManager | undefined
  if (declared) {
    const lock = locks.find(([file, m]) => m === declared && names.has(file))?.[0]
    return {manager: {value: declared, from: 'package.json packageManager'}, lockfile: lock}
  }
  for (const [file, manager] of locks) if (names.has(file)) return {manager: {value: manager, from: file}, lockfile: file}
  return {manager: {value: 'npm', from: 'no lockfile'}}
}

function detectTypeScript(names: Set<string>, deps: Record<string, string>, scripts: Record<string, string>): Detection['typescript'] {
  if (!names.has('tsconfig.json') && !('typescript' in deps) && !('tsx' in deps) && !('ts-node' in deps)) return undefined
  const runner = 'tsx' in deps || /\btsx\b/.test(Object.values(scripts).join('\n')) ? 'tsx' : 'ts-node' in deps ? 'ts-node' : undefined
  const build = scripts.build && /\btsc\b|\besbuild\b|\bswc\b|\btsup\b|\brollup\b|\bvite\b/.test(scripts.build) ? 'build' : undefined
  return {runner, build}
}

/** How to start the app in dev, best first: a dev script, the start script, main, an index file. */
function commandChoices(scripts: Record<string, string>, main: string | undefined, ts: Detection['typescript'], names: Set<string>): CommandChoice[] {
  const choices: CommandChoice[] = []
  if (scripts.dev) choices.push({command: ['npm', 'run', 'dev'], from: 'scripts.dev'})
  if (scripts.start) {
    // A TypeScript app started from its build output (node dist/...) is built first.
    const fromBuild = Boolean(ts?.build) && /\bnode\s+(?:\.\/)?(?:dist|build|out|lib)\//.test(scripts.start)
    choices.push(fromBuild ? {command: ['sh', '-c', 'npm run build && npm start'], from: 'scripts.build + scripts.start', buildsFirst: true} : {command: ['npm', 'start'], from: 'scripts.start'})
  }
  if (main) choices.push(/\.[mc]?ts$/.test(main) ? {command: ['npx', 'tsx', main], from: 'main'} : {command: ['node', main], from: 'main'})
  for (const index of ['index.js', 'server.js', 'app.js', 'index.mjs', 'server.mjs']) {
    if (names.has(index) && main !== index) {
      choices.push({command: ['node', index], from: index})
      break
    }
  }
  return choices
}

/** Files the app starts from (main, `node X` in scripts), read first. */
function entryFiles(main: string | undefined, scripts: Record<string, string>): string[] {
  const files = main ? [main] : []
  for (const s of [scripts.dev, scripts.start]) {
    const m = s && /\b(?:node|tsx|ts-node|nodemon)(?:\s+(?:watch|--\S+))*\s+((?:\.\/)?[\w./-]+\.[mc]?[jt]s)\b/.exec(s)
    if (m) files.push(m[1])
  }
  return [...new Set(files.map((f) => path.normalize(f)))]
}

const PORT_PATTERNS = [
  // process.env.PORT || 3000, process.env.PORT ?? '8080', Number(process.env.PORT) || 3000
  /process\.env\.PORT\)?\s*(?:\|\||\?\?)\s*['"`]?(\d{2,5})\b/,
  /process\.env\[['"]PORT['"]\]\)?\s*(?:\|\||\?\?)\s*['"`]?(\d{2,5})\b/,
  // const PORT = 3000
  /\b(?:const|let|var)\s+(?:PORT|port)\s*=\s*['"`]?(\d{2,5})\b/,
  // .listen(3000
  /\.listen\(\s*(\d{2,5})\b/,
]

function findPort(text: string): {value: number; line: number} | undefined {
  for (const pattern of PORT_PATTERNS) {
    const m = pattern.exec(text)
    if (!m) continue
    const value = Number(m[1])
    if (value < 1 || value > 65535) continue
    return {value, line: text.slice(0, m.index).split('\n').length}
  }
  return undefined
}

/** The app's own sources, breadth first from the root, bounded; the entry files first. */
function walkSources(root: string, io: RepoIO, entries: string[]): {port?: Found<number>; envNames: Set<string>; read: number; truncated: boolean} {
  const envNames = new Set<string>()
  let port: Found<number> | undefined
  let read = 0
  let bytes = 0
  const seen = new Set<string>()
  const scan = (rel: string): void => {
    if (seen.has(rel)) return
    seen.add(rel)
    const text = io.read(path.join(root, rel))
    if (text === undefined) return
    read++
    bytes += text.length
    for (const m of text.matchAll(/process\.env\.([A-Z_][A-Z0-9_]*)/g)) envNames.add(m[1])
    if (!port) {
      const p = findPort(text)
      if (p) port = {value: p.value, from: `${rel}:${p.line}`}
    }
  }
  for (const entry of entries) if (!entry.startsWith('..') && !/(^|\/)node_modules\//.test(entry)) scan(entry)
  let level = ['']
  let truncated = false
  let listedDirs = 0
  for (let depth = 0; depth <= WALK_LIMITS.depth && level.length > 0; depth++) {
    const next: string[] = []
    for (const dir of level) {
      if (++listedDirs > WALK_LIMITS.dirs) return {port, envNames, read, truncated: true}
      const listed = io.list(path.join(root, dir))
      if (!listed) continue
      for (const e of [...listed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const rel = dir ? `${dir}/${e.name}` : e.name
        if (e.dir) {
          if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) next.push(rel)
        } else if (SOURCE_EXT.test(e.name) && !/\.d\.[mc]?ts$|\.min\.[mc]?js$/.test(e.name)) {
          if (read >= WALK_LIMITS.files || bytes >= WALK_LIMITS.bytes) {
            truncated = true
            return {port, envNames, read, truncated}
          }
          scan(rel)
        }
      }
    }
    level = next
    if (depth === WALK_LIMITS.depth && next.length > 0) truncated = true
  }
  return {port, envNames, read, truncated}
}

/** A Dockerfile's stages (FROM ... [AS name]) and EXPOSEd ports. */
export function parseDockerfile(text: string, file: string): DockerfileFacts {
  const stages: string[] = []
  const expose: number[] = []
  // Line continuations joined; comments dropped.
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
  for (const raw of lines) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line)
    if (from) {
      stages.push(from[2] ?? String(stages.length))
      continue
    }
    const ex = /^EXPOSE\s+(.+)$/i.exec(line)
    if (ex) {
      for (const part of ex[1].split(/\s+/)) {
        const n = Number(/^(\d{1,5})(?:\/(?:tcp|udp))?$/i.exec(part)?.[1])
        if (n >= 1 && n <= 65535 && !expose.includes(n)) expose.push(n)
      }
    }
  }
  return {file, stages, expose}
}

/** The Node major version: .nvmrc, .node-version, then engines.node. */
function nodeVersion(root: string, io: RepoIO, names: Set<string>, pkg: Json | undefined): Found<number> | undefined {
  for (const file of ['.nvmrc', '.node-version']) {
    if (!names.has(file)) continue
    const major = nvmrcMajor(io.read(path.join(root, file)) ?? '')
    if (major) return {value: major, from: file}
  }
  const engines = pkg?.engines as Json | undefined
  if (typeof engines?.node === 'string') {
    const major = enginesMajor(engines.node)
    if (major) return {value: major, from: 'engines.node'}
  }
  return undefined
}

export function nvmrcMajor(text: string): number | undefined {
  const line = text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).find(Boolean) ?? ''
  const lts = /^lts\/(\w+)$/i.exec(line)
  if (lts) return LTS[lts[1].toLowerCase()]
  const m = /^v?(\d{1,2})(?:\.|$)/.exec(line)
  return m ? Number(m[1]) : undefined
}

/**
 * engines.node: the major it names (`20`, `20.x`, `^20.11`, `~18.19`, `>=18 <21` gives 18). Only a lower
 * bound (`>=18`): berth's default major (20) when it satisfies it, else that bound.
 */
export function enginesMajor(range: string): number | undefined {
  const r = range.trim()
  const lower = /^>=?\s*v?(\d{1,2})(?:\.[\dx*]+)*$/.exec(r)
  if (lower) return Math.max(Number(lower[1]), DEFAULT_NODE_MAJOR)
  const m = /v?(\d{1,2})(?:\.|\b)/.exec(r)
  return m ? Number(m[1]) : undefined
}
