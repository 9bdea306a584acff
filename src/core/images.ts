/**
 * Image references are configurable: an image map (exact reference to replacement) and a registry
 * prefix for private registries. The map wins; the prefix applies to references without a registry host.
 */
import {ConfigError} from './errors.js'

/** Parse "a=b,c=d" (BERTH_IMAGE_MAP). */
export function parseImageMap(text: string, origin = 'BERTH_IMAGE_MAP'): Record<string, string> {
  const map: Record<string, string> = {}
  for (const raw of text.split(/[,\n]/)) {
    const entry = raw.trim()
    if (!entry) continue
    const eq = entry.indexOf('=')
    const from = eq > 0 ? entry.slice(0, eq).trim() : ''
    const to = eq > 0 ? entry.slice(eq + 1).trim() : ''
    if (!from || !to) {
      throw new ConfigError(`${origin}: invalid entry "${entry}": expected FROM=TO, e.g. node:20-bookworm-slim=local/node:20`)
    }
    map[from] = to
  }
  return map
}

/** Whether the first path component of a reference is a registry host (has "." or ":", or is localhost). */
export function hasRegistryHost(ref: string): boolean {
  const slash = ref.indexOf('/')
  if (slash < 0) return false
  const first = ref.slice(0, slash)
  return first.includes('.') || first.includes(':') || first === 'localhost'
}

export interface ImageOptions {
  images: Record<string, string>
  registry?: string
}

export function resolveImage(ref: string, options: ImageOptions): string {
  const mapped = options.images[ref]
  if (mapped) return mapped
  if (options.registry && !hasRegistryHost(ref)) return `${options.registry.replace(/\/+$/, '')}/${ref}`
  return ref
}
