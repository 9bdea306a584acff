/**
 * Loading a project: find berth.yml, validate it, gather templates (built-in and the project's own),
 * and the context (branch, image map) that rendering needs.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {BerthError, ConfigError, ExitCode} from '../core/errors.js'
import type {EnvironmentSpec, ServiceTemplate, StackContext, StackFile} from '../core/model.js'
import {parseYamlSource} from '../core/source.js'
import {parseEnvironmentProfile, parseServiceTemplate, type Loaded} from '../core/templates.js'
import {validateStackFile, type SchemaValidator} from '../core/validate.js'
import {currentBranch} from '../infra/git.js'
import {worktreeOffsetOf} from '../infra/git-branches.js'
import {BUILTIN_TEMPLATES, SCHEMA_FILE, STACK_FILE} from '../infra/paths.js'
import {loadUserConfig} from '../infra/user-config.js'

export interface Project {
  root: string
  file: string
  stack: Loaded<StackFile>
  templates: Map<string, Loaded<ServiceTemplate>>
  profiles: Map<string, Loaded<EnvironmentSpec>>
  ctx: StackContext
}

/** The folder holding berth.yml: `dir` if given, else the nearest one from cwd upwards. */
export function findProjectRoot(cwd: string, dir?: string): string {
  if (dir) {
    const root = path.resolve(cwd, dir)
    if (!existsSync(path.join(root, STACK_FILE))) {
      throw new BerthError(`no ${STACK_FILE} in ${root}`, {exitCode: ExitCode.CONFIG, hints: [`Create one (see the README), or point --dir at the folder that has it.`]})
    }
    return root
  }
  let current = path.resolve(cwd)
  for (;;) {
    if (existsSync(path.join(current, STACK_FILE))) return current
    const parent = path.dirname(current)
    if (parent === current) break
    current = parent
  }
  throw new BerthError(`no ${STACK_FILE} in ${path.resolve(cwd)} or any folder above it`, {
    exitCode: ExitCode.CONFIG,
    hints: ['Run berth in your app repository, or pass --dir PATH. The README shows a minimal berth.yml.'],
  })
}

let validatorPromise: Promise<SchemaValidator> | undefined

/** The precompiled schema validator (built by scripts/postbuild.js), or Ajv at run time from source. */
export function schemaValidator(): Promise<SchemaValidator> {
  validatorPromise ??= (async () => {
    try {
      // @ts-ignore generated at build time, absent when running from source
      const mod = (await import('../generated/berth-schema.js')) as {default: SchemaValidator}
      return mod.default
    } catch {
      const {Ajv} = await import('ajv')
      const ajv = new Ajv({allErrors: true, strict: false})
      return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))) as unknown as SchemaValidator
    }
  })()
  return validatorPromise
}

function readSource(file: string, shown: string) {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read ${shown}: ${(error as Error).message}`)
  }
  return parseYamlSource(text, shown)
}

function loadDir<T>(dir: string, shownDir: string, parse: (name: string, file: string, shown: string) => Loaded<T>, into: Map<string, Loaded<T>>) {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return
  }
  for (const entry of entries.sort()) {
    const m = /^([a-z0-9][a-z0-9_-]*)\.ya?ml$/.exec(entry)
    if (!m) continue
    into.set(m[1], parse(m[1], path.join(dir, entry), path.join(shownDir, entry)))
  }
}

export async function loadProject(options: {cwd: string; dir?: string; env?: NodeJS.ProcessEnv}): Promise<Project> {
  const env = options.env ?? process.env
  const root = findProjectRoot(options.cwd, options.dir)
  const file = path.join(root, STACK_FILE)
  const shown = path.relative(options.cwd, file) || STACK_FILE
  const source = readSource(file, shown.startsWith('..') ? file : shown)
  const [validate, branch] = await Promise.all([schemaValidator(), currentBranch(root, env)])
  const stack = {value: validateStackFile(source, validate), source}

  const templates = new Map<string, Loaded<ServiceTemplate>>()
  const profiles = new Map<string, Loaded<EnvironmentSpec>>()
  const builtinShown = (p: string) => `<berth>/templates/${p}`
  loadDir(path.join(BUILTIN_TEMPLATES, 'services'), '', (n, f, s) => parseServiceTemplate(n, readSource(f, builtinShown(`services/${s}`))), templates)
  loadDir(path.join(BUILTIN_TEMPLATES, 'environments'), '', (n, f, s) => parseEnvironmentProfile(n, readSource(f, builtinShown(`environments/${s}`))), profiles)
  const own = path.resolve(root, stack.value.templates ?? 'templates')
  const ownShown = path.relative(options.cwd, own) || '.'
  loadDir(path.join(own, 'services'), path.join(ownShown, 'services'), (n, f, s) => parseServiceTemplate(n, readSource(f, s)), templates)
  loadDir(path.join(own, 'environments'), path.join(ownShown, 'environments'), (n, f, s) => parseEnvironmentProfile(n, readSource(f, s)), profiles)

  const user = loadUserConfig(env)
  // Side by side: a linked git worktree gets its own port block; BERTH_PORT_OFFSET overrides.
  let worktreeOffset = env.BERTH_PORT_OFFSET ? 0 : await worktreeOffsetOf(root)
  if (env.BERTH_PORT_OFFSET) {
    worktreeOffset = Number(env.BERTH_PORT_OFFSET)
    if (!Number.isInteger(worktreeOffset) || worktreeOffset < 0 || worktreeOffset > 60000) {
      throw new BerthError(`BERTH_PORT_OFFSET must be a whole number from 0 to 60000 (got "${env.BERTH_PORT_OFFSET}")`, {exitCode: ExitCode.USAGE})
    }
  }
  return {
    root,
    file,
    stack,
    templates,
    profiles,
    ctx: {root, branch, images: user.images, registry: user.registry, worktreeOffset},
  }
}
