import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'

export default class ConfigValidate extends TraderCommand {
  static override summary = 'Validate a fleet file (YAML or JSON): every problem is listed with its bot or account, field and fix.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/fleet.yaml',
    '<%= config.bin %> <%= command.id %> fleet.json --json',
  ]

  static override args = {file: Args.string({description: 'fleet file (.yaml, .yml or .json)', required: true})}
  static override flags = {json: Flags.boolean({description: 'print the result as JSON'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ConfigValidate)
    const {loadFleet, FleetConfigError} = await import('../../src/config/fleet-config.js')
    try {
      const fleet = await loadFleet(args.file)
      if (flags.json) this.log(JSON.stringify({ok: true, accounts: fleet.accounts.length, bots: fleet.bots.length}))
      else this.log(`${args.file}: ok (${fleet.accounts.length} accounts, ${fleet.bots.length} bots)`)
    } catch (err) {
      if (!(err instanceof FleetConfigError)) throw err
      if (flags.json) this.log(JSON.stringify({ok: false, issues: err.issues}, null, 2))
      else for (const i of err.issues) process.stderr.write(`${args.file}: ${i.where}: ${i.message}\n`)
      this.exit(2)
    }
  }
}
