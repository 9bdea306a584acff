/**
 * Environment resolution: built-in profiles (dev, qa, stage), the project's own profiles and the
 * `environments:` section of berth.yml, with `extends` chains, merged into one EnvironmentProfile.
 */
import {BerthError, ConfigError, ExitCode} from './errors.js'
import {deepMerge} from './merge.js'
import type {EnvironmentProfile, EnvironmentSpec, StackFile} from './model.js'
import type {SourceDoc} from './source.js'
import type {Loaded} from './templates.js'

export const BUILTIN_ENVIRONMENTS = ['dev', 'qa', 'stage'] as const

export function knownEnvironments(profiles: Map<string, Loaded<EnvironmentSpec>>, stack: StackFile): string[] {
  return [...new Set([...profiles.keys(), ...Object.keys(stack.environments ?? {})])].sort()
}

export function resolveEnvironment(
  name: string,
  profiles: Map<string, Loaded<EnvironmentSpec>>,
  stack: StackFile,
  stackSource: SourceDoc,
): EnvironmentProfile {
  const layers: EnvironmentSpec[] = []
  const seen: string[] = []

  const collect = (envName: string, fromStackOnly = false): void => {
    if (seen.includes(envName) && !fromStackOnly) {
      throw new ConfigError(`environments extend each other in a loop: ${[...seen, envName].join(' -> ')}`, stackSource.locate(['environments', seen[0]]))
    }
    seen.push(envName)
    const profile = profiles.get(envName)
    const own = stack.environments?.[envName]
    if (!profile && !own) {
      const known = knownEnvironments(profiles, stack)
      if (seen.length === 1) {
        throw new BerthError(`unknown environment "${envName}"`, {
          exitCode: ExitCode.USAGE,
          hints: [`Known environments: ${known.join(', ')}. Define a new one under environments: in berth.yml (with extends: dev, qa or stage).`],
        })
      }
      throw new ConfigError(`environment "${seen.at(-2)}" extends unknown environment "${envName}" (known: ${known.join(', ')})`, stackSource.locate(['environments', seen.at(-2)!, 'extends']))
    }
    const parent = own?.extends ?? profile?.value.extends
    if (parent && parent !== envName) collect(parent)
    if (profile) layers.push(profile.value)
    if (own) layers.push(own)
  }
  collect(name)

  const merged: EnvironmentProfile = {name, mode: 'dev', port_offset: 0, vars: {}, defaults: {}, services: {}}
  for (const layer of layers) {
    if (layer.description !== undefined) merged.description = layer.description
    if (layer.mode !== undefined) merged.mode = layer.mode
    if (layer.port_offset !== undefined) merged.port_offset = layer.port_offset
    if (layer.bind !== undefined) merged.bind = layer.bind
    if (layer.tls !== undefined) merged.tls = layer.tls
    if (layer.image_from !== undefined) merged.image_from = layer.image_from
    merged.vars = {...merged.vars, ...layer.vars}
    if (layer.defaults) merged.defaults = deepMerge((merged.defaults ?? {}) as Record<string, unknown>, layer.defaults as Record<string, unknown>)
    merged.services = deepMerge(merged.services, layer.services as Record<string, unknown>)
    if (layer.compose) merged.compose = deepMerge(merged.compose ?? {}, layer.compose)
  }
  // An environment that extends none of the built-in ones still gets what the templates read.
  merged.vars = {node_env: merged.mode === 'dev' ? 'development' : 'production', deploy_env: name.toUpperCase(), ...merged.vars}
  return merged
}
