/**
 * Deep merge used for templates, environment overrides and raw compose fragments.
 * Mappings merge key by key, lists and scalars replace, and null deletes a key.
 */
export type Plain = Record<string, unknown>

export function isPlainObject(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Whether a path of keys leads to a value (set, even to null) through plain objects. */
export function hasPath(value: unknown, path: ReadonlyArray<string | number>): boolean {
  let current = value
  for (const segment of path) {
    if (!isPlainObject(current) || !(String(segment) in current)) return false
    current = current[String(segment)]
  }
  return true
}

export function deepMerge<T extends Plain>(base: T, ...overlays: Array<Plain | undefined | null>): T {
  let out: Plain = clone(base)
  for (const overlay of overlays) {
    if (!overlay) continue
    out = mergeTwo(out, overlay)
  }
  return out as T
}

/**
 * deepMerge for a base built for this call, that nothing else holds: merged without copying it first (a
 * 50,000-entry environment in it is not copied). The overlays are copied as by deepMerge.
 */
export function mergeOwned<T extends Plain>(base: T, ...overlays: Array<Plain | undefined | null>): T {
  let out: Plain = base
  for (const overlay of overlays) {
    if (!overlay) continue
    out = mergeTwo(out, overlay)
  }
  return out as T
}

function mergeTwo(base: Plain, overlay: Plain): Plain {
  const out: Plain = {...base}
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) {
      delete out[key]
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = mergeTwo(out[key] as Plain, value)
    } else {
      out[key] = clone(value)
    }
  }
  return out
}

export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => clone(v)) as T
  if (isPlainObject(value)) {
    const out: Plain = {}
    for (const [k, v] of Object.entries(value)) out[k] = clone(v)
    return out as T
  }
  return value
}
