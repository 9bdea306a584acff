/**
 * Which berth template a Compose service becomes, and what the import needs to know of each template
 * (its image, default port, volumes, whether it has a healthcheck). Pure: the files' text is handed in.
 */
import path from 'node:path'
import {isPlainObject} from '../merge.js'
import {imageRepo} from './normalize.js'
import type {Plain} from './compose-file.js'

export interface TemplateInfo {
  name: string
  image?: string
  port?: number
  /** Volume key to path in the container. */
  volumes: Record<string, string>
  healthcheck: boolean
}

/** Templates an image's repository name maps onto, when the template is installed. */
const BY_IMAGE: Record<string, string> = {
  node: 'node',
  postgres: 'postgres',
  redis: 'redis',
  mysql: 'mysql',
  mariadb: 'mariadb',
  mongo: 'mongo',
  nginx: 'nginx',
  rabbitmq: 'rabbitmq',
  mailpit: 'mailpit',
  minio: 'minio',
}

export const KNOWN_TEMPLATES = [...new Set(Object.values(BY_IMAGE)), 'generic']

/** A template file's value (templates/services/NAME.yml) as TemplateInfo. */
export function templateInfo(name: string, value: unknown): TemplateInfo {
  const raw = isPlainObject(value) ? value : {}
  const params = isPlainObject(raw.params) ? raw.params : {}
  const volumes: Record<string, string> = {}
  for (const [key, v] of Object.entries(isPlainObject(raw.volumes) ? raw.volumes : {})) {
    if (isPlainObject(v) && typeof v.path === 'string') volumes[key] = v.path
  }
  const service = isPlainObject(raw.service) ? raw.service : {}
  return {
    name,
    image: typeof params.image === 'string' ? params.image : undefined,
    port: typeof params.port === 'number' ? params.port : undefined,
    volumes,
    healthcheck: isPlainObject(service.healthcheck),
  }
}

/** The first FROM image and the CMD of a Dockerfile's text (its last stage's CMD). */
export function dockerfileFacts(text: string): {from?: string; cmd?: string | string[]} {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
  let from: string | undefined
  let cmd: string | string[] | undefined
  const args: Record<string, string> = {}
  for (const line of lines) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(line)
    if (!m) continue
    const [, word, rest] = [m[0], m[1].toUpperCase(), m[2].trim()]
    if (word === 'ARG') {
      const a = /^(\w+)=(\S+)/.exec(rest)
      if (a) args[a[1]] = a[2].replace(/^["']|["']$/g, '')
    } else if (word === 'FROM' && from === undefined) {
      from = rest.split(/\s+/).find((w) => !w.startsWith('--'))?.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '')
    } else if (word === 'CMD') {
      cmd = rest.startsWith('[') ? jsonList(rest) ?? rest : rest
    }
  }
  return {from, cmd}
}

function jsonList(text: string): string[] | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined
  } catch {
    return undefined
  }
}

export interface TemplateChoice {
  template: TemplateInfo
  why: string
  /** For a built node service: the Dockerfile's base image and CMD. */
  dockerfile?: {from?: string; cmd?: string | string[]}
}

/**
 * The template for a service: by its image's name, or node for a build whose context has a package.json
 * (and a Dockerfile that is not FROM another runtime); generic otherwise.
 */
export function chooseTemplate(
  svc: Plain,
  templates: Map<string, TemplateInfo>,
  contextDir: string | undefined,
  io: {exists(p: string): boolean; read(p: string): string | undefined},
): TemplateChoice {
  const generic = templates.get('generic') ?? {name: 'generic', volumes: {}, healthcheck: false}
  const build = svc.build
  if (build !== undefined && contextDir !== undefined) {
    const dockerfileName = isPlainObject(build) && typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile'
    const text = io.read(path.resolve(contextDir, dockerfileName))
    const facts = text === undefined ? {} : dockerfileFacts(text)
    const node = templates.get('node')
    const fromNode = facts.from === undefined || imageRepo(facts.from) === 'node'
    if (node && fromNode && io.exists(path.join(contextDir, 'package.json'))) {
      return {template: node, why: 'a build with a package.json', dockerfile: facts}
    }
    return {template: generic, why: 'a build'}
  }
  if (typeof svc.image === 'string' && !svc.image.includes('$')) {
    const name = BY_IMAGE[imageRepo(svc.image)]
    const template = name ? templates.get(name) : undefined
    if (template) return {template, why: `image ${svc.image}`}
  }
  return {template: generic, why: typeof svc.image === 'string' ? `image ${svc.image}, no template of its own` : 'no image'}
}
