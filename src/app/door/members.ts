/** Which containers a front door routes: found by labels, attached to the door's network under door aliases. */
import {LABEL} from '../../core/naming.js'
import type {ContainerInfo, EnginePort} from '../ports.js'

export const COMPOSE_PROJECT = 'com.docker.compose.project'

export function stackOf(c: ContainerInfo): string {
  return c.Labels?.[COMPOSE_PROJECT] ?? c.Labels?.[LABEL.stack] ?? ''
}

/** The stack containers routed through a door (the door itself excluded). */
export async function routed(engine: Pick<EnginePort, 'containers'>, door: string, all = false): Promise<ContainerInfo[]> {
  return (await engine.containers({[LABEL.door]: door}, all)).filter((c) => c.Labels?.[LABEL.role] !== 'door')
}

export function attachedTo(c: ContainerInfo, network: string): boolean {
  return Boolean(c.NetworkSettings?.Networks?.[network])
}
