/** The stack model: berth.yml as typed data, after schema validation. */

export type Mode = 'dev' | 'prod'
export type VolumeKind = 'data' | 'shared' | 'cache'
export type EnvValue = string | number | boolean | null
/** Where a service's image comes from in prod mode: its build: folder, or a registry (image: as it is). */
export type ImageFrom = 'registry' | 'build'

export interface BuildSpec {
  context: string
  dockerfile?: string
  target?: string
  args?: Record<string, EnvValue>
}

export interface VolumeSpec {
  path: string
  kind?: VolumeKind
  seed?: 'base' | 'empty'
  key?: string | string[]
  modes?: Mode[]
}

/** A mount that is not a berth volume: a host path (bind), a Compose volume declared under compose:, or a tmpfs. */
export interface MountSpec {
  type?: 'bind' | 'volume' | 'tmpfs'
  /** bind: a host path, relative to berth.yml; volume: a volume under the top-level compose: volumes. */
  source?: string
  read_only?: boolean
}

/** Fixed host ports of a service's https front door (instead of its app port + 443 and + 80). */
export interface TlsSpec {
  https_port?: number
  http_port?: number
}

/** CPU and memory limits of a container (deploy.resources.limits in Compose). */
export interface LimitsSpec {
  /** CPUs, e.g. 0.5, 2 or "1.5". */
  cpus?: number | string
  /** Memory, e.g. "512m", "1g". */
  memory?: string
}

/**
 * Production-like settings: service keys, and an environment's `defaults` (applied to its app services:
 * template node, or a service with build:). A service's own keys win over the environment's defaults.
 */
export interface RuntimeSettings {
  limits?: LimitsSpec
  restart?: string
  read_only?: boolean
  tmpfs?: string[]
  /** The user the container runs as; as a default, only for images whose Dockerfile declares no USER. */
  user?: string
  replicas?: number
}

export interface EnvironmentDefaults extends RuntimeSettings {
  /** Variables for every app service (under the service's own env). */
  env?: Record<string, EnvValue>
}

export interface ServiceSpec extends RuntimeSettings {
  template?: string
  enabled?: boolean
  image?: string
  build?: string | BuildSpec
  /** prod mode: build (default with build:) or registry (image: is the reference to run). */
  image_from?: ImageFrom
  source?: string
  port?: number
  host_port?: number
  ports?: Record<string, number>
  command?: string | string[]
  env?: Record<string, EnvValue>
  env_file?: string | string[]
  depends_on?: string[]
  volumes?: Record<string, string | VolumeSpec | null>
  /** Other mounts by path in the container; a string is a bind mount's host path; null removes one. */
  mounts?: Record<string, string | MountSpec | null>
  params?: Record<string, unknown>
  /** Where the environment has tls: false leaves this service plain http; an object fixes its https and redirect ports. */
  tls?: boolean | TlsSpec
  compose?: Record<string, unknown>
}

export interface EnvironmentSpec {
  extends?: string
  description?: string
  mode?: Mode
  port_offset?: number
  bind?: string
  /** The front door terminates https for the HTTP services (with berth's local CA) and redirects http to it. */
  tls?: boolean
  /** Default image_from of the environment's services that have build:. */
  image_from?: ImageFrom
  vars?: Record<string, EnvValue>
  /** Production-like settings for every app service of the environment. */
  defaults?: EnvironmentDefaults
  services?: Record<string, ServiceSpec>
  compose?: Record<string, unknown>
}

export interface StackFile {
  name: string
  templates?: string
  base_branch?: string
  keep_warm?: number
  images?: Record<string, string>
  registry?: string
  bind?: string
  /** The Swarm target (render --target swarm, deploy). */
  swarm?: {publish?: 'ingress' | 'host' | 'door'; endpoint_mode?: 'vip' | 'dnsrr'}
  services: Record<string, ServiceSpec>
  environments?: Record<string, EnvironmentSpec>
  compose?: Record<string, unknown>
}

/** A service template (templates/services/NAME.yml). */
export interface ServiceTemplate {
  name: string
  file: string
  description?: string
  params: Record<string, unknown>
  volumes: Record<string, VolumeSpec>
  service: Record<string, unknown>
  modes: Partial<Record<Mode, Record<string, unknown>>>
  /** A one-shot container run before the service (same image and volumes), e.g. npm ci into node_modules. */
  setup?: {modes?: Mode[]; service: Record<string, unknown>}
  /** Config files mounted into the service: {KEY: {target, content | generator}} (Compose configs with content). */
  configs?: Record<string, unknown>
}

/** An environment profile (templates/environments/NAME.yml), after extends are resolved. */
export interface EnvironmentProfile {
  name: string
  description?: string
  mode: Mode
  port_offset: number
  bind?: string
  tls?: boolean
  image_from?: ImageFrom
  vars: Record<string, EnvValue>
  defaults?: EnvironmentDefaults
  services: Record<string, ServiceSpec>
  compose?: Record<string, unknown>
}

/** Everything about where a stack runs that is not in berth.yml. */
export interface StackContext {
  /** Absolute folder of berth.yml. */
  root: string
  /** git branch (null outside a git repository). */
  branch: string | null
  /** Image references to replace, already merged from env, user config and berth.yml. */
  images: Record<string, string>
  registry?: string
  /** Extra host port offset for this work tree (side-by-side worktrees). */
  worktreeOffset?: number
  /** Content hashes of cache-volume key files, by service name and volume key. */
  cacheKeys?: Record<string, Record<string, string>>
  /** berth's runtime folder (runtime/ of the package: the inspector preload), mounted into dev Node containers. */
  runtimeDir?: string
  /** The engine's API version ("1.45"): healthchecks get start_interval from 1.44 (src/core/healthcheck.ts); unknown: none. */
  engineApi?: string
  /** The npm registry for builds: NPM_REGISTRY's value (only classified, never written) and the user's .npmrc path. */
  npm?: NpmContext
}

export interface NpmContext {
  /** NPM_REGISTRY as set; berth writes only the reference ${NPM_REGISTRY}, or passes it as a secret. */
  registry?: string
  /** The user's npm config file ($NPM_CONFIG_USERCONFIG, else ~/.npmrc), used when it exists. */
  userConfig?: string
}
