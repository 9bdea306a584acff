/**
 * Checks before `up` changes anything: the engine answers, Compose v2 is there, every host port is free
 * (or already held by this very stack).
 */
import {BerthError, ExitCode} from '../core/errors.js'
import type {PortBinding} from '../core/render.js'
import type {ComposeCli} from '../docker/compose.js'
import type {Engine} from '../docker/engine.js'

export interface PortProbe {
  canBind(host: string, port: number): Promise<boolean>
  describeListener(port: number): string | undefined
}

export async function checkDocker(engine: Engine, compose: ComposeCli): Promise<void> {
  // The engine first: with no engine, "compose is missing" would be the wrong advice.
  await engine.ping()
  await compose.version()
}

export async function checkPorts(ports: PortBinding[], stack: string, engine: Engine, probe: PortProbe): Promise<void> {
  const seen = new Map<number, PortBinding>()
  for (const p of ports) {
    const other = seen.get(p.host)
    if (other) {
      throw new BerthError(`host port ${p.host} is used twice in this stack (services ${other.service} and ${p.service})`, {
        exitCode: ExitCode.CONFIG,
        hints: ['Give one of them another host_port in berth.yml.'],
      })
    }
    seen.set(p.host, p)
  }
  for (const p of ports) {
    const holders = await engine.containersPublishing(p.host)
    if (holders.some((c) => c.Labels?.['com.docker.compose.project'] === stack)) continue
    const foreign = holders[0]
    if (foreign) {
      const name = (foreign.Names?.[0] ?? foreign.Id).replace(/^\//, '')
      const owner = foreign.Labels?.['dev.berth.stack'] ? ` (berth stack ${foreign.Labels['dev.berth.stack']})` : foreign.Labels?.['com.docker.compose.project'] ? ` (Compose project ${foreign.Labels['com.docker.compose.project']})` : ''
      throw portTaken(p, `container ${name}${owner}`)
    }
    if (!(await probe.canBind(p.bind, p.host))) throw portTaken(p, probe.describeListener(p.host) ?? 'another process')
  }
}

function portTaken(p: PortBinding, holder: string): BerthError {
  return new BerthError(`port ${p.host} on ${p.bind} (service ${p.service}) is already in use by ${holder}`, {
    exitCode: ExitCode.PREFLIGHT,
    hints: [`Stop ${holder}, or publish ${p.service} elsewhere: set host_port under services.${p.service} in berth.yml, or BERTH_PORT_OFFSET=1000 for every port.`],
  })
}
