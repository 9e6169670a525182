import {Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {sessionFlags} from '../src/ops/session-flags.js'

export default class Paper extends TraderCommand {
  static override description = `Run a strategy on a venue's paper environment (Alpaca paper, Bybit demo), or on the local exchange emulator.

Start-up checks the API keys (environment or --env-file: APCA_API_KEY_ID / APCA_API_SECRET_KEY, BYBIT_API_KEY / BYBIT_API_SECRET), reaches the account endpoint, takes the account's lock, reconciles open orders and positions, and only then trades. Every venue message and decision goes to the session journal; \`trader replay\` reproduces it. SIGINT / SIGTERM stop the session cleanly.`

  static override examples = [
    {description: 'Paper-trade sma-cross on Alpaca', command: '<%= config.bin %> <%= command.id %> --venue alpaca --strategy sma-cross --symbols AAPL,MSFT'},
    {description: 'Against the local emulator (see `trader exchange serve`), 60x faster, for 10 session minutes', command: '<%= config.bin %> <%= command.id %> --venue alpaca --strategy sma-cross --symbols SPY --base-url http://127.0.0.1:8080 --ws-url ws://127.0.0.1:8080 --time-scale 60 --duration 10m'},
    {description: 'Bybit demo with the grid strategy, health and metrics on port 9464', command: '<%= config.bin %> <%= command.id %> --venue bybit --strategy grid --symbols BTCUSDT --health-port 9464'},
  ]

  static override flags = {
    ...sessionFlags,
    'log-dir': Flags.string({description: 'log directory: default $TRADER_LOG_DIR or $TRADER_HOME/logs'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Paper)
    const {runSessionCommand} = await import('../src/ops/session-command.js')
    await runSessionCommand('paper', flags, {say: (l) => process.stderr.write(`${l}\n`), out: (l) => this.log(l), env: process.env})
  }
}
