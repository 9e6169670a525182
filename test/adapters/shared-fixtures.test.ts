/**
 * The decoders against EVERY recorded payload in ../shared/fixtures (not only the ones copied into fixtures/):
 * each payload the adapter reads must decode or fail for one of the stated misfits; every Bybit.Net REST body
 * must pass the envelope decoder. Skipped when ../shared is not beside the project.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {alpacaCases, bybitCases, type PayloadCase, payloadFiles} from './fixture-routes.js'

const SHARED = path.resolve(import.meta.dirname, '../../../shared/fixtures')
const SOURCES = ['alpaca-mcp-server', 'alpaca-trade-api-go', 'ccxt', 'Bybit.Net', 'hirokisan-bybit']

/** Payloads the adapter does not read (no decoder on purpose). */
const NOT_READ = /^no route|^no decoder/

/** Why a payload the adapter reads may still not fit, each seen in the shared files. */
const MISFITS: readonly RegExp[] = [
  /^qty: null: notional/, // Alpaca notional (dollar amount) orders
  /^side: empty: multi-leg/, // Alpaca multi-leg option orders
  /expected number, received string/, // ccxt's JSON round-trip stringified an Alpaca book
  /is not decoded by this adapter/, // Bybit topics outside the adapter: liquidations, greeks, spread, price limits, status
  /instruments are not supported/, // Bybit option instruments
  /expected tuple, received object/, // hirokisan: re-marshalled through Go structs
  /^(data\.symbol|category|list): .*received undefined/, // hirokisan: Go wrapper objects around the result
  /^data\[0\]\.open: .*received undefined/, // Bybit.Net Concurrent.txt: klines without OHLC
]

function collect(): PayloadCase[] {
  const out: PayloadCase[] = []
  for (const src of SOURCES) {
    for (const f of payloadFiles(path.join(SHARED, src))) {
      if (f.startsWith('src/')) continue // the OpenAPI specs themselves; their examples are under extracted/
      const rel = `${src}/${f}`
      const bybit = src === 'Bybit.Net' || src === 'hirokisan-bybit' || /bybit\./.test(f)
      out.push(...(bybit ? bybitCases(SHARED, rel, {envelopeOnly: true}) : alpacaCases(SHARED, rel)))
    }
  }
  return out
}

describe.skipIf(!existsSync(SHARED))('every payload in ../shared/fixtures', () => {
  const cases = existsSync(SHARED) ? collect() : []
  const decoded = cases.filter((c) => c.ok && !c.envelopeOnly)
  const envelopeOnly = cases.filter((c) => c.envelopeOnly)
  const notRead = cases.filter((c) => !c.ok && NOT_READ.test(c.reason ?? ''))
  const misfit = cases.filter((c) => !c.ok && !NOT_READ.test(c.reason ?? ''))

  it('each payload the adapter reads decodes or is a stated misfit', () => {
    const unexplained = misfit.filter((c) => !MISFITS.some((m) => m.test(c.reason ?? ''))).map((c) => `${c.label}: ${c.reason}`)
    expect(unexplained).toEqual([])
  })

  it('every Bybit.Net REST body passes the envelope decoder', () => {
    const rest = cases.filter((c) => c.label.startsWith('Bybit.Net/') && c.label.includes('/Endpoints/'))
    expect(rest.length).toBe(129)
    expect(rest.filter((c) => !c.ok && !MISFITS.some((m) => m.test(c.reason ?? '')))).toEqual([])
  })

  it('counts', () => {
    console.info(`shared fixtures: ${cases.length} payloads; ${decoded.length} decoded to core / market types, ${envelopeOnly.length} envelope only (result not read), ${misfit.length} stated misfits, ${notRead.length} not read by the adapter`)
    expect({decoded: decoded.length, envelopeOnly: envelopeOnly.length, misfit: misfit.length, notRead: notRead.length}).toEqual({decoded: 178, envelopeOnly: 111, misfit: 22, notRead: 116})
  })
})
