/**
 * A private npm registry for builds, never baked into a layer nor written into a generated file:
 * - a `.npmrc` (the build context's, else the project's, else the user's: $NPM_CONFIG_USERCONFIG or ~/.npmrc)
 *   goes to every build as the BuildKit secret `npmrc`, referenced by its path;
 * - NPM_REGISTRY goes as the build argument NPM_REGISTRY, written as the reference `${NPM_REGISTRY}`, when it is
 *   a plain URL (no user, password, query or fragment); anything else (credentials, a token) as the BuildKit
 *   secret `npm_registry`, read by Compose from the environment variable.
 * A Dockerfile uses them with `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=false ...`
 * (see stacks/shop/app/Dockerfile); without them it builds as before.
 */
import path from 'node:path'
import {isPlainObject} from './merge.js'
import type {NpmContext} from './model.js'
import {escapeDollars} from './naming.js'

/** The BuildKit secret ids a Dockerfile mounts. */
export const NPMRC_SECRET = 'npmrc'
export const NPM_REGISTRY_SECRET = 'npm_registry'
export const NPM_REGISTRY_VAR = 'NPM_REGISTRY'

/** The npm registry settings berth reads from the environment: NPM_REGISTRY and the user's npm config file. */
export function npmContext(env: NodeJS.ProcessEnv): NpmContext {
  const userConfig = env.NPM_CONFIG_USERCONFIG || env.npm_config_userconfig || (env.HOME ? path.join(env.HOME, '.npmrc') : undefined)
  return {...(env[NPM_REGISTRY_VAR] ? {registry: env[NPM_REGISTRY_VAR]} : {}), ...(userConfig ? {userConfig} : {})}
}

/** Whether NPM_REGISTRY may be a build argument: an http(s) URL with no user, password, query or fragment. */
export function plainRegistryUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash && !value.includes('@')
}

/**
 * Give every build of a Compose model (changed in place) the npm registry: secrets by file path or by
 * variable name, the plain URL as `${NPM_REGISTRY}`. `exists` checks a path (recorded for the render cache).
 */
export function addNpmRegistry(model: Record<string, unknown>, npm: NpmContext | undefined, root: string, exists: (p: string) => boolean): void {
  const services = isPlainObject(model.services) ? model.services : {}
  const secrets: Record<string, unknown> = {}
  const fileSecrets = new Map<string, string>()
  for (const name of Object.keys(services).sort()) {
    const service = services[name]
    if (!isPlainObject(service) || !isPlainObject(service.build)) continue
    const build = service.build
    const context = String(build.context ?? '.').replaceAll('$$', '$')
    const npmrc = [path.join(context, '.npmrc'), path.join(root, '.npmrc'), npm?.userConfig].find((f): f is string => f !== undefined && exists(f))
    const wanted: Array<{source: string; target: string}> = []
    if (npmrc) {
      if (!fileSecrets.has(npmrc)) fileSecrets.set(npmrc, fileSecrets.size === 0 ? NPMRC_SECRET : `${NPMRC_SECRET}_${fileSecrets.size + 1}`)
      const source = fileSecrets.get(npmrc)!
      secrets[source] = {file: escapeDollars(npmrc)}
      wanted.push({source, target: NPMRC_SECRET})
    }
    if (npm?.registry) {
      if (plainRegistryUrl(npm.registry)) build.args = {...(isPlainObject(build.args) ? build.args : {}), [NPM_REGISTRY_VAR]: `\${${NPM_REGISTRY_VAR}}`}
      else {
        secrets[NPM_REGISTRY_SECRET] = {environment: NPM_REGISTRY_VAR}
        wanted.push({source: NPM_REGISTRY_SECRET, target: NPM_REGISTRY_SECRET})
      }
    }
    const existing = Array.isArray(build.secrets) ? build.secrets : []
    const taken = new Set(existing.map((s) => (isPlainObject(s) ? String(s.target ?? s.source) : String(s))))
    const added = wanted.filter((s) => !taken.has(s.target))
    if (added.length > 0) build.secrets = [...existing, ...added]
  }
  if (Object.keys(secrets).length > 0) model.secrets = {...secrets, ...(isPlainObject(model.secrets) ? model.secrets : {})}
}
