/**
 * Rendering's shapes: what a render is asked (RenderRequest) and answers (RenderResult), and the state the
 * stack's render and each service's render share (src/core/render.ts and its parts render-ports, render-mounts).
 */
import type {DoorSpec} from './door.js'
import type {RegistryImage} from './image-source.js'
import type {EnvironmentProfile, EnvironmentSpec, Mode, ServiceSpec, ServiceTemplate, StackContext, StackFile, VolumeKind} from './model.js'
import type {Scope} from './placeholders.js'
import type {PathSegment, SourceDoc} from './source.js'
import type {Loaded} from './templates.js'

export const DEFAULT_TEMPLATE = 'generic'
export const DEFAULT_BIND = '127.0.0.1'
/** The Node inspector: this port in the container, published on 127.0.0.1 only, whatever `bind` says. */
export const INSPECTOR_PORT = 9229
export const INSPECTOR_BIND = '127.0.0.1'

export interface RenderIO {
  exists(absPath: string): boolean
  /** A content hash of these files (a missing file hashes as missing). */
  hashFiles(absPaths: string[]): string
  /** A file's text (a Dockerfile: its stages and USER); without it Dockerfiles are not read. */
  readText?(absPath: string): string
}

export interface RenderRequest {
  stack: Loaded<StackFile>
  templates: Map<string, Loaded<ServiceTemplate>>
  profiles: Map<string, Loaded<EnvironmentSpec>>
  env: string
  ctx: StackContext
  io: RenderIO
}

export interface PortBinding {
  service: string
  bind: string
  host: number
  container: number
  /** https: the door terminates TLS and proxies HTTP to the container port; redirect: it answers 308 to `https`. */
  role: 'app' | 'extra' | 'inspector' | 'https' | 'redirect'
  /** A redirect's target: the https host port of the same service. */
  https?: number
}

export interface RenderedVolume {
  /** The Docker volume name. */
  name: string
  service: string
  key: string
  kind: VolumeKind
  path: string
  seed: 'base' | 'empty'
  labels: Record<string, string>
}

export interface RenderedService {
  name: string
  template: string
  role: 'app' | 'setup'
  url?: string
}

export interface RenderResult {
  project: string
  env: EnvironmentProfile
  compose: Record<string, unknown>
  services: RenderedService[]
  volumes: RenderedVolume[]
  ports: PortBinding[]
  /** The front door that publishes `ports` and forwards them to this stack while it is the active one. */
  door: DoorSpec
  /** Services with image_from: registry (prod mode), checked by up before anything starts. */
  registryImages?: RegistryImage[]
}

export interface Located {
  spec: ServiceSpec
  /** Where each field was last set in berth.yml (for error positions). */
  where: (field: string) => PathSegment[]
}

/** What every service's render reads, and what the stack's render collects. */
export interface StackRender {
  req: RenderRequest
  file: StackFile
  src: SourceDoc
  env: EnvironmentProfile
  mode: Mode
  project: string
  bind: string
  door: string
  imageOptions: {images: Record<string, string>; registry?: string}
  baseLabels: Record<string, string>
  located: Map<string, Located>
  /** Services with the inspector (dev only), by name: the index picks each one's host port. */
  inspectable: string[]
  services: Record<string, Record<string, unknown>>
  topVolumes: Record<string, unknown>
  topConfigs: Record<string, unknown>
  rendered: RenderedService[]
  volumes: RenderedVolume[]
  ports: PortBinding[]
  healthy: Set<string>
  registryImages: RegistryImage[]
}

export interface ServiceRender {
  name: string
  spec: ServiceSpec
  where: Located['where']
  templateName: string
  template: Loaded<ServiceTemplate>
  sourceDir: string
  params: Record<string, unknown>
  scope: Scope
  /** The USER the built Dockerfile stage declares (null: none; undefined: not built or not read). */
  imageUser?: string | null
}
