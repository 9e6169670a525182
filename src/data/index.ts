/** The market-data layer: a DuckDB store, importers, and chunked bar streams. */
export {MarketDataStore} from './store.js'
export type {CommittedSeries, FundingRateRow, FundingSeriesInfo, SeriesInfo, StreamBarsQuery} from './store.js'
export {DataImportError, InvalidBarError, InvalidFundingRowError, NoDataError, StoreOpenError} from './errors.js'
export type {AssetClass, InstrumentInfo, Venue} from './instruments.js'
export {importPaths, parseImportOptions, TIMEFRAMES, TS_UNITS} from './import/index.js'
export type {ImportedFunding, ImportedSeries, ImportFormat, ImportOptions, ImportOptionsInput, ImportSummary, SkippedFile, TsUnit} from './import/index.js'
export {defaultDatabasePath, ensureSampleData, SAMPLE_DIR, SAMPLE_VERSION} from './sample.js'
