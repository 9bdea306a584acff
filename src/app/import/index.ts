/**
 * Use case: import an existing Compose file (with its override file, `extends` resolved) as berth.yml
 * text and a summary of what became what. Nothing is written here (`berth init --from` writes the file);
 * the result is validated and rendered (dev) in memory first, as berth checks any berth.yml.
 *
 * Load it lazily (`await import(...)`) from a command: it loads the `yaml` library and, on use, Ajv.
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {BerthError, ConfigError, ExitCode} from '../../core/errors.js'
import {mergeFiles, parseComposeText, type ComposeFile, type Plain} from '../../core/import/compose-file.js'
import {resolveExtends, type LoadedFile} from '../../core/import/extends.js'
import {stackYaml} from '../../core/import/output.js'
import {importStack} from '../../core/import/stack.js'
import {KNOWN_TEMPLATES, templateInfo, type TemplateInfo} from '../../core/import/templates.js'
import {checkImported} from './check.js'
import {parse} from 'yaml'

export interface ImportOptions {
  /** The folder berth.yml will be written in. */
  root: string
  /** The Compose file: absolute, or relative to root. */
  file: string
  /** Named volumes of the Compose file to import as shared (one for all branches). */
  shared?: string[]
  /** The stack's name (default: the Compose file's name:, else the folder's). */
  name?: string
  /** Template names to map onto (default: those of KNOWN_TEMPLATES installed in berth's templates folder). */
  templates?: string[]
  /** berth's package folder (templates/, schema/); default: found above this module. */
  berthRoot?: string
  /** The date in the header (default: today). */
  now?: Date
}

export interface ImportResult {
  /** The berth.yml text to write (commented, validated by the importer). */
  yaml: string
  /** Lines for the user: what became what, and what was kept verbatim under compose: and why. */
  summary: string[]
}

export interface ImportIO {
  exists(absPath: string): boolean
  read(absPath: string): string | undefined
}

/** Compose's default file names; only these have an override file Compose reads on its own. */
const DEFAULT_NAMES = /^(docker-compose|compose)\.ya?ml$/

export function importCompose(options: ImportOptions, io: ImportIO): ImportResult {
  const root = path.resolve(options.root)
  const abs = path.resolve(root, options.file)
  const shown = (p: string) => (path.relative(root, p).startsWith('..') ? p : path.relative(root, p))
  const main = load(abs, shown(abs), io)
  if (!main) throw new BerthError(`cannot import ${options.file}: no such file (${abs})`, {exitCode: ExitCode.CONFIG, hints: ['Name an existing Compose file: berth init --from docker-compose.yml']})
  const names = Object.keys(main.file.value.services as Plain)
  const summary: string[] = [`${main.file.file}: ${names.length} service${names.length === 1 ? '' : 's'} (${names.join(', ')})`]
  const from = [main.file.file]
  let value: Plain = main.file.value
  const overridePath = overrideFile(abs, io)
  const override = overridePath === undefined ? undefined : load(overridePath, shown(overridePath), io)
  if (override) {
    value = mergeFiles(value, override.file.value)
    from.push(override.file.file)
    summary.push(`${override.file.file} merged over ${main.file.file}, as Compose merges its override file`)
  }
  for (const f of override ? [main, override] : [main]) {
    if (f.file.anchor || f.file.mergeKey) summary.push(`${f.file.file}: YAML anchors${f.file.mergeKey ? ' and merge keys' : ''} resolved (first at line ${(f.file.anchor ?? f.file.mergeKey)!.line}); berth.yml has none`)
  }
  const resolved = resolveExtends(main, value.services as Record<string, Plain>, (p) => load(p, shown(p), io))
  summary.push(...resolved.notes)
  value = {...value, services: resolved.services}

  const berthRoot = options.berthRoot ?? findBerthRoot(io)
  const templates = templateInfos(berthRoot, options.templates, io)
  const imported = importStack({compose: value, root, composeDir: path.dirname(abs), templates, shared: options.shared, name: options.name, locate: main.file.locate, locateKey: main.file.locateKey, exists: io.exists, read: io.read})
  summary.push(...imported.summary, ...envNotes(root, path.dirname(abs), io))
  const yaml = stackYaml(imported.stack, {from, date: (options.now ?? new Date()).toISOString().slice(0, 10), comments: imported.comments})
  try {
    checkImported(yaml, {root, berthRoot, templates: [...templates.keys()]}, io)
  } catch (error) {
    if (!(error instanceof BerthError)) throw error
    throw new ConfigError(`cannot import ${main.file.file}: ${error.message}`, undefined, {cause: error, hints: ['Fix that in the Compose file (or add what it names), then import again.']})
  }
  return {yaml, summary}
}

function load(abs: string, shown: string, io: ImportIO): LoadedFile | undefined {
  const text = io.read(abs)
  if (text === undefined) return undefined
  const file: ComposeFile = parseComposeText(text, shown)
  return {file, dir: path.dirname(abs)}
}

function overrideFile(abs: string, io: ImportIO): string | undefined {
  const base = path.basename(abs)
  if (!DEFAULT_NAMES.test(base)) return undefined
  const stem = base.replace(/\.ya?ml$/, '')
  return ['yaml', 'yml'].map((ext) => path.join(path.dirname(abs), `${stem}.override.${ext}`)).find((p) => io.exists(p))
}

/** berth's package folder: the nearest folder above this module with templates/services and schema/. */
function findBerthRoot(io: ImportIO): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    if (io.exists(path.join(dir, 'templates', 'services', 'generic.yml')) && io.exists(path.join(dir, 'schema', 'berth.schema.json'))) return dir
    dir = path.dirname(dir)
  }
  throw new BerthError(`berth's own templates were not found above ${fileURLToPath(import.meta.url)}`)
}

function templateInfos(berthRoot: string, names: string[] | undefined, io: ImportIO): Map<string, TemplateInfo> {
  const out = new Map<string, TemplateInfo>()
  for (const name of names ?? KNOWN_TEMPLATES) {
    const text = io.read(path.join(berthRoot, 'templates', 'services', `${name}.yml`))
    if (text !== undefined) out.set(name, templateInfo(name, parse(text)))
  }
  return out
}

/** `.env` is never read into berth.yml: Compose reads it from berth.yml's folder (the project folder). */
function envNotes(root: string, composeDir: string, io: ImportIO): string[] {
  const here = io.exists(path.join(composeDir, '.env'))
  if (!here) return []
  if (composeDir === root) return ['.env: not copied; its values stay in .env, which Compose reads (the ${VAR} references are kept)']
  return [`.env: not copied; berth runs Compose in ${root}, so move ${path.join(composeDir, '.env')} there for the \${VAR} references`]
}
