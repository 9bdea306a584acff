// Builds render requests from YAML text, with the built-in templates read from templates/.
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {Ajv} from 'ajv'
import type {EnvironmentSpec, ServiceTemplate, StackContext, StackFile} from '../../src/core/model.js'
import {renderStack, type RenderIO, type RenderResult} from '../../src/core/render.js'
import {parseYamlSource} from '../../src/core/source.js'
import {parseEnvironmentProfile, parseServiceTemplate, type Loaded} from '../../src/core/templates.js'
import {validateStackFile, type SchemaValidator} from '../../src/core/validate.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

const ajv = new Ajv({allErrors: true, strict: false})
export const validator = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/berth.schema.json'), 'utf8'))) as unknown as SchemaValidator

export function loadStack(text: string, file = 'berth.yml'): Loaded<StackFile> {
  const source = parseYamlSource(text, file)
  return {source, value: validateStackFile(source, validator)}
}

export function builtinTemplates(): Map<string, Loaded<ServiceTemplate>> {
  const dir = path.join(ROOT, 'templates/services')
  return new Map(
    readdirSync(dir).map((f) => {
      const name = f.replace(/\.yml$/, '')
      return [name, parseServiceTemplate(name, parseYamlSource(readFileSync(path.join(dir, f), 'utf8'), `templates/services/${f}`))]
    }),
  )
}

export function builtinProfiles(): Map<string, Loaded<EnvironmentSpec>> {
  const dir = path.join(ROOT, 'templates/environments')
  return new Map(
    readdirSync(dir).map((f) => {
      const name = f.replace(/\.yml$/, '')
      return [name, parseEnvironmentProfile(name, parseYamlSource(readFileSync(path.join(dir, f), 'utf8'), `templates/environments/${f}`))]
    }),
  )
}

export const fakeIO = (existing: string[] = [], files: Record<string, string> = {}): RenderIO => ({
  exists: (p) => existing.includes(p) || p in files,
  hashFiles: (paths) => `hash-of-${paths.map((p) => path.basename(p)).join('+')}`.padEnd(16, '0'),
  readText: (p) => {
    if (!(p in files)) throw new Error(`ENOENT: ${p}`)
    return files[p]
  },
})

export function render(
  text: string,
  options: {env?: string; ctx?: Partial<StackContext>; templates?: Map<string, Loaded<ServiceTemplate>>; existing?: string[]; files?: Record<string, string>} = {},
): RenderResult {
  return renderStack({
    stack: loadStack(text),
    templates: options.templates ?? builtinTemplates(),
    profiles: builtinProfiles(),
    env: options.env ?? 'dev',
    ctx: {root: '/repo', branch: 'main', images: {}, ...options.ctx},
    io: fakeIO(options.existing ?? ['/repo'], options.files),
  })
}

/**
 * The shop stack the render tests start from: web (the node template, built from app/, port 8000) with the
 * `web` lines added under it, then `rest` (more services under services:, environments).
 */
export const shopStack = (web = '', rest = ''): string => `name: shop
services:
  web:
    template: node
    build: app
    source: app
    port: 8000
${web}${rest}`

/** A rendered service, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Svc = Record<string, any>
export const svc = (r: {compose: Record<string, unknown>}, name: string): Svc => (r.compose.services as Record<string, Svc>)[name]

export function thrown(fn: () => unknown): Error & {exitCode?: number; hints?: string[]} {
  try {
    fn()
  } catch (error) {
    return error as Error & {exitCode?: number}
  }
  throw new Error('expected an error, none was thrown')
}
