import {Flags} from '@oclif/core'
import {loadProject} from '../../app/project.js'
import {pruneVolumes} from '../../app/volumes.js'
import {BaseCommand} from '../../cli/base.js'
import {terminalPrompt} from '../../cli/prompt.js'
import {Engine} from '../../docker/engine.js'
import {withLock} from '../../infra/lock.js'

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
    const reporter = this.reporter(flags.json)
    const project = await loadProject({cwd: process.cwd(), dir: flags.dir})
    const engine = new Engine()
    await engine.ping()
    const result = await withLock(project.stack.value.name, () => pruneVolumes(project, {yes: flags.yes, prompt: terminalPrompt, dryRun: flags['dry-run'], detached: flags.detached}, {engine, reporter}))
    if (flags.json) return this.printJson({candidates: result.volumes.map((v) => ({volume: v.volume, branch: v.branch, env: v.env})), removed: result.removed, declined: result.declined})
    if (result.volumes.length === 0) reporter.info('Nothing to prune: every data volume belongs to a branch git has.')
    else if (flags['dry-run']) process.stdout.write(`${result.volumes.map((v) => `${v.volume}\t${v.branch}`).join('\n')}\n`)
    else if (result.declined) reporter.info('Nothing removed.')
    else reporter.info(`Removed ${result.removed.length} volume(s).`)
  }
}
