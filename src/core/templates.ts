/**
 * Service templates (templates/services/NAME.yml) and environment profiles
 * (templates/environments/NAME.yml): checked for shape, with positions for errors.
 */
import {ConfigError} from './errors.js'
import {isPlainObject} from './merge.js'
import type {EnvironmentSpec, Mode, ServiceTemplate, VolumeSpec} from './model.js'
import {defaultsProblem} from './runtime-settings.js'
import type {SourceDoc} from './source.js'

export interface Loaded<T> {
  value: T
  source: SourceDoc
}

const TEMPLATE_KEYS = new Set(['description', 'params', 'volumes', 'configs', 'service', 'modes', 'setup'])
const MODES: Mode[] = ['dev', 'prod']

function expectMap(source: SourceDoc, path: Array<string>, value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (!isPlainObject(value)) throw new ConfigError(`${what} must be a mapping`, source.locate(path))
  return value
}

export function parseServiceTemplate(name: string, source: SourceDoc): Loaded<ServiceTemplate> {
  const raw = source.value
  if (!isPlainObject(raw)) throw new ConfigError('a service template must be a mapping with a "service" key', source.locate([]))
  for (const key of Object.keys(raw)) {
    if (!TEMPLATE_KEYS.has(key)) {
      throw new ConfigError(`unknown key "${key}" in template "${name}"`, source.locateKey([key]), {
        hints: [`A service template has: ${[...TEMPLATE_KEYS].join(', ')}`],
      })
    }
  }
  const modes = expectMap(source, ['modes'], raw.modes, 'modes')
  for (const mode of Object.keys(modes)) {
    if (!MODES.includes(mode as Mode)) throw new ConfigError(`unknown mode "${mode}": expected dev or prod`, source.locateKey(['modes', mode]))
    expectMap(source, ['modes', mode], modes[mode], `modes.${mode}`)
  }
  const volumes = expectMap(source, ['volumes'], raw.volumes, 'volumes')
  for (const [key, v] of Object.entries(volumes)) {
    if (!isPlainObject(v) || typeof v.path !== 'string') throw new ConfigError(`volume "${key}" needs a path`, source.locate(['volumes', key]))
  }
  let setup: ServiceTemplate['setup']
  if (raw.setup !== undefined) {
    const s = expectMap(source, ['setup'], raw.setup, 'setup')
    setup = {modes: (s.modes as Mode[] | undefined) ?? undefined, service: expectMap(source, ['setup', 'service'], s.service, 'setup.service')}
  }
  return {
    source,
    value: {
      name,
      file: source.file,
      description: typeof raw.description === 'string' ? raw.description : undefined,
      params: expectMap(source, ['params'], raw.params, 'params'),
      volumes: volumes as Record<string, VolumeSpec>,
      service: expectMap(source, ['service'], raw.service, 'service'),
      modes: modes as ServiceTemplate['modes'],
      setup,
      ...(raw.configs !== undefined ? {configs: expectMap(source, ['configs'], raw.configs, 'configs')} : {}),
    },
  }
}

const PROFILE_KEYS = new Set(['extends', 'description', 'mode', 'port_offset', 'bind', 'tls', 'image_from', 'vars', 'defaults', 'services', 'compose'])

export function parseEnvironmentProfile(name: string, source: SourceDoc): Loaded<EnvironmentSpec> {
  const raw = source.value ?? {}
  if (!isPlainObject(raw)) throw new ConfigError('an environment profile must be a mapping', source.locate([]))
  for (const key of Object.keys(raw)) {
    if (!PROFILE_KEYS.has(key)) {
      throw new ConfigError(`unknown key "${key}" in environment "${name}"`, source.locateKey([key]), {
        hints: [`An environment profile has: ${[...PROFILE_KEYS].join(', ')}`],
      })
    }
  }
  if (raw.mode !== undefined && !MODES.includes(raw.mode as Mode)) {
    throw new ConfigError(`mode must be dev or prod (got ${JSON.stringify(raw.mode)})`, source.locate(['mode']))
  }
  if (raw.port_offset !== undefined && !Number.isInteger(raw.port_offset)) {
    throw new ConfigError('port_offset must be an integer', source.locate(['port_offset']))
  }
  // the pattern of berth.yml's own bind (schema/berth.schema.json): a profile file is held to the same rule
  if (raw.bind !== undefined && (typeof raw.bind !== 'string' || !/^[0-9a-fA-F.:]+$/.test(raw.bind))) {
    throw new ConfigError(`bind must be an IP address such as 127.0.0.1 (got ${JSON.stringify(raw.bind)})`, source.locate(['bind']))
  }
  if (raw.tls !== undefined && typeof raw.tls !== 'boolean') {
    throw new ConfigError(`tls must be true or false (got ${JSON.stringify(raw.tls)})`, source.locate(['tls']))
  }
  if (raw.image_from !== undefined && raw.image_from !== 'registry' && raw.image_from !== 'build') {
    throw new ConfigError(`image_from must be registry or build (got ${JSON.stringify(raw.image_from)})`, source.locate(['image_from']))
  }
  expectMap(source, ['vars'], raw.vars, 'vars')
  const problem = defaultsProblem(expectMap(source, ['defaults'], raw.defaults, 'defaults'))
  if (problem) throw new ConfigError(`defaults.${problem.key} ${problem.message}`, source.locate(['defaults', ...problem.key.split('.')]))
  expectMap(source, ['services'], raw.services, 'services')
  return {source, value: raw as EnvironmentSpec}
}
