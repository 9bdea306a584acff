import {Flags} from '@oclif/core'
import {pruneVolumes} from '../../app/volumes/remove.js'
import {BaseCommand} from '../../cli/base.js'

export default class VolumesPrune extends BaseCommand<typeof VolumesPrune> {
  static override summary = 'Remove the data volumes of branches git no longer has (asks first).'
  static override description =
    'Lists the data volumes whose branch no longer exists in git, asks, and removes them. Nothing else: never shared or cache volumes, never the current branch, never a branch git still has. Without a terminal, pass --yes.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --yes', '<%= config.bin %> <%= command.id %> --detached --dry-run']
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    'dry-run': Flags.boolean({summary: 'Only list what would be removed.'}),
    detached: Flags.boolean({summary: 'Also the volumes of detached HEADs (branch "detached-<sha>"), except the one checked out now.'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(VolumesPrune)
    const deps = await this.deps(this.reporter(flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await pruneVolumes(project, {yes: flags.yes, dryRun: flags['dry-run'], detached: flags.detached}, deps)
    if (flags.json) return this.printJson({candidates: result.volumes.map((v) => ({volume: v.volume, branch: v.branch, env: v.env})), removed: result.removed, declined: result.declined})
    if (result.volumes.length === 0) deps.reporter.info('Nothing to prune: every data volume belongs to a branch git has.')
    else if (flags['dry-run']) process.stdout.write(`${result.volumes.map((v) => `${v.volume}\t${v.branch}`).join('\n')}\n`)
    else if (result.declined) deps.reporter.info('Nothing removed.')
    else deps.reporter.info(`Removed ${result.removed.length} volume(s).`)
  }
}
