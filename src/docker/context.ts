/**
 * Which engine the docker CLI (and so Compose) talks to, so that berth's engine client talks to the same
 * one. The docker CLI's own order: DOCKER_HOST, else the context named by DOCKER_CONTEXT, else the
 * config file's currentContext, else the default (the local socket). A context other than "default" is
 * read from DOCKER_CONFIG (~/.docker): contexts/meta/SHA256(name)/meta.json holds its endpoint, and
 * contexts/tls/SHA256(name)/docker/ its TLS files. Docker Desktop, colima, OrbStack and rootless Docker
 * all select their engine this way, usually without DOCKER_HOST.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {BerthError, ExitCode} from '../core/errors.js'

export interface EngineEndpoint {
  /** The docker context it comes from ("default" when DOCKER_HOST or nothing chose one). */
  context: string
  /** unix:///path, tcp://host:port, ssh://user@host; undefined: dockerode's own defaults (DOCKER_HOST or the local socket). */
  host?: string
  tls?: {ca?: string; cert?: string; key?: string}
  skipTLSVerify?: boolean
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
}

function currentContext(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_HOST) return 'default'
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT
  try {
    const config = JSON.parse(readFileSync(path.join(dockerConfigDir(env), 'config.json'), 'utf8')) as {currentContext?: string}
    return config.currentContext || 'default'
  } catch {
    return 'default' // no config file, or one that is not JSON: the CLI falls back alike
  }
}

export function resolveEngineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const context = currentContext(env)
  if (context === 'default') return {context}
  const id = createHash('sha256').update(context).digest('hex')
  const config = dockerConfigDir(env)
  let meta: {Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}}}
  try {
    meta = JSON.parse(readFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), 'utf8'))
  } catch (error) {
    throw new BerthError(`the docker context "${context}" (${env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `currentContext in ${path.join(config, 'config.json')}`}) does not exist`, {
      exitCode: ExitCode.DOCKER,
      hints: ['See the contexts there are: docker context ls; choose one with docker context use NAME (or unset DOCKER_CONTEXT).'],
      cause: error,
    })
  }
  const docker = meta.Endpoints?.docker ?? {}
  const tlsDir = path.join(config, 'contexts', 'tls', id, 'docker')
  const file = (name: string) => (existsSync(path.join(tlsDir, name)) ? readFileSync(path.join(tlsDir, name), 'utf8') : undefined)
  const tls = {ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem')}
  return {context, host: docker.Host, tls: tls.ca || tls.cert || tls.key ? tls : undefined, skipTLSVerify: docker.SkipTLSVerify}
}

/** dockerode's constructor options for an endpoint (undefined: its defaults). */
export function dockerodeOptions(endpoint: EngineEndpoint): Record<string, unknown> | undefined {
  if (!endpoint.host) return undefined
  const url = new URL(endpoint.host)
  switch (url.protocol) {
    case 'unix:':
      return {socketPath: url.pathname}
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const secure = url.protocol === 'https:' || Boolean(endpoint.tls)
      return {
        protocol: secure ? 'https' : 'http',
        host: url.hostname,
        port: Number(url.port) || (secure ? 2376 : 2375),
        ...(endpoint.tls ?? {}),
        ...(endpoint.skipTLSVerify ? {rejectUnauthorized: false} : {}),
      }
    }
    case 'ssh:':
      return {protocol: 'ssh', host: url.hostname, port: Number(url.port) || 22, username: decodeURIComponent(url.username) || undefined}
    default:
      throw new BerthError(`the docker context "${endpoint.context}" points at ${endpoint.host}, which berth cannot reach (only unix://, tcp:// and ssh://)`, {
        exitCode: ExitCode.DOCKER,
        hints: ['Set DOCKER_HOST to the engine\'s address, or choose another context: docker context use NAME.'],
      })
  }
}

/** Where the engine is, as the user would recognise it (for messages). */
export function describeEndpoint(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv = process.env): string {
  if (endpoint.context !== 'default') return `${endpoint.host ?? '(no host)'} (docker context ${endpoint.context})`
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock'
}
