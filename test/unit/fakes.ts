// Ports for unit tests: the real disk, git and installation where a test reads a stack from disk, and
// in-memory or refusing fakes for everything that would reach an engine, a terminal or berth's state.
import type {Deps, ProjectState, StatePort} from '../../src/app/ports.js'
import {silentReporter} from '../../src/cli/reporter.js'
import {diskFiles} from '../../src/infra/files.js'
import {gitAdapter} from '../../src/infra/git-branches.js'
import {installation} from '../../src/infra/paths.js'

/** berth's state file, in memory. */
export function memoryState(initial: Record<string, ProjectState> = {}): StatePort & {all: Record<string, ProjectState>} {
  const all: Record<string, ProjectState> = structuredClone(initial)
  return {
    all,
    read: (project) => structuredClone(all[project] ?? {volumes: {}}),
    update(project, change) {
      const s = structuredClone(all[project] ?? {volumes: {}})
      change(s)
      all[project] = s
    },
  }
}

/** A prompt without a terminal: every answer is undefined. */
export const nobodyToAsk: Deps['prompt'] = {
  confirm: async () => undefined,
  canAsk: () => false,
  input: async () => undefined,
  select: async () => undefined,
  checkbox: async () => undefined,
}

/** A port whose every method fails the test: a use case that should not reach it. */
function refusing<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_t, key) => (key === 'then' ? undefined : () => Promise.reject(new Error(`the test did not expect ${name}.${String(key)}`))),
  })
}

/** Everything a use case may need; override what the test drives. */
export function testDeps(overrides: Partial<Deps> = {}, env: NodeJS.ProcessEnv = {BERTH_CONFIG: '/nonexistent/berth-config.yml'}): Deps {
  return {
    engine: refusing('engine'),
    compose: refusing('compose'),
    git: gitAdapter(env),
    state: memoryState(),
    lock: {hold: (_project, fn) => fn(), holdIfFree: (_project, fn) => fn()},
    files: diskFiles(env),
    install: {...installation(env), build: undefined, cache: null},
    hostPorts: {canBind: async () => true, describeListener: () => undefined},
    clock: {now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms))},
    interrupts: {watch: () => () => undefined},
    reporter: silentReporter,
    prompt: nobodyToAsk,
    watcher: refusing('watcher'),
    debug: refusing('debug'),
    env,
    machine: {platform: 'linux', hostname: 'test-machine', release: '6.0.0'},
    ...overrides,
  }
}
