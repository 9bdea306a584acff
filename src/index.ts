/**
 * berth's command table and entry point. The build bundles this file (and everything it imports
 * statically) into dist/index.js, so start-up reads one file instead of hundreds; oclif finds the
 * commands here (the "explicit" discovery strategy in package.json).
 */
import {flush, handle, run, settings} from '@oclif/core'
import Debug from './commands/debug.js'
import Doctor from './commands/doctor.js'
import Diff from './commands/diff.js'
import Deploy from './commands/deploy.js'
import DeployStatus from './commands/deploy/status.js'
import Down from './commands/down.js'
import Exec from './commands/exec.js'
import Init from './commands/init.js'
import Logs from './commands/logs.js'
import Render from './commands/render.js'
import SnapshotLs from './commands/snapshot/ls.js'
import SnapshotRestore from './commands/snapshot/restore.js'
import SnapshotRm from './commands/snapshot/rm.js'
import SnapshotSave from './commands/snapshot/save.js'
import Status from './commands/status.js'
import Switch from './commands/switch.js'
import Undeploy from './commands/undeploy.js'
import TlsCa from './commands/tls/ca.js'
import TlsTrust from './commands/tls/trust.js'
import Up from './commands/up.js'
import VolumesClone from './commands/volumes/clone.js'
import VolumesCompact from './commands/volumes/compact.js'
import VolumesLs from './commands/volumes/ls.js'
import VolumesPrune from './commands/volumes/prune.js'
import VolumesRm from './commands/volumes/rm.js'
import Watch from './commands/watch.js'

export const COMMANDS = {
  debug: Debug,
  doctor: Doctor,
  diff: Diff,
  deploy: Deploy,
  'deploy:status': DeployStatus,
  down: Down,
  exec: Exec,
  init: Init,
  logs: Logs,
  render: Render,
  'snapshot:ls': SnapshotLs,
  'snapshot:restore': SnapshotRestore,
  'snapshot:rm': SnapshotRm,
  'snapshot:save': SnapshotSave,
  status: Status,
  switch: Switch,
  undeploy: Undeploy,
  'tls:ca': TlsCa,
  'tls:trust': TlsTrust,
  up: Up,
  'volumes:clone': VolumesClone,
  'volumes:compact': VolumesCompact,
  'volumes:ls': VolumesLs,
  'volumes:prune': VolumesPrune,
  'volumes:rm': VolumesRm,
  watch: Watch,
}

export async function main(dir: string, development = false): Promise<void> {
  if (development) {
    process.env.NODE_ENV = 'development'
    settings.debug = true
  }
  // --no-color before anything prints (oclif's help, an unknown command): as NO_COLOR=1 (see cli/base.ts).
  const args = process.argv.slice(2)
  if (args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).includes('--no-color')) process.env.NO_COLOR = '1'
  try {
    await run(args, dir)
    await flush()
  } catch (error) {
    // What the commands did not catch themselves: an unknown command, mostly. oclif's exit() is an error too.
    const e = error as Error & {oclif?: {exit?: number}}
    const unknown = /^command (\S+) not found$/.exec(e.message ?? '')
    if (unknown) return unknownCommand(unknown[1].replaceAll(':', ' '))
    if (e.oclif?.exit !== undefined && e.message?.startsWith('EEXIT')) {
      process.exitCode = e.oclif.exit
      return
    }
    await handle(e)
  }
}

/** `berth frobnicate`: one line, the closest command, exit 2. */
function unknownCommand(given: string): void {
  const commands = Object.keys(COMMANDS).map((id) => id.replaceAll(':', ' '))
  const near = closest(given, commands)
  const red = process.stderr.isTTY && !process.env.NO_COLOR ? (t: string) => `\u001B[31m${t}\u001B[39m` : (t: string) => t
  process.stderr.write(`${red('berth: error:')} unknown command "${given}"${near ? `; did you mean "${near}"?` : ''}\n  Try this: ${near ? `berth ${near} --help, or ` : ''}berth --help for the list of commands\n`)
  process.exitCode = 2
}

/** The command nearest to what was typed (edit distance), if it is near enough to be a typo. */
export function closest(given: string, commands: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({length: b.length + 1}, (_, j) => j)
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]
      row[0] = i
      for (let j = 1; j <= b.length; j++) {
        const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
        prev = row[j]
        row[j] = next
      }
    }
    return row[b.length]
  }
  const scored = commands.map((c) => ({c, d: Math.min(distance(given, c), c.startsWith(given) ? 1 : Infinity)})).sort((x, y) => x.d - y.d)
  const best = scored[0]
  return best && best.d <= Math.max(2, Math.floor(given.length / 3)) ? best.c : undefined
}
