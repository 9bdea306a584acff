/**
 * A service's build at render: its context and Dockerfile checked, the base image (through the image map)
 * as BASE_IMAGE, the stage to build (in prod mode the Dockerfile's `production` stage when it has one;
 * `build.target` overrides, and must name a stage), and the user that stage runs as.
 */
import path from 'node:path'
import {dockerfileStages, stageUser, targetStage, type DockerfileStage} from './dockerfile.js'
import {ConfigError} from './errors.js'
import {resolveImage} from './images.js'
import type {BuildSpec, Mode} from './model.js'
import {escapeDollars} from './naming.js'
import type {PathSegment, SourceDoc} from './source.js'

/** The stage qa and stage build when the Dockerfile has it and build.target names none. */
export const PRODUCTION_STAGE = 'production'

export interface BuildIO {
  exists(absPath: string): boolean
  /** A file's text; absent: Dockerfiles are not read (no stage detection). */
  readText?(absPath: string): string
}

export interface BuildRequest {
  service: string
  spec: string | BuildSpec
  root: string
  mode: Mode
  io: BuildIO
  src: SourceDoc
  /** Where `build` was set in berth.yml. */
  where: PathSegment[]
  /** The service's image parameter (its base image), mapped through `images`. */
  baseImage?: unknown
  imageOptions: {images: Record<string, string>; registry?: string}
}

export interface ResolvedBuild {
  build: BuildSpec
  /** The USER the built stage declares (its own or inherited from an earlier stage); null: none; undefined: not read. */
  user?: string | null
}

function normalizeBuild(build: string | BuildSpec): BuildSpec {
  return typeof build === 'string' ? {context: build} : build
}

function readStages(io: BuildIO, dockerfile: string): DockerfileStage[] | undefined {
  if (!io.readText) return undefined
  try {
    return dockerfileStages(io.readText(dockerfile))
  } catch {
    return undefined // unreadable: Compose's build will say why
  }
}

function stageNames(stages: DockerfileStage[]): string {
  const named = stages.filter((s) => s.name).map((s) => s.name)
  return named.length ? `its stages: ${named.join(', ')}` : 'it has no named stage (FROM image AS name)'
}

export function resolveBuild(req: BuildRequest): ResolvedBuild {
  const {service, root, io, src} = req
  const b = normalizeBuild(req.spec)
  const context = path.resolve(root, b.context)
  if (!io.exists(context)) {
    throw new ConfigError(`build context "${b.context}" of service "${service}" does not exist (${context})`, src.locate(req.where), {
      hints: ['Fix the path (it is relative to berth.yml), or remove build: to use an image.'],
    })
  }
  const dockerfile = path.resolve(context, b.dockerfile ?? 'Dockerfile')
  if (!io.exists(dockerfile)) {
    throw new ConfigError(`service "${service}": no Dockerfile at ${dockerfile}`, src.locate(req.where))
  }
  const stages = readStages(io, dockerfile)
  let target = b.target
  if (target !== undefined && stages && !targetStage(stages, target)) {
    const at = typeof req.spec === 'string' ? req.where : [...req.where, 'target']
    throw new ConfigError(`service "${service}": build.target "${target}" is not a stage of ${path.relative(root, dockerfile) || dockerfile} (${stageNames(stages)})`, src.locate(at), {
      hints: [`Name a stage the Dockerfile declares with FROM ... AS ${target}, or remove build.target to build ${req.mode === 'prod' ? `its ${PRODUCTION_STAGE} stage, or else ` : ''}its last stage.`],
    })
  }
  if (target === undefined && req.mode === 'prod' && stages && targetStage(stages, PRODUCTION_STAGE)) target = PRODUCTION_STAGE
  const build: BuildSpec = {context: escapeDollars(context), ...(b.dockerfile ? {dockerfile: escapeDollars(b.dockerfile)} : {}), ...(target ? {target} : {})}
  const args: Record<string, unknown> = {}
  if (typeof req.baseImage === 'string') args.BASE_IMAGE = resolveImage(req.baseImage, req.imageOptions)
  Object.assign(args, b.args)
  build.args = args as BuildSpec['args']
  const stage = stages && targetStage(stages, target)
  return {build, ...(stages ? {user: stage ? (stageUser(stages, stage) ?? null) : null} : {})}
}
