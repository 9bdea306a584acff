import {Args, Flags} from '@oclif/core'
import {saveSnapshot} from '../../app/snapshots.js'
import {BaseCommand} from '../../cli/base.js'

export default class SnapshotSave extends BaseCommand<typeof SnapshotSave> {
  static override summary = "Save a named snapshot of the current branch's data volumes."
  static override description =
    "Takes a consistent snapshot of the current branch's data volumes in one environment: with copy-on-write volumes the stack is stopped for the moment it takes and restarted (no data is copied); otherwise each volume is copied with its database paused. NAME defaults to the branch and the time."
  static override examples = ['<%= config.bin %> <%= command.id %> before-migration', '<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> nightly --env qa --json']
  static override args = {
    name: Args.string({description: 'The snapshot name (letters, digits, . _ -).'}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'The environment whose data to snapshot.', default: 'dev'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(SnapshotSave)
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await saveSnapshot(project, {name: args.name, env: flags.env}, deps)
    if (flags.json) return this.printJson(result)
    process.stdout.write(`${result.snapshot.name}\n`)
    deps.reporter.info(`Saved snapshot ${result.snapshot.name} of ${result.snapshot.volumes.length} volume(s) (${result.snapshot.kind === 'layers' ? 'copy-on-write: no data copied' : 'full copies'}).`)
  }
}
