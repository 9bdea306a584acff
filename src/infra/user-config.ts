/**
 * The user's own settings (not the project's): ~/.config/berth/config.yml, or $BERTH_CONFIG.
 *   images: {"node:20-bookworm-slim": "local/node:20"}
 *   registry: registry.example.com/mirror
 * BERTH_IMAGE_MAP and BERTH_REGISTRY in the environment win over the file.
 */
import os from 'node:os'
import path from 'node:path'
import {ConfigError} from '../core/errors.js'
import {parseImageMap} from '../core/images.js'
import type {ProjectIO} from '../core/inputs.js'
import {isPlainObject} from '../core/merge.js'
import {fsProjectIO} from './fs-io.js'

export interface UserConfig {
  file: string
  images: Record<string, string>
  registry?: string
}

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_CONFIG) return env.BERTH_CONFIG
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
  return path.join(base, 'berth', 'config.yml')
}

/** The user config (read through `io`; the YAML parser is loaded only when the file exists). */
export async function loadUserConfig(env: NodeJS.ProcessEnv = process.env, io: Pick<ProjectIO, 'readText'> = fsProjectIO): Promise<UserConfig> {
  const file = userConfigPath(env)
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
