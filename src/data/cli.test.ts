// The `trader data import` / `trader data list` commands end to end, through the development entry (bin/dev.js).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runTraderDev} from '../../test/support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-cli-'))
const db = join(dir, 'cli.duckdb')

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const trader = runTraderDev

describe('trader data commands', () => {
  it('imports a CSV with column flags and lists it as JSON', async () => {
    const csv = join(dir, 'bars.csv')
    writeFileSync(csv, 'time,o,h,l,c,vol\n2024-01-02T14:30:00Z,1,2,0.5,1.5,7\n2024-01-02T14:31:00Z,1.5,1.6,1.4,1.45,8\n')
    const imported = await trader('data', 'import', csv, '--db', db, '--symbol', 'cli', '--ts-column', 'time', '--volume-column', 'vol', '--json')
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout).imported).toEqual([
      {path: csv, format: 'csv', symbol: 'CLI', timeframe: '1m', rows: 2, first: Date.UTC(2024, 0, 2, 14, 30), last: Date.UTC(2024, 0, 2, 14, 31)},
    ])
    const listed = await trader('data', 'list', '--db', db, '--json')
    expect(JSON.parse(listed.stdout)).toEqual([
      {symbol: 'CLI', timeframe: '1m', venue: 'alpaca', assetClass: 'us_equity', first: Date.UTC(2024, 0, 2, 14, 30), last: Date.UTC(2024, 0, 2, 14, 31), rows: 2},
    ])
  })

  it('exits 2 with the reason on bad input', async () => {
    const missing = await trader('data', 'import', join(dir, 'nope.parquet'), '--db', db)
    expect(missing.code).toBe(2)
    expect(missing.stderr.split('\n')[0]).toBe(`Error: ${join(dir, 'nope.parquet')}: no such file or directory; check the path`)
  })
})
