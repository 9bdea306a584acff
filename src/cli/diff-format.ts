/** The human table of `berth diff` (the --json output is the DiffReport itself). */
import Table from 'cli-table3'
import type {DiffReport, SideInfo} from '../core/diff/compare.js'
import type {MountFact} from '../core/diff/facts.js'
import {warningLine} from '../core/diff/parity.js'
import {colours} from './reporter.js'

const NONE = '-'

function isMount(v: unknown): v is MountFact {
  return typeof v === 'object' && v !== null && 'type' in v && 'read_only' in v
}

/** A value on one line: mounts as "bind ./app (ro)", "volume db-data = NAME", lists joined, maps as JSON. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return NONE
  if (isMount(v)) return `${v.type}${v.source ? ` ${v.source}` : ''}${v.volume ? ` = ${v.volume}` : ''}${v.read_only ? ' (ro)' : ''}`
  if (Array.isArray(v)) return v.map((w) => (/[\s"]/.test(String(w)) || w === '' ? JSON.stringify(w) : String(w))).join(' ')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** An environment's name, with its branch when both sides are the same environment (`qa @ main`). */
function sideTitle(s: SideInfo, other: SideInfo, upper = false): string {
  const env = upper ? s.env.toUpperCase() : s.env
  return s.env === other.env ? `${env} @ ${s.branch ?? '(no git)'}` : env
}

export function diffText(report: DiffReport, stream: NodeJS.WriteStream = process.stdout): string {
  const c = colours(stream)
  const titleA = sideTitle(report.a, report.b)
  const titleB = sideTitle(report.b, report.a)
  const header = `${c.bold(titleA)} (${report.a.mode} mode, branch ${report.a.branch ?? '(no git)'})  vs  ${c.bold(titleB)} (${report.b.mode} mode, branch ${report.b.branch ?? '(no git)'})`
  const table = new Table({
    head: ['SERVICE', 'KEY', sideTitle(report.a, report.b, true), sideTitle(report.b, report.a, true)],
    style: {head: stream.isTTY ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': 0},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   '},
  })
  let rows = 0
  for (const s of report.services) {
    if (s.in !== 'both') {
      table.push([s.service, c.yellow('(service)'), s.in === 'a' ? 'present' : NONE, s.in === 'b' ? 'present' : NONE])
      rows++
      continue
    }
    s.changes.forEach((ch, i) => {
      const note = ch.note ? c.dim(' (name only)') : ''
      table.push([i === 0 ? s.service : '', `${ch.key}${note}`, cell(ch.a), cell(ch.b)])
      rows++
    })
  }
  const lines = [header, '']
  lines.push(rows ? table.toString().split('\n').map((l) => l.trimEnd()).join('\n') : 'No differences.')
  const setup = [...new Set([...report.setup.a, ...report.setup.b])]
  if (setup.length) lines.push('', c.dim(`Setup helpers left out: ${setup.join(', ')}`))
  if (report.warnings.length) lines.push('', ...report.warnings.map((w) => `${c.yellow('warning:')} parity: ${warningLine(w)}`))
  return lines.join('\n')
}
