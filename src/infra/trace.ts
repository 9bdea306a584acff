/** Timed debug lines on stderr, only with --debug or BERTH_DEBUG=1 (like the commands ComposeCli runs). */
export function trace(message: string): void {
  if (process.env.BERTH_DEBUG === '1') process.stderr.write(`[berth +${(performance.now() / 1000).toFixed(3)}s] ${message}\n`)
}
