import {Args, Flags} from '@oclif/core'
import {loadProject} from '../../app/project.js'
import {cloneBranchVolumes} from '../../app/volumes.js'
import {BaseCommand} from '../../cli/base.js'
import {Engine} from '../../docker/engine.js'
import {withLock} from '../../infra/lock.js'

export default class VolumesClone extends BaseCommand<typeof VolumesClone> {
  static override summary = "Copy a branch's data volumes to another branch."
  static override description =
    "Clones every data volume of branch FROM (in one environment) into branch TO's volumes, keeping owners, permissions, symlinks and hard links. A running database of FROM is paused during the copy. TO must not have these volumes yet: berth never overwrites data."
  static override examples = ['<%= config.bin %> <%= command.id %> main feat/login', '<%= config.bin %> <%= command.id %> main feat/login --env qa']
  static override args = {
    from: Args.string({description: 'Branch to copy from.', required: true}),
    to: Args.string({description: 'Branch to copy to.', required: true}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment whose volumes to copy.', default: 'dev'}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(VolumesClone)
    const reporter = this.reporter(flags.quiet || flags.json)
    const project = await loadProject({cwd: process.cwd(), dir: flags.dir})
    const engine = new Engine()
    await engine.ping()
    const result = await withLock(project.stack.value.name, () => cloneBranchVolumes(project, args.from, args.to, flags.env, {engine, reporter}))
    if (flags.json) this.printJson(result)
    else reporter.info(`Copied ${result.volumes.length} volume(s) from ${args.from} to ${args.to}.`)
  }
}
