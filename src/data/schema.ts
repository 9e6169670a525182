/** The market-data tables. Times are stored as naive TIMESTAMP holding UTC. */

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS bars (
  symbol VARCHAR NOT NULL,
  timeframe VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  open DOUBLE NOT NULL,
  high DOUBLE NOT NULL,
  low DOUBLE NOT NULL,
  close DOUBLE NOT NULL,
  volume DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS instruments (
  symbol VARCHAR PRIMARY KEY,
  venue VARCHAR NOT NULL,
  asset_class VARCHAR NOT NULL,
  source VARCHAR
);
-- Perpetual funding rates: the fraction of position value exchanged at ts (longs pay a positive rate).
CREATE TABLE IF NOT EXISTS funding (
  symbol VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  rate DOUBLE NOT NULL
);
-- Small key/value facts about the store itself (e.g. which bundled sample version it holds).
CREATE TABLE IF NOT EXISTS meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
`

/**
 * Rows an importer stages before they reach \`bars\`. \`row_no\` is the row's position in its source (1-based), so a
 * bad value can be reported by line; \`ts_raw\` keeps the original text of a time that could not be read, for the
 * same reason. \`symbol\` is already upper-case and trimmed.
 */
export const STAGING_COLUMNS_SQL = `(
  row_no DOUBLE, symbol VARCHAR, ts_ms DOUBLE, ts_raw VARCHAR,
  open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE
)`
