import {Flags} from '@oclif/core'
import {listSnapshots} from '../../app/snapshots.js'
import {BaseCommand} from '../../cli/base.js'

export default class SnapshotLs extends BaseCommand<typeof SnapshotLs> {
  static override summary = "List the project's snapshots."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(SnapshotLs)
    const deps = await this.deps()
    const project = await this.project(flags.dir, deps)
    const snapshots = await listSnapshots(project, deps)
    if (flags.json) return this.printJson({project: project.stack.value.name, snapshots})
    if (snapshots.length === 0) {
      process.stderr.write(`Project ${project.stack.value.name} has no snapshots. berth snapshot save NAME makes one.\n`)
      return
    }
    const {default: Table} = await import('cli-table3')
    const table = new Table({
      head: ['NAME', 'BRANCH', 'ENV', 'TAKEN', 'KIND', 'VOLUMES'],
      style: {head: [], border: []},
      chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  '},
    })
    for (const s of snapshots) table.push([s.name, s.branch, s.env, s.createdAt.replace(/\.\d+Z$/, 'Z'), s.kind === 'layers' ? 'copy-on-write' : 'copy', s.volumes.map((v) => `${v.service}:${v.key}`).join(', ')])
    process.stdout.write(`${table.toString().split('\n').map((l) => l.trimEnd().replace(/^ /, '')).join('\n')}\n`)
  }
}
