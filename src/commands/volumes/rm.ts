import {Args, Flags} from '@oclif/core'
import {removeBranchVolumes} from '../../app/volumes/remove.js'
import {BaseCommand} from '../../cli/base.js'

export default class VolumesRm extends BaseCommand<typeof VolumesRm> {
  static override summary = "Remove a branch's data volumes (asks first)."
  static override description =
    "Removes the data volumes of BRANCH in every environment, after listing them and asking (or with --yes). Shared and cache volumes are never touched. A running stack using them must be stopped first (berth down)."
  static override examples = ['<%= config.bin %> <%= command.id %> feat/old', '<%= config.bin %> <%= command.id %> feat/old --yes']
  static override args = {
    branch: Args.string({description: 'The branch whose data volumes to remove.', required: true}),
  }
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(VolumesRm)
    const deps = await this.deps(this.reporter(flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await removeBranchVolumes(project, args.branch, {yes: flags.yes}, deps)
    if (flags.json) return this.printJson({branch: args.branch, removed: result.removed, declined: result.declined})
    if (result.volumes.length === 0) deps.reporter.info(`Branch ${JSON.stringify(args.branch)} has no data volumes.`)
    else if (result.declined) deps.reporter.info('Nothing removed.')
    else deps.reporter.info(`Removed ${result.removed.length} volume(s).`)
  }
}
