/**
 * A remote engine: berth runs qa and stage there, never dev. A source bind mount names a folder of this
 * machine, which the engine's machine does not have (dev on a remote engine is out of berth's scope).
 */
import {BerthError, ExitCode} from '../core/errors.js'
import {isPlainObject} from '../core/merge.js'
import type {RenderResult} from '../core/render.js'
import type {Deps} from './ports.js'

/**
 * Remote: an engine reached over tcp:// or ssh://, or one chosen by name (--context, DOCKER_CONTEXT) that is
 * not the local default socket. A context chosen in ~/.docker/config.json alone (Docker Desktop, colima) is
 * this machine's.
 */
export function remoteEngine(deps: Pick<Deps, 'engine' | 'env'>): string | undefined {
  const endpoint = deps.engine.endpoint()
  if (!endpoint) return undefined
  if (/^(tcp|ssh|https?):/.test(endpoint)) return endpoint
  const named = deps.env.DOCKER_CONTEXT && deps.env.DOCKER_CONTEXT !== 'default'
  return named && endpoint !== 'unix:///var/run/docker.sock' ? `${endpoint} (docker context ${deps.env.DOCKER_CONTEXT})` : undefined
}

export function refuseBindMountsOnRemote(result: RenderResult, deps: Pick<Deps, 'engine' | 'env'>): void {
  const remote = remoteEngine(deps)
  if (!remote) return
  const setups = new Set(result.services.filter((s) => s.role === 'setup').map((s) => s.name))
  for (const [name, service] of Object.entries(result.compose.services as Record<string, Record<string, unknown>>)) {
    if (setups.has(name)) continue
    const bind = ((service.volumes as unknown[]) ?? []).find((m) => (isPlainObject(m) ? m.type === 'bind' : typeof m === 'string' && /^[./~]/.test(m)))
    if (!bind) continue
    const where = isPlainObject(bind) ? String(bind.source) : String(bind).split(':')[0]
    throw new BerthError(`service "${name}": a bind mount (${where}) cannot go to the remote engine at ${remote}: it names a folder of this machine${result.env.mode === 'dev' ? `; ${result.env.name} is a dev environment, and dev on a remote engine is out of berth's scope` : ''}`, {
      exitCode: ExitCode.CONFIG,
      hints: [result.env.mode === 'dev' ? `Run dev on this machine (without --context), and qa or stage there: berth up qa --context NAME.` : 'Use a named volume, or bake the files into the image.'],
    })
  }
}
