import {Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import {UserInputError} from '../../src/core/errors.js'

export default class RiskClear extends TraderCommand {
  static override summary = "Clear an account's kill switch, so its next session may open positions again."

  static override description = `The kill switch engages on a drawdown beyond the configured limit and is persisted in <state>/<account>.risk.json;
sessions started while it is engaged refuse new entries. Clearing it restarts the drawdown peak at the next session's equity.`

  static override examples = ['<%= config.bin %> <%= command.id %> --account main', '<%= config.bin %> <%= command.id %> --account main --state-dir /srv/trader/state']

  static override flags = {
    account: Flags.string({required: true, description: 'account id (the name of its state files)'}),
    'state-dir': Flags.string({description: 'state directory (default: $TRADER_STATE_DIR or $TRADER_HOME/state or ~/.trader/state)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(RiskClear)
    const {resolveRoots} = await import('../../src/ops/paths.js')
    const {clearKillSwitch, killSwitchPath, KillSwitchFileError} = await import('../../src/risk/kill-switch-file.js')
    const stateDir = resolveRoots({flags: {state: flags['state-dir']}}).state
    try {
      const before = clearKillSwitch(stateDir, flags.account, new Date())
      this.log(before?.engaged
        ? `kill switch of ${flags.account} cleared (was engaged: ${before.reason ?? 'no reason recorded'}); ${killSwitchPath(stateDir, flags.account)}`
        : `kill switch of ${flags.account} was not engaged; ${killSwitchPath(stateDir, flags.account)} says clear`)
    } catch (err) {
      if (err instanceof KillSwitchFileError) throw new UserInputError(err.message)
      throw err
    }
  }
}
