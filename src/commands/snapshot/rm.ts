import {Args, Flags} from '@oclif/core'
import {removeSnapshot} from '../../app/snapshots.js'
import {BaseCommand} from '../../cli/base.js'

export default class SnapshotRm extends BaseCommand<typeof SnapshotRm> {
  static override summary = 'Remove a snapshot (asks first).'
  static override description = 'Removes the snapshot; the layers it stood on go when no branch or snapshot stands on them any more.'
  static override examples = ['<%= config.bin %> <%= command.id %> before-migration', '<%= config.bin %> <%= command.id %> before-migration --yes']
  static override args = {
    name: Args.string({description: 'The snapshot to remove.', required: true}),
  }
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(SnapshotRm)
    const deps = await this.deps(this.reporter(flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await removeSnapshot(project, {name: args.name, yes: flags.yes}, deps)
    if (flags.json) return this.printJson({name: args.name, removed: result.removed, declined: result.declined})
    deps.reporter.info(result.declined ? 'Nothing removed.' : `Removed snapshot ${args.name}.`)
  }
}
