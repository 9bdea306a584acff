/** berth doctor's human output: one aligned line per check, each problem followed by its exact fix. */
import type {DoctorReport} from '../app/doctor.js'
import {colours} from './reporter.js'

export function doctorText(report: DoctorReport, stream: NodeJS.WriteStream = process.stdout): string {
  const c = colours(stream)
  const mark = {ok: c.green('ok  '), warn: c.yellow('warn'), fail: c.red('FAIL')}
  const width = Math.max(...report.checks.map((x) => x.id.length))
  const lines: string[] = []
  for (const x of report.checks) {
    lines.push(`${mark[x.level]}  ${x.id.padEnd(width)}  ${x.summary}`)
    if (x.fix) lines.push(`${' '.repeat(width + 8)}${c.dim('fix:')} ${x.fix}`)
  }
  const failures = report.checks.filter((x) => x.level === 'fail').length
  const warnings = report.checks.filter((x) => x.level === 'warn').length
  const counts = [failures ? `${failures} failed` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ')
  lines.push('', failures ? c.red(`Not ready: ${counts} (exit ${report.exitCode}).`) : warnings ? c.yellow(`Ready, with ${counts}.`) : c.green('Ready: every check passed.'))
  return lines.join('\n')
}
