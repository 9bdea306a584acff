/**
 * An inspector on demand, for a service started without one (qa, stage, inspector: false): berth finds the
 * app's Node process in the container and sends it SIGUSR1 (runtime/open-inspector.cjs), then bridges a
 * 127.0.0.1 port on the host to the container's 127.0.0.1:9229 through docker exec (runtime/inspector-relay.cjs).
 */
import {BerthError, ExitCode} from '../../core/errors.js'
import {LABEL} from '../../core/naming.js'
import {INSPECTOR_PORT} from '../../core/render.js'
import type {Bridge, ContainerInfo, Deps} from '../ports.js'
import {containerName} from './targets.js'

/** Open the inspector of a running container's app on demand and bridge it to 127.0.0.1:port on the host. */
export async function openOnDemand(deps: Pick<Deps, 'engine' | 'reporter' | 'debug' | 'install'>, container: ContainerInfo, port: number): Promise<Bridge> {
  const {engine, reporter} = deps
  const name = containerName(container)
  const service = container.Labels?.[LABEL.service] ?? name
  let res: {code: number; stdout: string; stderr: string}
  try {
    res = await engine.execCapture(container.Id, ['node', '-e', deps.install.runtimeScript('open-inspector.cjs'), String(INSPECTOR_PORT)])
  } catch (error) {
    throw new BerthError(`cannot run node in ${name} to open its inspector: ${(error as Error).message}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['berth opens an inspector on demand with node inside the container; restart the service in dev (berth up) to get one from the start.'],
    })
  }
  let info: {error?: string; pid?: number; cmd?: string; already?: boolean}
  try {
    info = JSON.parse(res.stdout)
  } catch {
    throw new BerthError(`cannot open the inspector of ${service}: ${(res.stderr || res.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${res.code}`}`, {
      exitCode: ExitCode.DOCKER,
      hints: ['The container needs node on its PATH (any Node.js image has it).'],
    })
  }
  if (info.error) {
    throw new BerthError(`cannot open the inspector of ${service}: ${info.error}`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: [
        'A process started with --disable-sigusr1 or running as another user cannot be signalled; run it in dev (berth up) where the inspector is on from the start.',
        `Or start it with the inspector yourself: NODE_OPTIONS=--inspect=127.0.0.1:${INSPECTOR_PORT} in the service's env.`,
      ],
    })
  }
  reporter.step(info.already ? `The inspector of ${service} is already open inside ${name}` : `Opened the inspector of ${service} (pid ${info.pid}: ${info.cmd}) with SIGUSR1`)

  const relay = deps.install.runtimeScript('inspector-relay.cjs')
  return deps.debug.listenLoopback(port, (socket) => {
    engine
      .execPipe(container.Id, ['node', '-e', relay, String(INSPECTOR_PORT)], socket, socket)
      .catch(() => undefined)
      .finally(() => socket.destroy())
  })
}
