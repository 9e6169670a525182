import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import type {Timeframe} from '../../src/core/market-data.js'
import type {TsUnit} from '../../src/data/import/options.js'
import type {AssetClass} from '../../src/data/instruments.js'
import type {ImportSummary} from '../../src/data/import/types.js'
import type {MarketDataStore as MarketDataStoreType} from '../../src/data/store.js'

export default class DataImport extends TraderCommand {
  static override description =
    'Import market data into the DuckDB store: Lean zips (as in data/sample), CSV, Parquet and Arrow IPC files, or whole directories. ' +
    'Re-importing a file replaces its bars instead of duplicating them. Perpetual funding rates come from Lean margin_interest ' +
    'files (found by their path) or, with --funding, from any CSV of ts,rate (ts as epoch ms, epoch s or ISO 8601 UTC).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> data/sample',
    '<%= config.bin %> <%= command.id %> ../shared/data/lean/equity/usa/minute/spy --db /tmp/spy.duckdb',
    '<%= config.bin %> <%= command.id %> bars.csv --symbol AAPL --timeframe 1m',
    '<%= config.bin %> <%= command.id %> export.csv --symbol-column ticker --ts-column time --ts-unit s',
    '<%= config.bin %> <%= command.id %> noheader.csv --columns ts,open,high,low,close,volume --symbol BTCUSDT --asset-class crypto_perp',
    '<%= config.bin %> <%= command.id %> bars.parquet bars.arrow --json',
    '<%= config.bin %> <%= command.id %> ../shared/data/lean/cryptofuture/bybit/margin_interest/btcusdt.csv',
    '<%= config.bin %> <%= command.id %> rates.csv --funding --symbol BTCUSDT',
  ]

  static override strict = false
  static override enableJsonFlag = true

  static override args = {
    paths: Args.string({description: 'files or directories to import (directories are walked recursively)', required: true}),
  }

  static override flags = {
    db: Flags.string({description: 'database file (default: $TRADER_DATA_DB or <package>/data/trader.duckdb)'}),
    symbol: Flags.string({description: 'symbol of every row, for files without a symbol column'}),
    'symbol-column': Flags.string({description: 'column holding the symbol (default: symbol, ticker, …)'}),
    'ts-column': Flags.string({description: 'column holding the bar open time (default: ts, timestamp, time, date, …)'}),
    'open-column': Flags.string({description: 'open price column (default: open or o)'}),
    'high-column': Flags.string({description: 'high price column (default: high or h)'}),
    'low-column': Flags.string({description: 'low price column (default: low or l)'}),
    'close-column': Flags.string({description: 'close price column (default: close or c)'}),
    'volume-column': Flags.string({description: 'volume column (default: volume, vol or v)'}),
    columns: Flags.string({description: 'names of a header-less CSV\'s columns in order, e.g. "ts,open,high,low,close,volume"'}),
    timeframe: Flags.string({
      description: 'bar timeframe (default: from the Lean path, or the most common spacing of the times)',
      options: ['1m', '5m', '15m', '1h', '1d'],
    }),
    'ts-unit': Flags.string({
      description: 'how numeric times are read (auto tells s/ms/us/ns apart by size); iso for text times',
      options: ['auto', 's', 'ms', 'us', 'ns', 'iso'],
    }),
    'asset-class': Flags.string({
      description: 'asset class of CSV/Parquet/Arrow symbols (default: *USDT/*USD… → crypto_perp, else us_equity)',
      options: ['us_equity', 'crypto_perp', 'crypto_spot'],
    }),
    funding: Flags.boolean({
      description: 'the CSV files hold perpetual funding rates (ts,rate; a header may name ts, rate and symbol), not bars; pass --symbol when they have no symbol column',
    }),
  }

  async run(): Promise<ImportSummary> {
    const {argv, flags} = await this.parse(DataImport)
    const {MarketDataStore, importPaths, defaultDatabasePath} = await import('../../src/data/index.js')
    const {displayPath, isoUtc} = await import('../../src/data/format.js')
    const dbPath = flags.db ?? defaultDatabasePath()
    let store: MarketDataStoreType | undefined
    try {
      store = await MarketDataStore.open(dbPath)
      const summary = await importPaths(store, argv as string[], {
        symbol: flags.symbol,
        symbolColumn: flags['symbol-column'],
        tsColumn: flags['ts-column'],
        openColumn: flags['open-column'],
        highColumn: flags['high-column'],
        lowColumn: flags['low-column'],
        closeColumn: flags['close-column'],
        volumeColumn: flags['volume-column'],
        columns: flags.columns,
        timeframe: flags.timeframe as Timeframe | undefined,
        tsUnit: flags['ts-unit'] as TsUnit | undefined,
        assetClass: flags['asset-class'] as AssetClass | undefined,
        funding: flags.funding,
      })
      if (!this.jsonEnabled()) {
        const {default: Table} = await import('cli-table3')
        const table = new Table({style: {head: [], border: []}, head: ['file', 'symbol', 'timeframe', 'rows', 'first (UTC)', 'last (UTC)']})
        for (const s of summary.imported) {
          table.push([displayPath(s.path), s.symbol, s.timeframe, s.rows, isoUtc(s.first), isoUtc(s.last)])
        }
        const rows = summary.imported.reduce((n, s) => n + s.rows, 0)
        if (summary.imported.length > 0 || summary.funding.length === 0) {
          this.log(table.toString())
          this.log(`Imported ${rows} bars from ${new Set(summary.imported.map((s) => s.path)).size} files into ${displayPath(store.path)}.`)
        }
        if (summary.funding.length > 0) {
          const rates = new Table({style: {head: [], border: []}, head: ['file', 'symbol', 'funding rates', 'first (UTC)', 'last (UTC)']})
          for (const f of summary.funding) rates.push([displayPath(f.path), f.symbol, f.rows, isoUtc(f.first), isoUtc(f.last)])
          this.log(rates.toString())
          const n = summary.funding.reduce((k, f) => k + f.rows, 0)
          this.log(`Imported ${n} funding rates from ${new Set(summary.funding.map((f) => f.path)).size} files into ${displayPath(store.path)}.`)
        }
        for (const s of summary.skipped) this.logToStderr(`Skipped ${displayPath(s.path)}: ${s.reason}.`)
      }
      return summary
    } finally {
      store?.close()
    }
  }
}
