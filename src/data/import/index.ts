export {importPaths} from './import-paths.js'
export {parseImportOptions, TIMEFRAMES, TS_UNITS} from './options.js'
export type {ImportOptions, ImportOptionsInput, TsUnit} from './options.js'
export type {ImportedSeries, ImportFormat, ImportSummary, SkippedFile} from './types.js'
