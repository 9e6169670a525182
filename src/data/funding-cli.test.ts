// `trader data import --funding` and the funding lines of `trader data list`, through the development entry (bin/dev.js).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runTraderDev} from '../../test/support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-funding-cli-'))
const db = join(dir, 'cli.duckdb')

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const trader = runTraderDev

describe('trader data import --funding', () => {
  it('imports a ts,rate CSV for a symbol, reports it, and `data list` shows the rates', async () => {
    const csv = join(dir, 'rates.csv')
    writeFileSync(csv, 'ts,rate\n1670889600000,-0.0002016\n2022-12-13T08:00:00Z,-0.00022398\n')
    const json = await trader('data', 'import', csv, '--funding', '--symbol', 'BTCUSDT', '--db', db, '--json')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      imported: [],
      funding: [{path: csv, format: 'csv', symbol: 'BTCUSDT', rows: 2, first: Date.UTC(2022, 11, 13), last: Date.UTC(2022, 11, 13, 8)}],
      skipped: [],
    })
    const text = await trader('data', 'import', csv, '--funding', '--symbol', 'BTCUSDT', '--db', db)
    expect(text.stdout).toContain('Imported 2 funding rates from 1 files')
    expect(text.stdout).not.toContain('bars')
    const listed = await trader('data', 'list', '--db', db)
    expect(listed.stdout).toMatch(/BTCUSDT\s+│?\s*2\s+│?\s*2022-12-13T00:00:00Z\s+│?\s*2022-12-13T08:00:00Z/)
  })

  it('refuses a bad row in one line with exit 2, naming the file, line and fix', async () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(csv, 'ts,rate\n1670889600000,0.0001\n1670918400000,1%\n')
    const bad = await trader('data', 'import', csv, '--funding', '--symbol', 'BTCUSDT', '--db', db)
    expect(bad.code).toBe(2)
    const lines = bad.stderr.trim().split('\n')
    expect(lines[0]).toBe(`Error: ${csv} line 3: rate "1%" is not a number. Fix or remove that row and import again; nothing from this file was imported.`)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })
})
