import {Flags} from '@oclif/core'
import {watchProject} from '../app/watch.js'
import {BaseCommand} from '../cli/base.js'

export default class Watch extends BaseCommand<typeof Watch> {
  static override summary = 'Follow git checkouts and berth.yml changes: restack automatically.'
  static override description = `Brings the current branch's stack up, then watches this work tree's git HEAD, berth.yml and the project's templates. A plain git checkout (in an IDE or a terminal) stops the old branch's stack and brings the new branch's up with its own data; a change to berth.yml or a template re-renders and updates the stack. Stop with Ctrl-C (the stack keeps running).`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --env qa']
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment to run.', default: 'dev'}),
    debounce: Flags.integer({summary: 'Milliseconds to wait for changes to settle.', default: 300, min: 0}),
    'no-up': Flags.boolean({summary: 'Do not bring the stack up at start; only react to changes.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(Watch)
    const deps = await this.deps()
    const reload = () => this.project(flags.dir, deps)
    const project = await reload()
    // The watch starts before the first up, so a checkout during it is not missed.
    const watcher = await watchProject(project, {env: flags.env, debounceMs: flags.debounce, upAtStart: !flags['no-up']}, reload, deps)
    deps.reporter.info(`Watching ${watcher.paths.join(', ')} (Ctrl-C to stop; the stack keeps running)`)
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await watcher.close()
  }
}
