import {Args, Flags} from '@oclif/core'
import {restoreSnapshot} from '../../app/snapshots.js'
import {BaseCommand} from '../../cli/base.js'

export default class SnapshotRestore extends BaseCommand<typeof SnapshotRestore> {
  static override summary = "Put a snapshot back onto the current branch's data volumes (asks first)."
  static override description =
    "Stops the stack, puts the snapshot's data back into the branch's volumes of the same services (what they hold now is lost: it asks first, and without a terminal needs --yes), and starts the stack again if it was up."
  static override examples = ['<%= config.bin %> <%= command.id %> before-migration', '<%= config.bin %> <%= command.id %> before-migration --yes']
  static override args = {
    name: Args.string({description: 'The snapshot to restore (berth snapshot ls).', required: true}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'The environment whose data to restore.', default: 'dev'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(SnapshotRestore)
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await restoreSnapshot(project, {name: args.name, env: flags.env, yes: flags.yes}, deps)
    if (flags.json) return this.printJson(result)
    deps.reporter.info(result.declined ? 'Nothing restored.' : `Restored snapshot ${result.snapshot.name}.`)
  }
}
