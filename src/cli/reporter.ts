/**
 * Progress and messages for people, on stderr; results go to stdout. Colour only on a terminal
 * (and never with NO_COLOR). Use cases receive a Reporter and never write to the terminal themselves.
 */
import type {Reporter} from '../app/ports.js'
import {trace} from '../infra/trace.js'
export type {Reporter} from '../app/ports.js'

/** Whether colours (and bold) go to this stream: a terminal, NO_COLOR (or --no-color) not set, TERM not dumb. */
export function colourOn(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'
}

export function colours(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env) {
  const on = colourOn(stream, env)
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001B[${open}m${s}\u001B[${close}m` : s)
  return {bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39)}
}

export function stderrReporter(options: {quiet?: boolean} = {}): Reporter {
  const c = colours(process.stderr)
  const tty = Boolean(process.stderr.isTTY) && !options.quiet
  // The live block (berth up's services): cursor moves on a terminal only (allowed with NO_COLOR: no colours in it).
  const block = tty && process.env.TERM !== 'dumb' ? liveBlock(process.stderr) : undefined
  const out = (s: string) => (block ? block.around(() => process.stderr.write(s)) : process.stderr.write(s))
  const write = (s: string) => out(s.endsWith('\n') ? s : `${s}\n`)
  return {
    tty,
    step: (m) => {
      trace(`step: ${m}`, {fileOnly: true})
      return options.quiet || write(`${c.cyan('›')} ${m}${process.env.BERTH_DEBUG === '1' ? c.dim(` (+${(performance.now() / 1000).toFixed(3)}s)`) : ''}`)
    },
    info: (m) => options.quiet || write(m),
    warn: (m) => write(`${c.yellow('warning:')} ${m}`),
    passthrough: (chunk) => options.quiet || out(typeof chunk === 'string' ? chunk : chunk.toString('utf8')),
    trace,
    ...(block ? {live: (lines: string[]) => block.draw(lines), endLive: () => block.end()} : {}),
  }
}

/**
 * Lines redrawn in place at the bottom of a terminal: each draw moves the cursor up over the last one and
 * clears to the end of the screen. Lines are cut to the terminal's width (a wrapped line would throw the
 * count off). Other output meanwhile is written above the block, which is then drawn again.
 */
export function liveBlock(stream: NodeJS.WriteStream) {
  let drawn = 0
  let last: string[] = []
  const erase = () => {
    if (drawn) stream.write(`\u001B[${drawn}F\u001B[J`)
    drawn = 0
  }
  const paint = (lines: string[]) => {
    const width = Math.max(20, (stream.columns || 80) - 1)
    const text = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l))
    if (text.length) stream.write(`${text.join('\n')}\n`)
    drawn = text.length
  }
  return {
    draw(lines: string[]) {
      if (drawn && lines.length === last.length && lines.every((l, i) => l === last[i])) return
      last = lines
      erase()
      paint(lines)
    },
    /** Write something else while the block is shown: above it. */
    around<T>(write: () => T): T {
      if (!drawn) return write()
      erase()
      const r = write()
      paint(last)
      return r
    },
    end() {
      drawn = 0
      last = []
    },
  }
}

export const silentReporter: Reporter = {tty: false, step() {}, info() {}, warn() {}, passthrough() {}}
