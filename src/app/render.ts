/**
 * Use case: render an environment into .berth/ENV.compose.yml (or elsewhere), through the render cache.
 *
 * The cache (.berth/cache/ENV.json) keeps the last render of each environment with its key (berth's
 * version and build, the project folder, branch, port offsets, user config path, the environment
 * variables berth reads) and every input loading and rendering read (berth.yml, each template file
 * and the folder listings that found them, the user config, path checks, lock-file hashes), each
 * with a digest of its answer. A render whose key is the same and whose inputs all answer the same
 * again is the stored one: no YAML is parsed or written. BERTH_NO_CACHE=1 turns it off.
 */
import path from 'node:path'
import {recordingIO, type InputRead, type ProjectIO} from '../core/inputs.js'
import {OUTPUT_DIR} from '../core/naming.js'
import {cacheHit, isCacheableEnv, keyVars, parseEntry, RENDER_CACHE_FORMAT, serializeEntry, type RenderCacheKey} from '../core/render-cache.js'
import {renderStack, type RenderResult} from '../core/render.js'
import type {CacheStore, Deps} from './ports.js'
import {loadProject, openProject, type LoadDeps, type OpenedProject, type Project} from './project.js'

/** What rendering needs from outside: loading, and the reporter for --debug timings. */
export type RenderDeps = LoadDeps & Pick<Deps, 'reporter'>

export interface Rendered {
  result: RenderResult
  yaml: string
  /** Whether it came from the render cache. */
  cached: boolean
}

/** What the render cache needs: berth's identity (no cache without it) and where entries live. */
export interface RenderCache {
  version: string
  build: string
  store: CacheStore
  /** berth's own folder (part of the key). */
  berthRoot: string
}

export interface RenderOptions {
  /** The project's files (deps.files.project by default). */
  io?: ProjectIO
  /** The render cache; null: none. By default the installation's (none with BERTH_NO_CACHE=1 or from source). */
  cache?: RenderCache | null
  /**
   * The caller needs only names and labels (logs, exec, down, debug), not the file for this engine: a stored
   * render for any engine API version will do (they differ only in healthchecks' start_interval).
   */
  anyEngine?: boolean
}

export function defaultOutputFile(root: string, env: string): string {
  return path.join(root, OUTPUT_DIR, `${env}.compose.yml`)
}

export function installedRenderCache(install: Deps['install']): RenderCache | null {
  if (!install.build || !install.cache) return null
  return {...install.build, store: install.cache, berthRoot: install.packageRoot}
}

export async function composeYaml(project: Pick<Project, 'file' | 'ctx'>, result: RenderResult): Promise<string> {
  // Loaded here, not at start-up: a cached render never serialises (nor loads the yaml library).
  const {composeYamlText} = await import('../core/compose-yaml.js')
  return composeYamlText(project.file, project.ctx.branch, result)
}

function cacheKey(opened: OpenedProject, env: string, cache: RenderCache, engineApi?: string): RenderCacheKey {
  return {
    format: RENDER_CACHE_FORMAT,
    version: cache.version,
    build: cache.build,
    berthRoot: cache.berthRoot,
    root: opened.root,
    env,
    branch: opened.branch,
    worktreeOffset: opened.worktreeOffset,
    userConfig: opened.userConfig,
    vars: keyVars(opened.env),
    engineApi: engineApi ?? null,
  }
}

function resolveCache(options: RenderOptions, deps: RenderDeps): RenderCache | null {
  return options.cache === undefined ? installedRenderCache(deps.install) : options.cache
}

/** Render a loaded project; the cache is used when the project recorded its inputs (loadProject does). */
export async function renderProject(project: Project, env: string, deps: RenderDeps, options: RenderOptions = {}): Promise<Rendered> {
  const started = performance.now()
  const io = options.io ?? deps.files.project
  const cache = project.opened && project.inputs && isCacheableEnv(env) ? resolveCache(options, deps) : null
  const key = cache && project.opened ? cacheKey(project.opened, env, cache, project.ctx.engineApi) : undefined
  if (cache && key) {
    const entry = parseEntry(cache.store.read(project.root, env))
    const wanted = options.anyEngine && entry ? {...key, engineApi: entry.key.engineApi} : key
    if (cacheHit(entry, wanted, io, project.inputs)) {
      deps.reporter.trace?.('render: cached')
      return {result: entry.result, yaml: entry.yaml, cached: true}
    }
  }
  return renderFresh(project, env, io, cache && key ? {cache, key} : undefined, started, deps)
}

async function renderFresh(project: Project, env: string, io: ProjectIO, store: {cache: RenderCache; key: RenderCacheKey} | undefined, started: number, deps: RenderDeps): Promise<Rendered> {
  const reads: InputRead[] = []
  const result = renderStack({stack: project.stack, templates: project.templates, profiles: project.profiles, env, ctx: project.ctx, io: store ? recordingIO(io, reads) : io})
  const yaml = await composeYaml(project, result)
  if (store && project.inputs) {
    const text = serializeEntry({key: store.key, inputs: [...project.inputs, ...reads], result, yaml})
    if (text) store.cache.store.write(project.root, env, text)
    else deps.reporter.trace?.('render: not cached (the result does not round-trip through JSON)')
  }
  deps.reporter.trace?.(`render: ${Math.round(performance.now() - started)} ms`)
  return {result, yaml, cached: false}
}

/**
 * Find the project and render an environment: the stored render when nothing it read has changed
 * (berth.yml and the templates are then not even parsed), else a full load and render that
 * replaces the stored one. For commands that need only the result, not the parsed project.
 */
export async function renderEnvironment(options: {cwd: string; dir?: string; name: string} & RenderOptions, deps: RenderDeps): Promise<Rendered & {root: string}> {
  const started = performance.now()
  const io = options.io ?? deps.files.project
  const opened = await openProject(options, deps)
  const cache = isCacheableEnv(options.name) ? resolveCache(options, deps) : null
  const key = cache ? cacheKey(opened, options.name, cache) : undefined
  if (cache && key) {
    const entry = parseEntry(cache.store.read(opened.root, options.name))
    if (cacheHit(entry, key, io)) {
      deps.reporter.trace?.('render: cached')
      return {root: opened.root, result: entry.result, yaml: entry.yaml, cached: true}
    }
  }
  const project = await loadProject({cwd: options.cwd, dir: options.dir, io, opened}, deps)
  return {root: opened.root, ...(await renderFresh(project, options.name, io, cache && key ? {cache, key} : undefined, started, deps))}
}
