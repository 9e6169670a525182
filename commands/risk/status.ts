import {Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import {UserInputError} from '../../src/core/errors.js'

export default class RiskStatus extends TraderCommand {
  static override summary = "Show an account's persisted kill switch: engaged or clear, why and since when."

  static override examples = ['<%= config.bin %> <%= command.id %> --account main', '<%= config.bin %> <%= command.id %> --account main --json']

  static override flags = {
    account: Flags.string({required: true, description: 'account id (the name of its state files)'}),
    'state-dir': Flags.string({description: 'state directory (default: $TRADER_STATE_DIR or $TRADER_HOME/state or ~/.trader/state)'}),
    json: Flags.boolean({description: 'print the state as JSON'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(RiskStatus)
    const {resolveRoots} = await import('../../src/ops/paths.js')
    const {loadKillSwitch, killSwitchPath, KillSwitchFileError} = await import('../../src/risk/kill-switch-file.js')
    const stateDir = resolveRoots({flags: {state: flags['state-dir']}}).state
    let kill
    try {
      kill = loadKillSwitch(stateDir, flags.account)
    } catch (err) {
      if (err instanceof KillSwitchFileError) throw new UserInputError(err.message)
      throw err
    }
    const path = killSwitchPath(stateDir, flags.account)
    const engaged = kill?.engaged ?? false
    if (flags.json) {
      this.log(JSON.stringify({account: flags.account, file: path, engaged, kill: kill ?? null}, null, 2))
      return
    }
    if (!engaged) {
      this.log(`kill switch of ${flags.account}: clear (${kill ? path : 'no file yet'})`)
      return
    }
    const at = kill?.at !== undefined ? ` since ${new Date(kill.at).toISOString()}` : ''
    this.log(`kill switch of ${flags.account}: ENGAGED${at}: ${kill?.reason ?? 'no reason recorded'}`)
    this.log(`new entries are refused until \`trader risk clear --account ${flags.account}\` (${path})`)
  }
}
