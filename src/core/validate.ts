/**
 * Schema validation of berth.yml with errors that name file:line:column and what was expected.
 * The validator itself is an Ajv function (precompiled at build time, see scripts/postbuild.js).
 */
import {ConfigError} from './errors.js'
import type {StackFile} from './model.js'
import type {SourceDoc} from './source.js'
import {formatPath, type PathSegment} from './yaml-path.js'

/** The subset of Ajv's ErrorObject that berth reads. */
export interface SchemaError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
  /** Set by Ajv on errors about a mapping key (propertyNames). */
  propertyName?: string
}

export interface SchemaValidator {
  (data: unknown): boolean
  errors?: SchemaError[] | null
}

function pathOf(instancePath: string): PathSegment[] {
  if (!instancePath) return []
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return `${typeof value} ${String(value)}`
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  let current = root
  for (const seg of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[seg as string]
  }
  return current
}

/** Ajv reports every branch of a oneOf; keep the most specific error. */
function pickError(errors: SchemaError[]): SchemaError {
  const depth = (e: SchemaError) => pathOf(e.instancePath).length + (e.keyword === 'additionalProperties' || e.keyword === 'required' ? 1 : 0)
  const rank = (e: SchemaError) => (e.keyword === 'oneOf' || e.keyword === 'if' ? 2 : e.keyword === 'type' ? 1 : 0)
  return [...errors].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0]
}

export function explainSchemaError(error: SchemaError, source: SourceDoc): ConfigError {
  const path = pathOf(error.instancePath)
  const where = formatPath(path) || 'the top level'
  const value = valueAt(source.value, path)
  const p = error.params
  const badKey = error.propertyName ?? (error.keyword === 'propertyNames' ? String(p.propertyName ?? '') : undefined)
  if (badKey !== undefined && path.at(-1) === 'env') {
    const rule = 'a name cannot be empty, start with a digit, or hold "=" or white space'
    return new ConfigError(`invalid environment variable name ${JSON.stringify(badKey)} in ${where}: ${rule}`, source.locateKey([...path, badKey]))
  }
  if (badKey !== undefined) {
    return new ConfigError(`invalid name "${badKey}" in ${where}: use lowercase letters, digits, "-" and "_", starting with a letter or digit`, source.locateKey([...path, badKey]))
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      return new ConfigError(`unknown key "${key}" in ${where}`, source.locateKey([...path, key]), {
        hints: ['Check the spelling; the JSON Schema in schema/berth.schema.json lists every key (editors can autocomplete it).'],
      })
    }
    case 'required':
      return new ConfigError(`${where} needs the key "${String(p.missingProperty)}"`, source.locate(path))
    case 'type': {
      const expected = String(p.type).replace(/,/g, ' or ')
      return new ConfigError(`${where} must be ${article(expected)} (got ${describe(value)})`, source.locate(path))
    }
    case 'enum':
      return new ConfigError(
        `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describe(value)})`,
        source.locate(path),
      )
    case 'pattern':
      return new ConfigError(`${where} has an invalid value ${describe(value)}: ${patternHint(error)}`, source.locate(path))
    case 'minimum':
    case 'maximum':
      return new ConfigError(`${where} must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)} (got ${describe(value)})`, source.locate(path))
    case 'exclusiveMinimum':
      return new ConfigError(`${where} must be more than ${String(p.limit)} (got ${describe(value)})`, source.locate(path))
    case 'oneOf':
      return new ConfigError(`${where} has an unexpected form (got ${describe(value)})`, source.locate(path), {
        hints: ['See schema/berth.schema.json for the accepted forms.'],
      })
    default:
      return new ConfigError(`${where} ${error.message ?? 'is invalid'}`, source.locate(path))
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping'
  if (type === 'array') return 'a list'
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

function patternHint(error: SchemaError): string {
  if (error.schemaPath.includes('bind')) return 'expected an IP address such as 127.0.0.1'
  if (error.instancePath === '/name') return 'expected letters, digits, ".", "-" or "_", starting with a letter or digit'
  if (error.instancePath.endsWith('/path') || /\/tmpfs\/\d+$/.test(error.instancePath)) return 'expected an absolute path in the container'
  if (error.instancePath.endsWith('/limits/cpus')) return 'expected a number of CPUs such as 0.5 or 2'
  if (error.instancePath.endsWith('/limits/memory')) return 'expected a size such as 512m or 1g'
  if (error.instancePath.endsWith('/build/target')) return 'expected a build stage name (letters, digits, "_", "-", ".", starting with a letter)'
  if (error.instancePath.endsWith('/restart')) return 'expected no, always, unless-stopped or on-failure[:N]'
  return `expected to match ${String(error.params.pattern)}`
}

/** Validate a parsed berth.yml; throws a ConfigError naming file:line:column. */
export function validateStackFile(source: SourceDoc, validate: SchemaValidator): StackFile {
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    throw new ConfigError(`expected a mapping with at least "name" and "services" (got ${describe(source.value)})`, source.locate([]))
  }
  if (!validate(source.value)) {
    const errors = validate.errors ?? []
    throw explainSchemaError(pickError(errors), source)
  }
  return source.value as StackFile
}
