import {Args, Flags} from '@oclif/core'
import {cloneBranchVolumes} from '../../app/volumes/clone.js'
import {BaseCommand} from '../../cli/base.js'

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
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await cloneBranchVolumes(project, args.from, args.to, flags.env, deps)
    if (flags.json) this.printJson(result)
    else deps.reporter.info(`Copied ${result.volumes.length} volume(s) from ${args.from} to ${args.to}.`)
  }
}
