import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check that this machine is ready for berth, and say how to fix what is not.'
  static override description =
    'Checks the Docker engine (reachable, version, free disk under its data root, clock), Compose v2, the docker context, git, the inotify watch limit, the image map (which images exist), berth\'s local CA and, in a berth project, whether the dev stack\'s host ports are free (and who holds them). Works outside a project too. Exit 0 when nothing failed (warnings allowed), 4 when Docker is not usable, 5 for any other failure.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --dir path/to/app']
  static override flags = {
    json: Flags.boolean({summary: 'Print the checks and the overall status as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(Doctor)
    const deps = await this.deps()
    const [{doctor}, {realDiagnostics}] = await Promise.all([import('../app/doctor.js'), import('../cli/deps.js')])
    const report = await doctor({cwd: process.cwd(), dir: flags.dir}, {...deps, diagnostics: realDiagnostics()})
    if (flags.json) this.printJson(report)
    else {
      const {doctorText} = await import('../cli/doctor-format.js')
      process.stdout.write(`${doctorText(report)}\n`)
    }
    if (report.exitCode !== 0) process.exitCode = report.exitCode
  }
}
