/**
 * Where a service's image comes from in prod mode (`image_from`): its build: folder (the default when it has
 * one), or a registry: `image:` is the reference to run, through the image map and registry prefix like every
 * other image, and nothing is built. berth up checks such an image before anything starts (app/registry-images.ts):
 * on the engine, else pulled, else built from build: only with --build-if-missing.
 * In dev mode a service runs as its template says (the node template runs your source): image_from is not used.
 */
import path from 'node:path'
import {ConfigError, formatPos} from './errors.js'
import {resolveImage, type ImageOptions} from './images.js'
import {isPlainObject} from './merge.js'
import type {EnvironmentProfile, ImageFrom, NpmContext, ServiceSpec} from './model.js'
import {addNpmRegistry} from './npm-registry.js'
import type {PathSegment, SourceDoc} from './source.js'

/** A service whose image comes from a registry, as up checks it (and builds it with --build-if-missing). */
export interface RegistryImage {
  service: string
  /** The reference, through the image map and registry prefix. */
  image: string
  /** The berth.yml key that asked for it ("services.web.image_from", "environments.qa.image_from"). */
  key: string
  /** Where that key is (berth.yml:line:col), when it is in berth.yml. */
  at?: string
  /** What --build-if-missing builds: a Compose model of this one service (image + build, npm secrets added). */
  fallback?: Record<string, unknown>
  /** The build folder, relative to the project, for messages ("app/"). */
  buildFrom?: string
}

/** Where the service's image comes from in this environment; undefined: as the template says (dev mode, or no build: and no image_from). */
export function imageFrom(spec: ServiceSpec, env: EnvironmentProfile): ImageFrom | undefined {
  if (env.mode !== 'prod') return undefined
  return spec.image_from ?? (spec.build !== undefined ? env.image_from : undefined)
}

/**
 * Whether the service's image: names its registry image rather than the template's base image: where
 * image_from: registry applies, and in dev mode too for a service with build: (dev runs, or builds, from the
 * template's base image, never from the registry image).
 */
export function namesRegistryImage(spec: ServiceSpec, env: EnvironmentProfile): boolean {
  return imageFrom(spec, env) === 'registry' || (spec.image_from === 'registry' && spec.build !== undefined)
}

export interface ImageSourceInput {
  name: string
  spec: ServiceSpec
  env: EnvironmentProfile
  /** The rendered service (template and mode applied); changed in place. */
  service: Record<string, unknown>
  imageOptions: ImageOptions
  src: SourceDoc
  root: string
  project: string
  /** The berth.yml path of one of the service's fields (berth.yml's own, or its environment's override). */
  where: (field: string) => PathSegment[]
}

/**
 * Apply image_from to a rendered service. registry: `image:` the reference, no `build:` (kept aside as the
 * fallback of --build-if-missing), `pull_policy: missing`. Returns the registry image, if it is one.
 */
export function applyImageSource(input: ImageSourceInput): RegistryImage | undefined {
  const {name, spec, env, service, src} = input
  const keyPath = spec.image_from !== undefined ? input.where('image_from') : ['environments', env.name, 'image_from']
  if (env.mode !== 'prod') {
    if ((spec.image_from !== undefined && keyPath[0] === 'environments') || (env.image_from !== undefined && spec.build !== undefined)) {
      throw new ConfigError(`service "${name}": image_from applies in prod-mode environments (qa, stage); ${env.name} is a dev-mode environment, which runs the service as its template says`, src.locate(keyPath), {
        hints: [`Move image_from under environments.qa (or stage), or set mode: prod in environment ${env.name}.`],
      })
    }
    return undefined
  }
  const from = imageFrom(spec, env)
  if (from === 'build') {
    if (spec.build === undefined) {
      throw new ConfigError(`service "${name}": image_from: build needs build: (a folder with a Dockerfile)`, src.locate(keyPath), {hints: ['Add build:, or use image_from: registry with image: the image to run.']})
    }
    return undefined
  }
  if (from !== 'registry') return undefined
  if (spec.image === undefined) {
    throw new ConfigError(`service "${name}": image_from: registry needs image: (the image to run)`, src.locate(keyPath), {
      hints: [`Add image: next to image_from, e.g. image: private-registry.example/stacks/${name}:1.0`],
    })
  }
  const image = resolveImage(spec.image, input.imageOptions)
  const build = isPlainObject(service.build) ? service.build : undefined
  delete service.build
  service.image = image
  service.pull_policy = 'missing'
  const registry: RegistryImage = {service: name, image, key: keyPath.join('.'), ...(inFile(src.value, keyPath) ? {at: formatPos(src.locate(keyPath))} : {})}
  if (build) {
    registry.fallback = {name: input.project, services: {[name]: {image, build}}}
    const context = String(build.context).replaceAll('$$', '$')
    registry.buildFrom = `${path.relative(input.root, context) || '.'}/`
  }
  return registry
}

/** Whether berth.yml itself has this key (an environment's image_from may come from a profile file). */
function inFile(value: unknown, keyPath: PathSegment[]): boolean {
  let node = value
  for (const k of keyPath) {
    if (!isPlainObject(node) || !(String(k) in node)) return false
    node = node[String(k)]
  }
  return true
}

/** The npm registry for every build of the stack's model and of the registry images' fallback builds. */
export function addBuildSecrets(model: Record<string, unknown>, registry: RegistryImage[], npm: NpmContext | undefined, root: string, exists: (p: string) => boolean): void {
  addNpmRegistry(model, npm, root, exists)
  for (const r of registry) if (r.fallback) addNpmRegistry(r.fallback, npm, root, exists)
}
