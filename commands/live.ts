import {Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {UserInputError} from '../src/core/errors.js'
import {sessionFlags} from '../src/ops/session-flags.js'

export default class Live extends TraderCommand {
  static override description = `Run a strategy with real money on Alpaca or Bybit.

Refuses to start without --confirm-live. Before anything is locked or sent it checks the keys, reaches the account endpoint and prints the account, the symbols and the risk limits. Otherwise it is \`trader paper\`: journal, reconciliation before trading, health and metrics, clean shutdown on SIGINT / SIGTERM.`

  static override examples = [
    {description: 'Live grid on Bybit', command: '<%= config.bin %> <%= command.id %> --venue bybit --strategy grid --symbols BTCUSDT --confirm-live --health-port 9464'},
  ]

  static override flags = {
    ...sessionFlags,
    'confirm-live': Flags.boolean({default: false, description: 'required: you mean to trade real money'}),
    'log-dir': Flags.string({description: 'log directory: default $TRADER_LOG_DIR or $TRADER_HOME/logs'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Live)
    if (!flags['confirm-live']) {
      throw new UserInputError('trader live trades real money and needs --confirm-live; try `trader paper` first with the same flags')
    }
    const {runSessionCommand} = await import('../src/ops/session-command.js')
    await runSessionCommand('live', flags, {
      say: (l) => process.stderr.write(`${l}\n`),
      out: (l) => this.log(l),
      env: process.env,
      confirm: (s) =>
        process.stderr.write(
          `LIVE on ${s.venue} account '${s.account}': equity ${s.equity.toFixed(2)}, cash ${s.cash.toFixed(2)}; symbols ${s.symbols.join(', ')}; ` +
            `risk ${s.risk ? JSON.stringify(s.risk) : 'OFF'}\n`,
        ),
    })
  }
}
