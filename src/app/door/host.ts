/**
 * The host-mode front door (src/core/door-mode.ts): choosing the mode for this engine, and handing the
 * door its route table (each routed service's address on the door network), since in the host's network
 * namespace it cannot ask Docker's DNS for the door aliases. The table is written into the door's
 * container by `docker exec` (argv, no shell text from outside) and read by the door on SIGHUP.
 */
import {DOOR_ROUTES_LABEL, type DoorSpec} from '../../core/door.js'
import {chooseDoorMode, DOOR_MODE_LABEL, DOOR_TABLE_FILE, doorTable, modeWithoutEngine, type DoorMode, type ModeChoice} from '../../core/door-mode.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import {LABEL} from '../../core/naming.js'
import type {Deps, EnginePort} from '../ports.js'

type ModeDeps = Pick<Deps, 'engine' | 'env' | 'machine'>

const chosen = new WeakMap<EnginePort, Promise<ModeChoice>>()

/** The door mode for this engine: BERTH_DOOR_MODE, else host for a local Linux engine, else published. */
export function doorMode(deps: ModeDeps): Promise<ModeChoice> {
  let choice = chosen.get(deps.engine)
  if (!choice) {
    choice = decide(deps)
    chosen.set(deps.engine, choice)
  }
  return choice
}

async function decide({engine, env, machine}: ModeDeps): Promise<ModeChoice> {
  const local = {forced: env.BERTH_DOOR_MODE || undefined, platform: machine.platform, endpoint: engine.endpoint(), hostname: machine.hostname, release: machine.release}
  let early: ModeChoice | undefined
  try {
    early = modeWithoutEngine(local)
  } catch (error) {
    throw new BerthError((error as Error).message, {exitCode: ExitCode.CONFIG, hints: ['Unset it to let berth choose (host on a local Linux engine, else published).']})
  }
  if (early) return early
  const info = await engine.info()
  return chooseDoorMode({...local, engine: {operatingSystem: info.OperatingSystem, name: info.Name, kernelVersion: info.KernelVersion, securityOptions: info.SecurityOptions}})
}

/** Published: Docker publishes the door's ports from its own network. Host: the door listens itself. */
export function doorNetworking(spec: DoorSpec, mode: DoorMode): {ExposedPorts?: Record<string, object>; HostConfig: Record<string, unknown>} {
  const common = {Init: true, RestartPolicy: {Name: 'unless-stopped'}}
  if (mode === 'host') return {HostConfig: {...common, NetworkMode: 'host'}}
  const exposed = Object.fromEntries(spec.routes.map((r) => [`${r.listen}/tcp`, {}]))
  const bindings = Object.fromEntries(spec.routes.map((r) => [`${r.listen}/tcp`, [{HostIp: r.bind, HostPort: String(r.listen)}]]))
  return {ExposedPorts: exposed, HostConfig: {...common, PortBindings: bindings, NetworkMode: spec.name}}
}

/** The mode a door container runs in (its label; a door made before modes existed is published). */
export function modeOf(labels: Record<string, string> | undefined): DoorMode {
  return labels?.[DOOR_MODE_LABEL] === 'host' ? 'host' : 'published'
}

/**
 * Give a host-mode door the addresses of the containers attached to its network now (the routed stack),
 * then SIGHUP: it drops the connections whose target changed. A published door needs none (it uses DNS):
 * false, nothing done.
 */
export async function syncDoorTable(engine: EnginePort, door: string): Promise<boolean> {
  const info = await engine.inspectContainer(door).catch(() => undefined)
  if (!info || modeOf(info.Config?.Labels) !== 'host') return false
  if (!info.State?.Running || info.State.Restarting) {
    // It stops at start when it cannot listen: a port taken since berth checked them.
    throw new BerthError(`berth's front door ${door} is not running (exit code ${info.State?.ExitCode ?? '?'})`, {
      exitCode: ExitCode.DOCKER,
      hints: [`See why: docker logs ${door}`, 'If a port is taken, free it (berth up names who holds it) and run berth up again.'],
    })
  }
  const routes = JSON.parse(info.Config?.Labels?.[DOOR_ROUTES_LABEL] ?? '[]') as Array<{service: string}>
  const attached = (await engine.containers({[LABEL.door]: door}, false))
    .filter((c) => c.Labels?.[LABEL.role] !== 'door')
    .map((c) => ({service: c.Labels?.[LABEL.service] ?? '', ip: c.NetworkSettings?.Networks?.[door]?.IPAddress || undefined}))
  const table = JSON.stringify(doorTable(routes.map((r) => r.service), attached))
  const argv = ['sh', '-c', 'printf %s "$1" > "$2.tmp" && mv "$2.tmp" "$2"', 'berth-door-table', table, DOOR_TABLE_FILE]
  // Normally ~0.1 s; an engine starved of CPU can take much longer to start an exec: be patient, try twice.
  const write = () => engine.execCapture(info.Id, argv, 60_000).catch((error: Error) => ({code: -1, stdout: '', stderr: error.message}))
  let wrote = await write()
  if (wrote.code !== 0) wrote = await write()
  if (wrote.code !== 0) {
    throw new BerthError(`cannot give the front door ${door} its routes (${wrote.stderr.trim() || `exit ${wrote.code}`})`, {
      exitCode: ExitCode.DOCKER,
      hints: ['Run berth up again; or use the published door: BERTH_DOOR_MODE=published berth up'],
    })
  }
  await engine.signalContainer(info.Id, 'SIGHUP').catch(() => undefined)
  return true
}
