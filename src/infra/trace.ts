import {appendFileSync} from 'node:fs'

/**
 * Timed debug lines: on stderr with --debug or BERTH_DEBUG=1 (like the commands ComposeCli runs), and appended to
 * the file BERTH_TRACE_FILE names (whatever BERTH_DEBUG says): a record of where a berth that hung or was killed
 * got to, without changing its output. The tests' harness reads it when a berth runs past its time. `fileOnly`: a
 * line too many for --debug on a terminal (each engine call), kept for the file.
 */
export const tracing = (): boolean => process.env.BERTH_DEBUG === '1' || Boolean(process.env.BERTH_TRACE_FILE)

export function trace(message: string, options: {fileOnly?: boolean} = {}): void {
  const file = process.env.BERTH_TRACE_FILE
  const toStderr = process.env.BERTH_DEBUG === '1' && !options.fileOnly
  // Called on every step and watch change: nothing is formatted when no one reads it.
  if (!file && !toStderr) return
  const line = `[berth +${(performance.now() / 1000).toFixed(3)}s] ${message}\n`
  if (toStderr) process.stderr.write(line)
  if (file) {
    try {
      appendFileSync(file, `${process.pid} ${line}`)
    } catch {
      // A record that cannot be written is no reason for the command to fail.
    }
  }
}
