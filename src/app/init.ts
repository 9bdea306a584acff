/**
 * Use case: berth init. Detects what a Node repository is (src/core/init/detect.ts), asks on a terminal or
 * takes the detected answers and the flags (--yes), builds a commented berth.yml (or imports a Compose file:
 * --from), checks it as every command would load it (loaded, validated, dev and qa rendered in memory), and
 * only then writes it atomically, never over an existing one without --force; then `.berth/` goes into
 * .gitignore. Nothing is written when any step fails.
 */
import path from 'node:path'
import {BerthError, ConfigError, ExitCode} from '../core/errors.js'
import {detectRepo, type Detection} from '../core/init/detect.js'
import {planStack, stackYaml, type StackPlan, type TemplateFacts} from '../core/init/stack-file.js'
import type {ProjectIO} from '../core/inputs.js'
import {OUTPUT_DIR, STACK_FILE} from '../core/naming.js'
import {askChoices, checkName, choicesFromFlags, type InitFlags} from './init-questions.js'
import type {Deps} from './ports.js'

export type InitDeps = Pick<Deps, 'files' | 'install' | 'prompt' | 'reporter' | 'env' | 'git'>

export interface InitOptions extends InitFlags {
  /** The folder to set up (--dir, else the current folder). */
  root: string
  yes: boolean
  force: boolean
  /** A Compose file to import (--from). */
  from?: string
}

export interface InitResult {
  file: string
  /** false: the user said no at the last question (nothing written). */
  written: boolean
  /** It replaced a berth.yml (--force). */
  replaced: boolean
  name?: string
  services: Array<{name: string; template: string}>
  /** What was detected (or, with --from, what the import made of the Compose file). */
  summary: string[]
  gitignore?: 'created' | 'added' | 'present'
}

export async function initProject(options: InitOptions, deps: InitDeps): Promise<InitResult> {
  const root = path.resolve(options.root)
  const file = path.join(root, STACK_FILE)
  const existed = deps.files.exists(file)
  if (existed && !options.force) throw refuseOverwrite(file)
  if (!options.yes && !deps.prompt.canAsk()) {
    throw new BerthError('berth init asks its questions on a terminal, and there is none here', {
      exitCode: ExitCode.USAGE,
      hints: ['berth init --yes uses what it detects (add --name, --port, --service to choose)'],
    })
  }
  if (options.name !== undefined && !options.from) checkName(options.name)
  const made = options.from ? await fromCompose(root, options, deps) : await fromRepository(root, options, deps)
  await checkStackFile(root, file, made.yaml, deps)
  // On a terminal the summary came before the questions; with --yes, only once everything checked out.
  if (options.yes) for (const line of made.summary) deps.reporter.info(line)
  if (!options.yes && options.from && !(await deps.prompt.confirm(`Write ${STACK_FILE}?`, true))) {
    return {file, written: false, replaced: false, services: [], summary: made.summary}
  }
  if (deps.files.writeNew(file, made.yaml, options.force) === 'exists') throw refuseOverwrite(file)
  const gitignore = ignoreOutputDir(root, deps)
  return {file, written: true, replaced: existed, name: made.plan?.name, services: made.plan?.services.map((s) => ({name: s.name, template: s.template})) ?? [], summary: made.summary, gitignore}
}

function refuseOverwrite(file: string): BerthError {
  return new BerthError(`${file} exists already: berth init never replaces it without --force`, {
    exitCode: ExitCode.REFUSED,
    hints: ['berth render --check checks the one you have', 'berth init --force writes a new one over it'],
  })
}

interface Made {
  yaml: string
  summary: string[]
  plan?: StackPlan
}

async function fromCompose(root: string, options: InitOptions, deps: InitDeps): Promise<Made> {
  const {importCompose} = await import('./import/index.js')
  const result = importCompose(
    {root, file: path.resolve(root, options.from!), shared: options.shared.length ? options.shared : undefined, name: options.name},
    {exists: (p) => deps.files.exists(p), read: (p) => deps.files.readOptional(p)},
  )
  if (!options.yes) for (const line of result.summary) deps.reporter.info(line)
  return {yaml: result.yaml, summary: result.summary}
}

async function fromRepository(root: string, options: InitOptions, deps: InitDeps): Promise<Made> {
  const detection = detectRepo(root, deps.files.repo)
  if (!detection.packageJson) throw noPackageJson(root, deps)
  const summary = describe(detection)
  if (!options.yes) for (const line of summary) deps.reporter.info(line)
  const folder = path.basename(root)
  const choices = options.yes ? choicesFromFlags(detection, options, folder) : await askChoices(detection, options, folder, deps.prompt)
  const templates = await templateFacts(root, deps)
  const plan = planStack(detection, choices, templates)
  const names = new Set(plan.services.flatMap((s) => [s.name, s.kind]))
  const unknown = options.shared.filter((s) => !names.has(s) || s === 'node' || s === plan.services[0].name)
  if (unknown.length) {
    throw new BerthError(`--shared ${unknown.join(', ')}: not a service with data in this berth.yml`, {
      exitCode: ExitCode.USAGE,
      hints: [`Name one of: ${plan.services.slice(1).map((s) => s.name).join(', ') || '(no services: add one with --service)'}`],
    })
  }
  return {yaml: stackYaml(plan, {schemaFile: deps.install.schemaFile, detected: ['Detected:', ...summary.map((l) => `  ${l}`)]}), summary, plan}
}

function noPackageJson(root: string, deps: InitDeps): BerthError {
  const hints: string[] = []
  for (let dir = path.dirname(root); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (deps.files.exists(path.join(dir, 'package.json'))) {
      hints.push(`Run it where package.json is: berth init --dir ${dir}`)
      break
    }
  }
  hints.push('berth init --from compose.yml imports a Compose file instead')
  return new BerthError(`no package.json in ${root}: berth init sets up a Node app from its package.json`, {exitCode: ExitCode.PREFLIGHT, hints})
}

/** Lines saying what was detected. */
export function describe(d: Detection): string[] {
  const lines = [`package manager: ${d.packageManager.value} (${d.packageManager.from})`]
  const start = d.commands[0]
  lines.push(start ? `start: ${start.command.join(' ')} (${start.from})` : 'start: none found (the node template runs npm start)')
  if (d.typescript) lines.push(`TypeScript: ${d.typescript.runner ?? (d.typescript.build ? 'built with npm run build' : 'yes')}`)
  lines.push(d.port ? `port: ${d.port.value} (${d.port.from})` : 'port: none found')
  if (d.dockerfile) lines.push(`Dockerfile: ${d.dockerfile.stages.length > 1 ? `stages ${d.dockerfile.stages.join(', ')}` : 'one stage'}`)
  if (d.node) lines.push(`Node: ${d.node.value} (${d.node.from})`)
  lines.push(d.services.length ? `services: ${d.services.map((s) => `${s.kind} (${s.packages.join(', ')})`).join(', ')}` : 'services: none found in package.json')
  return lines
}

const KINDS = ['node', 'postgres', 'mysql', 'mongo', 'redis', 'rabbitmq']

/** The templates init can use (the project's own templates/services first, then berth's), by name. */
async function templateFacts(root: string, deps: InitDeps): Promise<Map<string, TemplateFacts>> {
  const [{parseYamlSource}, {parseServiceTemplate}] = await Promise.all([import('../core/source.js'), import('../core/templates.js')])
  const facts = new Map<string, TemplateFacts>()
  for (const dir of [path.join(deps.install.builtinTemplates, 'services'), path.join(root, 'templates', 'services')]) {
    for (const kind of KINDS) {
      const file = path.join(dir, `${kind}.yml`)
      const text = deps.files.readOptional(file)
      if (text === undefined) continue
      const t = parseServiceTemplate(kind, parseYamlSource(text, file)).value
      facts.set(kind, {params: t.params, volumes: t.volumes})
    }
  }
  return facts
}

/** Load the new berth.yml as every command would, and render dev and qa in memory: nothing is written. */
async function checkStackFile(root: string, file: string, text: string, deps: InitDeps): Promise<void> {
  const base = deps.files.project
  const io: ProjectIO = {...base, readText: (p) => (p === file ? text : base.readText(p)), exists: (p) => p === file || base.exists(p)}
  const [{loadProject}, {renderProject}] = await Promise.all([import('./project.js'), import('./render.js')])
  try {
    const opened = {root, file, cwd: root, env: deps.env, branch: null, worktreeOffset: 0, userConfig: deps.files.userConfigFile}
    const project = await loadProject({cwd: root, io, opened}, deps)
    for (const env of ['dev', 'qa']) await renderProject(project, env, deps, {io, cache: null})
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new BerthError(`the ${STACK_FILE} berth init made does not load (nothing was written): ${error.message}`, {exitCode: ExitCode.CONFIG, hints: error.hints, cause: error})
    }
    throw error
  }
}

/** `.berth/` in .gitignore (the file made when missing); nothing changes when a line ignores it already. */
function ignoreOutputDir(root: string, deps: InitDeps): 'created' | 'added' | 'present' {
  const file = path.join(root, '.gitignore')
  const text = deps.files.readOptional(file)
  const ignores = new RegExp(`^/?${OUTPUT_DIR.replace('.', '\\.')}(?:/(?:\\*\\*?)?)?$`)
  if (text !== undefined && text.split(/\r?\n/).some((l) => ignores.test(l.trim()))) return 'present'
  const next = text === undefined || text === '' ? `${OUTPUT_DIR}/\n` : `${text}${text.endsWith('\n') ? '' : '\n'}${OUTPUT_DIR}/\n`
  deps.files.writeNew(file, next, true)
  return text === undefined ? 'created' : 'added'
}
