// berth init's detection on small fixture repositories (test/fixtures/init/...) and on in-memory trees.
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {detectRepo, enginesMajor, nvmrcMajor, parseDockerfile, WALK_LIMITS, type RepoIO} from '../../src/core/init/detect.js'
import {diskRepo} from '../../src/infra/files.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/init')
const detect = (name: string) => detectRepo(path.join(FIXTURES, name), diskRepo)

/** A tree in memory: paths relative to /r, file contents; folders implied. `reads` records every read. */
function memoryRepo(files: Record<string, string>): RepoIO & {reads: string[]; lists: string[]} {
  const reads: string[] = []
  const lists: string[] = []
  return {
    reads,
    lists,
    list(dir) {
      lists.push(dir)
      const prefix = dir === '/r' ? '' : `${dir.slice(3)}/`
      const names = new Map<string, boolean>()
      for (const f of Object.keys(files)) {
        if (!f.startsWith(prefix)) continue
        const rest = f.slice(prefix.length).split('/')
        names.set(rest[0], rest.length > 1 || names.get(rest[0]) === true)
      }
      return names.size || dir === '/r' ? [...names].map(([name, dir]) => ({name, dir})) : undefined
    },
    read(file) {
      reads.push(file)
      return files[file.slice(3)]
    },
  }
}

describe('berth init detection on fixture repositories', () => {
  it('npm: the lockfile, main, a PORT default in its own source, pg and ioredis, env names', () => {
    const d = detect('npm')
    expect(d.packageManager).toEqual({value: 'npm', from: 'package-lock.json'})
    expect(d.lockfile).toBe('package-lock.json')
    expect(d.name).toBe('@acme/Shop-API')
    expect(d.commands[0]).toEqual({command: ['npm', 'start'], from: 'scripts.start'})
    expect(d.commands.map((c) => c.from)).toContain('main')
    expect(d.port).toEqual({value: 3000, from: 'src/index.js:2'})
    expect(d.services).toEqual([
      {kind: 'postgres', packages: ['pg']},
      {kind: 'redis', packages: ['ioredis']},
    ])
    expect(d.envNames).toEqual(['PG_URL', 'PORT'])
    expect(d.typescript).toBeUndefined()
    expect(d.dockerfile).toBeUndefined()
    expect(d.node).toBeUndefined()
  })

  it('yarn: yarn.lock, the dev script first, listen(N) in a file that is not main, mongoose and amqplib', () => {
    const d = detect('yarn')
    expect(d.packageManager.value).toBe('yarn')
    expect(d.yarnBerry).toBe(false)
    expect(d.lockfile).toBe('yarn.lock')
    expect(d.commands.map((c) => c.command.join(' '))).toEqual(['npm run dev', 'npm start', 'node server.js'])
    expect(d.port).toEqual({value: 4000, from: 'server.js:2'})
    expect(d.services.map((s) => s.kind)).toEqual(['mongo', 'rabbitmq'])
  })

  it('pnpm: packageManager and pnpm-lock.yaml, the port from the Dockerfile EXPOSE when the source has none, mysql2', () => {
    const d = detect('pnpm')
    expect(d.packageManager).toEqual({value: 'pnpm', from: 'package.json packageManager'})
    expect(d.lockfile).toBe('pnpm-lock.yaml')
    expect(d.port).toEqual({value: 5000, from: 'Dockerfile EXPOSE'})
    expect(d.dockerfile).toEqual({file: 'Dockerfile', stages: ['0'], expose: [5000]})
    expect(d.services).toEqual([{kind: 'mysql', packages: ['mysql2']}])
  })

  it('TypeScript with tsx: the dev script (tsx watch), a PORT ?? default in src/server.ts', () => {
    const d = detect('ts-tsx')
    expect(d.typescript).toEqual({runner: 'tsx', build: 'build'})
    expect(d.commands[0]).toEqual({command: ['npm', 'run', 'dev'], from: 'scripts.dev'})
    expect(d.port).toEqual({value: 8080, from: 'src/server.ts:2'})
  })

  it('TypeScript with a build step only: built first, then started from dist', () => {
    const d = detect('ts-build')
    expect(d.typescript).toEqual({runner: undefined, build: 'build'})
    expect(d.commands[0]).toEqual({command: ['sh', '-c', 'npm run build && npm start'], from: 'scripts.build + scripts.start', buildsFirst: true})
    expect(d.port).toEqual({value: 7000, from: 'src/index.ts:2'})
  })

  it('a Dockerfile with stages (line continuations, --platform, ARG before FROM) and .nvmrc', () => {
    const d = detect('stages')
    expect(d.dockerfile).toEqual({file: 'Dockerfile', stages: ['deps', 'build', 'runtime'], expose: [8080, 9090]})
    expect(d.node).toEqual({value: 18, from: '.nvmrc'})
    // process.env.PORT with no default: the EXPOSE
    expect(d.port).toEqual({value: 8080, from: 'Dockerfile EXPOSE'})
  })

  it('engines.node when there is no .nvmrc', () => {
    expect(detect('engines').node).toEqual({value: 22, from: 'engines.node'})
  })

  it('a folder without package.json', () => {
    const d = detect('no-package')
    expect(d.packageJson).toBe(false)
    expect(d.services).toEqual([])
  })
})

describe('berth init detection: the walk of the sources', () => {
  it('never reads or lists node_modules, .git, dist, build, coverage, .berth (a port there is never taken)', () => {
    const io = memoryRepo({
      'package.json': '{"name":"a","scripts":{"start":"node node_modules/x/index.js"}}',
      'node_modules/x/index.js': 'app.listen(1111)',
      '.git/hooks/a.js': 'app.listen(2222)',
      'dist/index.js': 'app.listen(3333)',
      'build/index.js': 'app.listen(4444)',
      'coverage/a.js': 'app.listen(5555)',
      '.berth/a.js': 'app.listen(6666)',
      'src/deep/server.mjs': 'server.listen(7777)',
    })
    const d = detectRepo('/r', io)
    expect(d.port).toEqual({value: 7777, from: 'src/deep/server.mjs:1'})
    for (const p of [...io.reads, ...io.lists]) expect(p).not.toMatch(/node_modules|\.git\/|\/dist|\/build|coverage|\.berth/)
  })

  it('is bounded: depth and number of files read', () => {
    const files: Record<string, string> = {'package.json': '{"name":"big"}'}
    for (let i = 0; i < WALK_LIMITS.files + 200; i++) files[`src/f${String(i).padStart(4, '0')}.js`] = '// nothing'
    files['a/b/c/d/e/f/deep.js'] = 'app.listen(9999)'
    const io = memoryRepo(files)
    const d = detectRepo('/r', io)
    expect(d.sources.read).toBe(WALK_LIMITS.files)
    expect(d.sources.truncated).toBe(true)
    expect(d.port).toBeUndefined()
    expect(io.reads.some((r) => r.includes('deep.js'))).toBe(false)
  })

  it('is bounded in folders listed too (a tree of many folders without sources)', () => {
    const files: Record<string, string> = {'package.json': '{"name":"wide"}'}
    for (let i = 0; i < WALK_LIMITS.dirs + 500; i++) files[`d${String(i).padStart(4, '0')}/README.md`] = ''
    const io = memoryRepo(files)
    const d = detectRepo('/r', io)
    expect(io.lists.length).toBeLessThanOrEqual(WALK_LIMITS.dirs + 1)
    expect(d.sources.truncated).toBe(true)
  })

  it('reads the entry files first: main wins over a file that sorts earlier', () => {
    const io = memoryRepo({
      'package.json': '{"name":"a","main":"server.js"}',
      'a-tool.js': 'tool.listen(1234)',
      'server.js': 'const PORT = 8000\n',
    })
    expect(detectRepo('/r', io).port).toEqual({value: 8000, from: 'server.js:1'})
  })
})

describe('versions and Dockerfiles', () => {
  it('.nvmrc forms', () => {
    expect(nvmrcMajor('20\n')).toBe(20)
    expect(nvmrcMajor('v18.19.0')).toBe(18)
    expect(nvmrcMajor('lts/iron')).toBe(20)
    expect(nvmrcMajor('lts/hydrogen # old')).toBe(18)
    expect(nvmrcMajor('node')).toBeUndefined()
  })

  it('engines.node ranges', () => {
    expect(enginesMajor('20.x')).toBe(20)
    expect(enginesMajor('^18.17.0')).toBe(18)
    expect(enginesMajor('~22.3')).toBe(22)
    expect(enginesMajor('>=18 <21')).toBe(18)
    expect(enginesMajor('>=18')).toBe(20)
    expect(enginesMajor('>=22.0.0')).toBe(22)
    expect(enginesMajor('*')).toBeUndefined()
  })

  it('unnamed stages are numbered; EXPOSE with protocols', () => {
    expect(parseDockerfile('FROM a\nFROM b AS final\nEXPOSE 80/udp 443\n', 'Dockerfile')).toEqual({file: 'Dockerfile', stages: ['0', 'final'], expose: [80, 443]})
  })
})
