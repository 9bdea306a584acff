import {Flags} from '@oclif/core'
import {trust, TRUST_OS, type TrustOs} from '../../app/tls.js'
import {BaseCommand} from '../../cli/base.js'
import {trustText} from '../../core/tls.js'

export default class TlsTrust extends BaseCommand<typeof TlsTrust> {
  static override summary = "Print the commands that make this machine trust berth's local CA (berth never runs them)."
  static override description =
    "The qa and stage front door serves https with a certificate from berth's own CA (made once, kept in berth's state folder). Browsers, curl and Node.js accept it once the CA is trusted: this prints the exact commands for this operating system (and for Node.js and Firefox, which keep their own lists). Nothing is changed."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --os macos', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    os: Flags.string({summary: 'Print the commands for another operating system.', options: Object.keys(TRUST_OS)}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(TlsTrust)
    const deps = await this.deps()
    const result = await trust(deps, flags.os as TrustOs | undefined)
    if (flags.json) return this.printJson(result)
    if (result.created) process.stderr.write(`Created berth's local CA: ${result.ca}\n`)
    process.stdout.write(`${trustText(result)}\n`)
  }
}
