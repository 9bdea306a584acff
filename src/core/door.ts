/**
 * The front door of a work tree's environment: one small container that holds the stable host ports
 * (8000, 5432, the inspector...) of every stack of that environment and forwards each connection to
 * the active branch's service. Branch stacks publish no host port themselves, so the stacks of several
 * branches can exist at once (one active, the others paused) and a switch moves no port.
 *
 * Pure: names, routes and the digest that says when the door must be re-created.
 */
import {createHash} from 'node:crypto'
import type {PortBinding} from './render.js'
import {projectSlug, shortHash, slug} from './naming.js'

export interface DoorRoute {
  /** Host port, and the port the door listens on inside its container. */
  listen: number
  /** Host address it is published on (127.0.0.1 unless the stack asks otherwise; always for the inspector). */
  bind: string
  /** The service routed to. */
  service: string
  /** Its name on the door network (doorAlias): what the door connects to. */
  host: string
  port: number
  role: PortBinding['role']
  /** A redirect route's target: the https host port it sends clients to. */
  https?: number
}

export interface DoorSpec {
  /** Container and network name. */
  name: string
  routes: DoorRoute[]
  /** Changes when the routes change: the door is then re-created (ports cannot change in place). */
  digest: string
}

/** PROJECT-ENV-door-HASH(root): one per project, environment and work tree (or clone). */
export function doorName(project: string, env: string, root: string): string {
  return `${projectSlug(project)}-${slug(env, 16)}-door-${shortHash(root)}`
}

export function doorSpec(project: string, env: string, root: string, ports: readonly PortBinding[]): DoorSpec {
  const routes = [...ports]
    .sort((a, b) => a.host - b.host)
    .map((p) => ({listen: p.host, bind: p.bind, service: p.service, host: doorAlias(p.service), port: p.container, role: p.role, ...(p.https ? {https: p.https} : {})}))
  // The door's protocol (what its table and routes look like) is part of the digest: a door made by an older
  // berth, which would not read a table of address lists, is replaced.
  const digest = createHash('sha256').update(`door-v${DOOR_PROTOCOL}`).update(JSON.stringify(routes)).digest('hex').slice(0, 16)
  return {name: doorName(project, env, root), routes, digest}
}

/** The services of a stack that must be reachable through the door (attached under their door aliases). */
export function routedServices(spec: DoorSpec): string[] {
  return [...new Set(spec.routes.map((r) => r.service))].sort()
}

/**
 * The name under which a service of the active stack is attached to the door network. Never the bare
 * service name: a container attached to the door network would then resolve its peers ("db") on that
 * network too, and its connections over it die when the stack is detached for a switch (a database
 * pool hangs on them) or, worse, reach another branch's service.
 */
export function doorAlias(service: string): string {
  return `berth-route-${service}`
}

/** 2: https and redirect routes, a table of address lists (replicas), round-robin. */
export const DOOR_PROTOCOL = 2
/** Label of a door with https routes: the SHA-256 fingerprint of the certificate it was given. */
export const DOOR_CERT_LABEL = 'dev.berth.door.cert'

/** The door's image before the image map (any image with Node runs runtime/door.cjs). */
export const DOOR_IMAGE = 'node:20-bookworm-slim'
export const DOOR_DIGEST_LABEL = 'dev.berth.door.digest'
export const DOOR_ROUTES_LABEL = 'dev.berth.door.routes'
/** How many other branches' stacks stay paused per environment and work tree (berth.yml keep_warm). */
export const DEFAULT_KEEP_WARM = 2
