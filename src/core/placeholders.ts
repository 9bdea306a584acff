/**
 * Template placeholders, resolved on parsed YAML (never on text), keeping types.
 *
 *   port: ${{ port }}            -> 8000 (a number stays a number, a list stays a list)
 *   test: "http://x:${{ port }}" -> "http://x:8000" (inside a string: text)
 *   key: ${{ maybe }}            -> the key is left out when the value is null
 *   $if: ${{ health_path }}      -> the whole mapping is left out when the value is null, false or ""
 *
 * ${{ }} cannot clash with Compose's own ${VAR} interpolation, which passes through untouched.
 */
import {ConfigError} from './errors.js'
import {isPlainObject} from './merge.js'
import type {PathSegment, SourceDoc} from './source.js'

const WHOLE = /^\$\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*\}\}$/
const ANY = /\$\{\{\s*([^}]*?)\s*\}\}/g
const NAME = /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*$/

export type Scope = Record<string, unknown>

const MISSING = Symbol('missing')

function lookup(scope: Scope, name: string): unknown {
  let current: unknown = scope
  for (const part of name.split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, part)) return MISSING
    current = current[part]
  }
  return current === undefined ? null : current
}

export interface ResolveOptions {
  /** Where the value sits in its source file, for error positions. */
  source: SourceDoc
  basePath: PathSegment[]
}

function knownNames(scope: Scope, prefix = ''): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(scope)) {
    if (isPlainObject(v) && !prefix) out.push(...knownNames(v, `${k}.`))
    else out.push(prefix + k)
  }
  return out.sort()
}

function unknown(name: string, scope: Scope, opts: ResolveOptions, path: PathSegment[]): ConfigError {
  return new ConfigError(`unknown placeholder \${{ ${name} }}`, opts.source.locate([...opts.basePath, ...path]), {
    hints: [`Known placeholders: ${knownNames(scope).join(', ')}`],
  })
}

function resolveString(text: string, scope: Scope, opts: ResolveOptions, path: PathSegment[]): unknown {
  const whole = WHOLE.exec(text)
  if (whole) {
    const value = lookup(scope, whole[1])
    if (value === MISSING) throw unknown(whole[1], scope, opts, path)
    return value
  }
  if (!text.includes('${{')) return text
  return text.replace(ANY, (_m, name: string) => {
    if (!NAME.test(name)) {
      throw new ConfigError(`invalid placeholder \${{ ${name} }}: expected a name such as port or env.node_env`, opts.source.locate([...opts.basePath, ...path]))
    }
    const value = lookup(scope, name)
    if (value === MISSING) throw unknown(name, scope, opts, path)
    if (value !== null && typeof value === 'object') {
      throw new ConfigError(`placeholder \${{ ${name} }} is a ${Array.isArray(value) ? 'list' : 'mapping'} and cannot be part of a string`, opts.source.locate([...opts.basePath, ...path]))
    }
    return value === null ? '' : String(value)
  })
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(truthy)
  return value !== null && value !== false && value !== '' && value !== undefined
}

const DROP = Symbol('drop')

function resolveNode(value: unknown, scope: Scope, opts: ResolveOptions, path: PathSegment[]): unknown {
  if (typeof value === 'string') {
    const out = resolveString(value, scope, opts, path)
    return out === null ? DROP : out
  }
  if (Array.isArray(value)) {
    const out: unknown[] = []
    value.forEach((item, i) => {
      const r = resolveNode(item, scope, opts, [...path, i])
      if (r !== DROP) out.push(r)
    })
    return out
  }
  if (isPlainObject(value)) {
    if ('$if' in value) {
      // A list is "all of these": each item must be set (a null item must not just drop out of the list).
      const conds: Array<[unknown, PathSegment[]]> = Array.isArray(value.$if) ? value.$if.map((c, i): [unknown, PathSegment[]] => [c, [...path, '$if', i]]) : [[value.$if, [...path, '$if']]]
      for (const [c, at] of conds) {
        const cond = resolveNode(c, scope, opts, at)
        if (cond === DROP || !truthy(cond)) return DROP
      }
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (k === '$if') continue
      const r = resolveNode(v, scope, opts, [...path, k])
      if (r !== DROP) out[k] = r
    }
    return out
  }
  return value
}

/** Resolve every placeholder in a value; throws ConfigError (file:line:column) for unknown names. */
export function resolvePlaceholders<T>(value: T, scope: Scope, opts: ResolveOptions): T | undefined {
  const out = resolveNode(value, scope, opts, [])
  return out === DROP ? undefined : (out as T)
}

/** Whether a value still holds a placeholder (for validation of user input). */
export function hasPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${{')
  if (Array.isArray(value)) return value.some(hasPlaceholder)
  if (isPlainObject(value)) return Object.values(value).some(hasPlaceholder)
  return false
}
