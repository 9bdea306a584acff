/**
 * berth debug: find the inspector of each Node service of a stack (by labels), opening one on demand in a
 * service started without it (./on-demand.ts).
 */
import {devtoolsLinks, type Mount} from '../../core/debug.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import {composeProjectName, LABEL} from '../../core/naming.js'
import type {Bridge, ContainerInfo, Deps, EnginePort, InspectorTarget} from '../ports.js'
import type {Project} from '../project.js'
import {recoverIfIdle} from '../recover.js'
import {openOnDemand} from './on-demand.js'

export type {Bridge} from '../ports.js'

export interface DebugTarget {
  service: string
  container: string
  containerId: string
  host: string
  port: number
  /** The inspector target (one per Node process with an open inspector). */
  id: string
  title: string
  ws: string
  devtools: string
  chrome: string
  /** Opened on demand and reached through berth's bridge (alive while berth runs). */
  bridged: boolean
  /** Bind mounts of the container (host -> container paths). */
  mounts: Mount[]
}

async function pollTargets(deps: Pick<Deps, 'debug' | 'clock'>, host: string, port: number, waitMs: number): Promise<InspectorTarget[] | undefined> {
  const deadline = deps.clock.now() + waitMs
  for (;;) {
    try {
      const list = await deps.debug.targets(host, port)
      if (list.length > 0) return list
    } catch {
      // not listening (yet)
    }
    if (deps.clock.now() >= deadline) return undefined
    await deps.clock.sleep(150)
  }
}

export function containerName(c: ContainerInfo): string {
  return (c.Names?.[0] ?? c.Id).replace(/^\//, '')
}

/** Running app containers of the stack (one service, or every one with an inspector label). */
export async function debugContainers(project: Project, env: string, service: string | undefined, engine: Pick<EnginePort, 'containers'>): Promise<{stack: string; containers: ContainerInfo[]}> {
  const name = project.stack.value.name
  const stack = composeProjectName(name, env, project.ctx.branch)
  const containers = await engine.containers({[LABEL.project]: name, [LABEL.stack]: stack, [LABEL.role]: 'app', ...(service ? {[LABEL.service]: service} : {})}, false)
  if (service && containers.length === 0) {
    throw new BerthError(`service "${service}" of ${stack} is not running`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: [`Start it: berth up${env === 'dev' ? '' : ` ${env}`}`, 'See what runs: berth status'],
    })
  }
  const chosen = service ? containers : containers.filter((c) => c.Labels?.[LABEL.inspector])
  if (chosen.length === 0) {
    throw new BerthError(containers.length === 0 ? `nothing of ${stack} is running` : `no service of ${stack} has the Node inspector`, {
      exitCode: ExitCode.PREFLIGHT,
      hints:
        containers.length === 0
          ? [`Start the stack: berth up${env === 'dev' ? '' : ` ${env}`}`]
          : [`Name the service: berth debug SERVICE${env === 'dev' ? '' : ` --env ${env}`} (berth opens its inspector on demand)`],
    })
  }
  chosen.sort((a, b) => (a.Labels?.[LABEL.service] ?? '').localeCompare(b.Labels?.[LABEL.service] ?? ''))
  return {stack, containers: chosen}
}

export interface TargetsResult {
  stack: string
  targets: DebugTarget[]
  bridges: Bridge[]
}

/** The inspector targets of the stack's Node services (or one service), opening one on demand where needed. */
export async function debugTargets(project: Project, options: {env: string; service?: string; bridgePort?: number}, deps: Pick<Deps, 'engine' | 'reporter' | 'debug' | 'clock' | 'install' | 'state' | 'lock'>): Promise<TargetsResult> {
  await recoverIfIdle(project.stack.value.name, deps)
  const {stack, containers} = await debugContainers(project, options.env, options.service, deps.engine)
  const targets: DebugTarget[] = []
  const bridges: Bridge[] = []
  const host = '127.0.0.1'
  try {
    for (const c of containers) {
      const service = c.Labels?.[LABEL.service] ?? containerName(c)
      const labelled = Number(c.Labels?.[LABEL.inspector] ?? 0)
      let port = labelled
      let list = labelled ? await pollTargets(deps, host, labelled, 3000) : undefined
      let bridged = false
      if (!list) {
        if (labelled) deps.reporter.warn(`${service}: nothing answers on its inspector port ${host}:${labelled}; opening one on demand`)
        const bridge = await openOnDemand(deps, c, options.bridgePort ?? 0)
        bridges.push(bridge)
        port = bridge.port
        bridged = true
        list = await pollTargets(deps, host, port, 5000)
        if (!list) throw new BerthError(`the inspector of ${service} does not answer through the bridge on ${host}:${port}`, {exitCode: ExitCode.DOCKER})
      }
      for (const t of list) {
        targets.push({
          service,
          container: containerName(c),
          containerId: c.Id,
          host,
          port,
          id: t.id,
          title: t.title,
          ...devtoolsLinks(host, port, t.id, {ws: t.webSocketDebuggerUrl, devtools: t.devtoolsFrontendUrl}),
          bridged,
          mounts: (c.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => ({source: m.Source, target: m.Destination})),
        })
      }
    }
  } catch (error) {
    await Promise.all(bridges.map((b) => b.close()))
    throw error
  }
  return {stack, targets, bridges}
}
