/** Human tables for read commands (the --json output is the typed object itself). */
import Table from 'cli-table3'
import type {ServiceStatus, StackStatus} from '../app/status.js'
import {colourOn, colours} from './reporter.js'

function portsText(s: ServiceStatus): string {
  return s.ports.map((p) => `${p.host}:${p.hostPort}->${p.containerPort}${p.kind ? ` (${p.kind})` : ''}`).join(', ')
}

export function servicesTable(services: ServiceStatus[], stream: NodeJS.WriteStream = process.stdout): string {
  const c = colours(stream)
  const table = new Table({
    head: ['SERVICE', 'STATE', 'HEALTH', 'PORTS', 'URL'],
    style: {head: colourOn(stream) ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': 0},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   '},
  })
  for (const s of services.filter((x) => x.role !== 'setup')) {
    const health = s.health === 'healthy' ? c.green(s.health) : s.health === 'unhealthy' ? c.red(s.health) : s.health
    table.push([s.service, s.state, health, portsText(s), s.url ?? ''])
  }
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}

/** Routed: the ports are this stack's; paused: another branch's stack kept warm. */
function stackNote(s: StackStatus): string {
  if (s.routed) return ', ports routed here'
  if (s.services.some((x) => x.state === 'paused')) return ', paused (kept warm)'
  return ''
}

export function stacksText(stacks: StackStatus[], stream: NodeJS.WriteStream = process.stdout): string {
  const c = colours(stream)
  return stacks
    .map((s) => `${c.bold(s.stack)}  ${c.dim(`env ${s.env}, branch ${s.branch || '(no git)'}${stackNote(s)}`)}\n${servicesTable(s.services, stream)}${(s.warnings ?? []).map((w) => `\n${c.yellow('warning:')} ${w}`).join('')}`)
    .join('\n\n')
}
