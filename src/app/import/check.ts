/**
 * The imported berth.yml checked as berth checks any: its schema (Ajv, compiled from berth's schema
 * file), then a dev render in memory with berth's own templates and environment profiles. Synchronous:
 * Ajv is required on first use (it is not loaded when berth starts).
 */
import {createRequire} from 'node:module'
import path from 'node:path'
import {ConfigError} from '../../core/errors.js'
import type {EnvironmentSpec, ServiceTemplate} from '../../core/model.js'
import {renderStack, type RenderResult} from '../../core/render.js'
import {parseYamlSource} from '../../core/source.js'
import {parseEnvironmentProfile, parseServiceTemplate, type Loaded} from '../../core/templates.js'
import {validateStackFile, type SchemaValidator} from '../../core/validate.js'

export interface CheckIO {
  exists(absPath: string): boolean
  read(absPath: string): string | undefined
}

const validators = new Map<string, SchemaValidator>()

function schemaValidator(schemaFile: string, io: CheckIO): SchemaValidator {
  let v = validators.get(schemaFile)
  if (!v) {
    const text = io.read(schemaFile)
    if (text === undefined) throw new Error(`berth's schema was not found at ${schemaFile}`)
    const {Ajv} = createRequire(import.meta.url)('ajv') as typeof import('ajv')
    v = new Ajv({allErrors: true, strict: false}).compile(JSON.parse(text)) as unknown as SchemaValidator
    validators.set(schemaFile, v)
  }
  return v
}

function loadNamed<T>(dir: string, names: string[], io: CheckIO, parse: (name: string, text: string, shown: string) => Loaded<T>): Map<string, Loaded<T>> {
  const out = new Map<string, Loaded<T>>()
  for (const name of names) {
    const text = io.read(path.join(dir, `${name}.yml`))
    if (text !== undefined) out.set(name, parse(name, text, `<berth>/templates/${path.basename(dir)}/${name}.yml`))
  }
  return out
}

/**
 * Validate and render dev: the result, or the ConfigError berth would give for this berth.yml (with the
 * imported file's line and column).
 */
export function checkImported(yaml: string, o: {root: string; berthRoot: string; templates: string[]}, io: CheckIO): RenderResult {
  const source = parseYamlSource(yaml, 'berth.yml (imported)')
  const stack = {source, value: validateStackFile(source, schemaValidator(path.join(o.berthRoot, 'schema', 'berth.schema.json'), io))}
  const templates = loadNamed<ServiceTemplate>(path.join(o.berthRoot, 'templates', 'services'), [...new Set([...o.templates, 'generic'])], io, (n, t, s) => parseServiceTemplate(n, parseYamlSource(t, s)))
  const profiles = loadNamed<EnvironmentSpec>(path.join(o.berthRoot, 'templates', 'environments'), ['dev'], io, (n, t, s) => parseEnvironmentProfile(n, parseYamlSource(t, s)))
  try {
    return renderStack({stack, templates, profiles, env: 'dev', ctx: {root: o.root, branch: 'main', images: {}}, io: {exists: (p) => io.exists(p), hashFiles: () => 'imported'}})
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`the imported berth.yml does not render: ${(error as Error).message}`, undefined, {cause: error})
  }
}
