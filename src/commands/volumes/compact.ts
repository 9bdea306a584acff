import {Args, Flags} from '@oclif/core'
import {compactBranchVolumes} from '../../app/volumes/compact.js'
import {BaseCommand} from '../../cli/base.js'

export default class VolumesCompact extends BaseCommand<typeof VolumesCompact> {
  static override summary = "Flatten a branch's copy-on-write data volumes into plain ones (asks first)."
  static override description =
    "Each data volume of BRANCH (default: the current branch) in ENV that stands on copy-on-write layers is copied, as the branch sees it, into a new plain volume whose folder then takes its place. The stack using them is stopped for it (and started again if it is the current branch's and was up); layers nothing else stands on are removed afterwards. Asks first, and without a terminal needs --yes. An interrupted compact is finished or undone by the next berth command."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> feat/big-migration --yes']
  static override args = {
    branch: Args.string({description: 'The branch whose data volumes to flatten (default: the current one).'}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'The environment of the volumes.', default: 'dev'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(VolumesCompact)
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await compactBranchVolumes(project, {branch: args.branch, env: flags.env, yes: flags.yes}, deps)
    if (flags.json) return this.printJson(result)
    if (result.volumes.length === 0) deps.reporter.info(`Branch ${JSON.stringify(result.branch)} has no copy-on-write volumes in ${result.env}: nothing to compact.`)
    else if (result.declined) deps.reporter.info('Nothing compacted.')
    else deps.reporter.info(`Compacted ${result.volumes.length} volume(s); removed ${result.removed.length} unused piece(s).`)
  }
}
