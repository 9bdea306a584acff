import {Flags} from '@oclif/core'
import {listVolumes} from '../../app/volumes/list.js'
import {BaseCommand} from '../../cli/base.js'
import {formatBytes} from '../../core/branches.js'

export default class VolumesLs extends BaseCommand<typeof VolumesLs> {
  static override summary = "List the project's volumes: per-branch data, shared and cache."
  static override description =
    'Every volume berth created for this project, with its branch, the bytes it holds of its own (a copy-on-write branch volume: what the branch changed) and the shared layers it stands on, whether git still has the branch, and when a stack last used it. Volumes of branches git no longer has can be removed with berth volumes prune.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    'no-size': Flags.boolean({summary: 'Skip measuring sizes (faster on big volumes).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(VolumesLs)
    const deps = await this.deps()
    const project = await this.project(flags.dir, deps)
    const volumes = await listVolumes(project, deps, {sizes: !flags['no-size']})
    if (flags.json) {
      this.printJson({project: project.stack.value.name, branch: project.ctx.branch, volumes})
      return
    }
    if (volumes.length === 0) {
      process.stderr.write(`Project ${project.stack.value.name} has no volumes yet. berth up creates them.\n`)
      return
    }
    // cli-table3 is loaded only when a table is printed (not on every start-up).
    const {default: Table} = await import('cli-table3')
    const table = new Table({
      head: ['KIND', 'BRANCH', 'ENV', 'SERVICE', 'OWN', 'SHARED', 'IN GIT', 'LAST USED', 'VOLUME'],
      style: {head: [], border: []},
      chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  '},
    })
    for (const v of volumes) {
      const branch = v.kind === 'data' ? `${v.branch}${v.current ? ' *' : ''}` : '-'
      const inGit = v.branchInGit === null ? '-' : v.branchInGit ? 'yes' : 'no'
      const shared = v.layers.length ? `${formatBytes(v.sharedSize ?? undefined)} (${v.layers.length} layer${v.layers.length > 1 ? 's' : ''})` : '-'
      table.push([v.kind, branch, v.env || '-', `${v.service}:${v.key}`, formatBytes(v.size ?? undefined), shared, inGit, v.lastUsed?.replace(/\.\d+Z$/, 'Z') ?? '-', v.volume])
    }
    process.stdout.write(`${table.toString().split('\n').map((l) => l.trimEnd().replace(/^ /, '')).join('\n')}\n`)
  }
}
