import {Flags} from '@oclif/core'
import {authority} from '../../app/tls.js'
import {BaseCommand} from '../../cli/base.js'

export default class TlsCa extends BaseCommand<typeof TlsCa> {
  static override summary = "Print the path of berth's local CA certificate (made now if there is none)."
  static override description =
    "The certificate that signs the https certificates of the qa and stage front door. Give it to a client that should accept them without trusting it system-wide, e.g. curl --cacert \"$(berth tls ca)\" or NODE_EXTRA_CA_CERTS. Its key stays beside it (mode 0600) and never goes into a container."
  static override examples = ['<%= config.bin %> <%= command.id %>', 'curl --cacert "$(<%= config.bin %> <%= command.id %>)" https://127.0.0.1:18443/', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(TlsCa)
    const deps = await this.deps()
    const ca = await authority(deps)
    if (flags.json) return this.printJson(ca)
    if (ca.created) process.stderr.write(`Created berth's local CA (not trusted anywhere; see berth tls trust)\n`)
    process.stdout.write(`${ca.certFile}\n`)
  }
}
