/**
 * The user's own settings (not the project's): ~/.config/berth/config.yml, or $BERTH_CONFIG (the path
 * comes from the adapters: src/infra/files.ts).
 *   images: {"node:20-bookworm-slim": "local/node:20"}
 *   registry: registry.example.com/mirror
 * BERTH_IMAGE_MAP and BERTH_REGISTRY in the environment win over the file.
 */
import {ConfigError} from './errors.js'
import {parseImageMap} from './images.js'
import type {ProjectIO} from './inputs.js'
import {isPlainObject} from './merge.js'

export interface UserConfig {
  file: string
  images: Record<string, string>
  registry?: string
}

/** The user config at `file` (read through `io`; the YAML parser is loaded only when the file exists). */
export async function loadUserConfig(file: string, env: NodeJS.ProcessEnv, io: Pick<ProjectIO, 'readText'>): Promise<UserConfig> {
  let images: Record<string, string> = {}
  let registry: string | undefined
  let text: string | undefined
  try {
    text = io.readText(file)
  } catch {
    text = undefined
  }
  if (text !== undefined) {
    const {parseYamlSource} = await import('../core/source.js')
    const source = parseYamlSource(text, file)
    const value = source.value ?? {}
    if (!isPlainObject(value)) throw new ConfigError('the user config must be a mapping', source.locate([]))
    for (const key of Object.keys(value)) {
      if (key !== 'images' && key !== 'registry') throw new ConfigError(`unknown key "${key}" (expected images or registry)`, source.locateKey([key]))
    }
    if (value.images !== undefined) {
      if (!isPlainObject(value.images) || Object.values(value.images).some((v) => typeof v !== 'string')) {
        throw new ConfigError('images must map image references to image references', source.locate(['images']))
      }
      images = value.images as Record<string, string>
    }
    if (value.registry !== undefined) {
      if (typeof value.registry !== 'string') throw new ConfigError('registry must be a string', source.locate(['registry']))
      registry = value.registry
    }
  }
  if (env.BERTH_IMAGE_MAP) images = {...images, ...parseImageMap(env.BERTH_IMAGE_MAP)}
  if (env.BERTH_REGISTRY) registry = env.BERTH_REGISTRY
  return {file, images, registry}
}
