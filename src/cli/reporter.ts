/**
 * Progress and messages for people, on stderr; results go to stdout. Colour only on a terminal
 * (and never with NO_COLOR). Use cases receive a Reporter and never write to the terminal themselves.
 */
import type {Reporter} from '../app/ports.js'
import {trace} from '../infra/trace.js'
export type {Reporter} from '../app/ports.js'

export function colours(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env) {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001B[${open}m${s}\u001B[${close}m` : s)
  return {bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39)}
}

export function stderrReporter(options: {quiet?: boolean} = {}): Reporter {
  const c = colours(process.stderr)
  const write = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`)
  return {
    tty: Boolean(process.stderr.isTTY) && !options.quiet,
    step: (m) => options.quiet || write(`${c.cyan('›')} ${m}${process.env.BERTH_DEBUG === '1' ? c.dim(` (+${(performance.now() / 1000).toFixed(3)}s)`) : ''}`),
    info: (m) => options.quiet || write(m),
    warn: (m) => write(`${c.yellow('warning:')} ${m}`),
    passthrough: (chunk) => options.quiet || process.stderr.write(chunk),
    trace,
  }
}

export const silentReporter: Reporter = {tty: false, step() {}, info() {}, warn() {}, passthrough() {}}
