import {Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import type {MarketDataStore as MarketDataStoreType, SeriesInfo} from '../../src/data/store.js'

export default class DataList extends TraderCommand {
  static override description =
    'List the market data in the DuckDB store: one row per symbol and timeframe, then the perpetual funding rates held (text output only).'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --db /tmp/spy.duckdb',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    db: Flags.string({description: 'database file (default: $TRADER_DATA_DB or <package>/data/trader.duckdb)'}),
  }

  async run(): Promise<SeriesInfo[]> {
    const {flags} = await this.parse(DataList)
    const {MarketDataStore, defaultDatabasePath} = await import('../../src/data/index.js')
    const {displayPath, isoUtc} = await import('../../src/data/format.js')
    const dbPath = flags.db ?? defaultDatabasePath()
    let store: MarketDataStoreType | undefined
    try {
      store = await MarketDataStore.open(dbPath, {readOnly: true})
      const series = await store.list()
      if (!this.jsonEnabled()) {
        const funding = await store.fundingSeries()
        const {default: Table} = await import('cli-table3')
        if (series.length === 0) {
          this.log(`${displayPath(store.path)} holds no bars yet. Import some with \`trader data import data/sample\`.`)
        } else {
          const table = new Table({style: {head: [], border: []}, head: ['symbol', 'timeframe', 'venue', 'asset class', 'first (UTC)', 'last (UTC)', 'rows']})
          for (const s of series) {
            table.push([s.symbol, s.timeframe, s.venue, s.assetClass, isoUtc(s.first), isoUtc(s.last), s.rows])
          }
          this.log(table.toString())
        }
        if (funding.length > 0) {
          const rates = new Table({style: {head: [], border: []}, head: ['symbol', 'funding rates', 'first (UTC)', 'last (UTC)']})
          for (const f of funding) rates.push([f.symbol, f.rows, isoUtc(f.first), isoUtc(f.last)])
          this.log(rates.toString())
        }
      }
      return series
    } finally {
      store?.close()
    }
  }
}
