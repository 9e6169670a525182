/**
 * Test support: reads the recorded venue payloads (ours under fixtures/, or the originals under ../shared/fixtures)
 * and routes each payload to the decoder for its resource, by file name, endpoint path or frame shape.
 * A file no route knows yields one failing case, so a new fixture can never be skipped silently.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {
  decodeAlpacaAccount, decodeAlpacaBars, decodeAlpacaClock, decodeAlpacaErrorBody, decodeAlpacaFillActivity, decodeAlpacaOrder, decodeAlpacaOrderbooks,
  decodeAlpacaPosition, decodeAlpacaStreamFrame, decodeAlpacaTrades,
} from '../../src/adapters/alpaca/index.js'
import {
  type BybitDecodeContext, type BybitReply, bybitInstrument, decodeBybitExecutions, decodeBybitFrame, decodeBybitInstruments, decodeBybitKlines,
  decodeBybitOrderAck, decodeBybitOrders, decodeBybitPositions, decodeBybitRecentTrades, decodeBybitResponse, decodeBybitTickers,
  decodeBybitWallet,
} from '../../src/adapters/bybit/index.js'
import type {Decoded} from '../../src/adapters/decode.js'

export interface PayloadCase {
  /** `file` or `file#entry`. */
  readonly label: string
  readonly ok: boolean
  readonly reason?: string
  readonly value?: unknown
  /** Only the envelope was decoded: the adapter does not read this endpoint's result. */
  readonly envelopeOnly?: boolean
}

const DOCS = new Set(['PROVENANCE.md', 'LICENSE', 'MANIFEST.tsv', 'README.md'])

/** Payload files under `root`, relative, sorted (docs and manifests excluded). */
export function payloadFiles(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else if (!DOCS.has(e.name)) out.push(path.relative(root, full).split(path.sep).join('/'))
    }
  }
  walk(root)
  return out.sort()
}

export function readText(file: string): string {
  const buf = readFileSync(file)
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8')
}

export function readJson(file: string): unknown {
  return JSON.parse(readText(file))
}

/** Bybit.Net endpoint files: method, path and auth flag on three lines, optional request params, then the JSON body. */
export function bybitNetEndpoint(text: string): {method: string; path: string; body: unknown} {
  const lines = text.split('\n')
  const start = lines.findIndex((l, i) => i >= 3 && /^\s*[{[]/.test(l))
  return {method: lines[0].trim(), path: lines[1].trim(), body: JSON.parse(lines.slice(start).join('\n'))}
}

export interface TranscriptEntry {
  readonly dir: '>' | '<' | '='
  readonly json: unknown
}

/** Bybit.Net transcripts: `> sent`, `< reply`, `= pushed` (optionally numbered, `=1`), a JSON value each, possibly multi-line. */
export function transcript(text: string): TranscriptEntry[] {
  const entries: {dir: '>' | '<' | '='; text: string}[] = []
  for (const line of text.split('\n')) {
    const m = /^([<>=])\d*(?:\s|$)(.*)$/.exec(line)
    if (m) entries.push({dir: m[1] as '>' | '<' | '=', text: m[2]})
    else if (entries.length) entries[entries.length - 1].text += `\n${line}`
  }
  return entries.map((e) => ({dir: e.dir, json: JSON.parse(e.text)}))
}

function fromDecoded(label: string, d: Decoded<unknown>): PayloadCase {
  return d.ok ? {label, ok: true, value: d.value} : {label, ok: false, reason: d.error.reason}
}

function fromMessages(label: string, messages: readonly {kind: string; reason?: string}[]): PayloadCase {
  const errors = messages.filter((m) => m.kind === 'decode_error')
  if (messages.length === 0) return {label, ok: false, reason: 'no message decoded'}
  return errors.length ? {label, ok: false, reason: errors.map((e) => e.reason).join(' | '), value: messages} : {label, ok: true, value: messages}
}

function fromReply(label: string, r: BybitReply<unknown>): PayloadCase {
  if (r.ok) return {label, ok: true, value: r.value, ...(r.value === ENVELOPE_ONLY_VALUE ? {envelopeOnly: true} : {})}
  // A venue refusal is a decoded payload: the envelope fitted and the retCode was mapped.
  if ('rejected' in r) return {label, ok: true, value: r.rejected}
  return {label, ok: false, reason: r.error.reason}
}

const RECEIVED_AT = 1_700_000_000_000
export const BYBIT_CTX: BybitDecodeContext = {positionMode: 'netting'}
/** Leverage (10, or the instrument's maximum if lower) and maintenance margin the account would supply for linear instruments. */
const linearAccount = (maxLeverage = 10) => ({leverage: Math.min(10, maxLeverage), maintenanceMarginRate: 0.005})

// ---- Alpaca ----

function alpacaRest(name: string, raw: unknown): Decoded<unknown> | undefined {
  if (/__[45]\d\d/.test(name)) return decodeAlpacaErrorBody(raw)
  if (/options_(trades|bars|quotes|snapshots)/.test(name)) return undefined // option market data: not in the core model
  if (/TradingActivities__|activities\/FILL/.test(name)) return decodeAlpacaFillActivity(raw)
  if (/orders/.test(name)) return decodeAlpacaOrder(raw)
  if (/account|Account__/.test(name)) return decodeAlpacaAccount(raw, RECEIVED_AT)
  if (/Position__/.test(name)) return decodeAlpacaPosition(raw, RECEIVED_AT)
  if (/clock/.test(name)) return decodeAlpacaClock(raw)
  if (/orderbooks/.test(name)) return decodeAlpacaOrderbooks(raw)
  if (/bars/.test(name)) return decodeAlpacaBars(raw)
  if (/trades/.test(name)) return decodeAlpacaTrades(raw)
  return undefined
}

/** Alpaca payload cases of one file; `file` is relative to `root`. */
export function alpacaCases(root: string, file: string): PayloadCase[] {
  const raw = readJson(path.join(root, file))
  const base = path.basename(file)
  if (base === 'alpaca.watchMyTrades.messages.json') {
    const frames = (raw as {messages: unknown[]}).messages
    return frames.map((f, i) => fromMessages(`${file}#messages[${i}]`, decodeAlpacaStreamFrame(f, RECEIVED_AT)))
  }
  if (base === 'alpaca.httpResponses.excerpt.json') {
    return Object.entries(raw as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('_'))
      .map(([k, body]) => {
        const label = `${file}#${k}`
        if (/snapshots/.test(k)) return {label, ok: false, reason: 'no decoder: market snapshots are not read by the adapter'}
        const d = alpacaRest(k, body)
        return d ? fromDecoded(label, d) : {label, ok: false, reason: 'no route for this entry'}
      })
  }
  const d = alpacaRest(base, raw)
  return [d ? fromDecoded(file, d) : {label: file, ok: false, reason: 'no route for this file'}]
}

// ---- Bybit ----

function instrumentsThenCore(result: unknown, _time: number | undefined, channel: string): Decoded<unknown> {
  const page = decodeBybitInstruments(result, channel)
  if (!page.ok) return page
  const instruments = []
  for (const info of page.value.items) {
    const inst = bybitInstrument(info, info.category === 'spot' ? {leverage: 1, maintenanceMarginRate: 0} : linearAccount(info.leverageFilter?.maxLeverage))
    if (!inst.ok) return inst
    instruments.push(inst.value)
  }
  return {ok: true, value: instruments}
}

/** Result decoders by REST path. */
const BYBIT_PATHS: Record<string, (result: unknown, time: number | undefined, channel: string) => Decoded<unknown>> = {
  '/v5/order/create': (r, _t, c) => decodeBybitOrderAck(r, c),
  '/v5/order/amend': (r, _t, c) => decodeBybitOrderAck(r, c),
  '/v5/order/cancel': (r, _t, c) => decodeBybitOrderAck(r, c),
  '/v5/order/realtime': (r, _t, c) => decodeBybitOrders(r, c),
  '/v5/order/history': (r, _t, c) => decodeBybitOrders(r, c),
  '/v5/execution/list': (r, _t, c) => decodeBybitExecutions(r, BYBIT_CTX, c),
  '/v5/position/list': (r, _t, c) => decodeBybitPositions(r, c),
  '/v5/account/wallet-balance': (r, t, c) => decodeBybitWallet(r, t ?? RECEIVED_AT, {}, c),
  '/v5/market/instruments-info': instrumentsThenCore,
  '/v5/market/kline': (r, _t, c) => decodeBybitKlines(r, c),
  '/v5/market/tickers': (r, t, c) => decodeBybitTickers(r, t ?? RECEIVED_AT, c),
  '/v5/market/recent-trade': (r, _t, c) => decodeBybitRecentTrades(r, c),
}

/** Only the envelope is checked (the adapter does not read these results); a refusal must map. */
const ENVELOPE_ONLY_VALUE = 'envelope only'
const ENVELOPE_ONLY = (_r: unknown): Decoded<unknown> => ({ok: true, value: ENVELOPE_ONLY_VALUE})
/** Copied as examples of a refused request: their envelope is what the adapter reads. */
const ENVELOPE_PATHS = new Set(['/v5/account/set-margin-mode'])

export function bybitRestDecoder(restPath: string): ((result: unknown, time: number | undefined, channel: string) => Decoded<unknown>) | undefined {
  return BYBIT_PATHS[restPath]
}

/** hirokisan golden files hold `result` only: routed by name. */
const HIROKISAN: Record<string, string> = {
  'v5-create-order.json': '/v5/order/create',
  'v5-amend-order.json': '/v5/order/amend',
  'v5-cancel-order.json': '/v5/order/cancel',
  'v5-get-open-orders.json': '/v5/order/realtime',
  'v5-get-history-orders.json': '/v5/order/history',
  'v5-execution-get-execution-list.json': '/v5/execution/list',
  'v5-position-get-position-info.json': '/v5/position/list',
  'v5-account-get-wallet-balance.json': '/v5/account/wallet-balance',
  'v5-market-get-public-trading-history.json': '/v5/market/recent-trade',
  'v5-market-get-kline.json': '/v5/market/kline',
  'v5-market-get-instruments-info-spot.json': '/v5/market/instruments-info',
  'v5-market-get-instruments-info-inverse.json': '/v5/market/instruments-info',
  'v5-market-get-tickers-spot.json': '/v5/market/tickers',
}

/** Bybit payload cases of one file; `file` is relative to `root`. `envelopeOnly`: unknown REST paths still check the envelope. */
export function bybitCases(root: string, file: string, opts: {envelopeOnly?: boolean} = {}): PayloadCase[] {
  const full = path.join(root, file)
  const base = path.basename(file)
  if (file.includes('/Endpoints/')) {
    const {path: restPath, body} = bybitNetEndpoint(readText(full))
    const dec = BYBIT_PATHS[restPath] ?? (opts.envelopeOnly || ENVELOPE_PATHS.has(restPath) ? ENVELOPE_ONLY : undefined)
    if (!dec) return [{label: file, ok: false, reason: `no route for ${restPath}`}]
    return [fromReply(file, decodeBybitResponse(body, `bybit:rest:${restPath}`, dec))]
  }
  if (file.includes('/Subscriptions/') || file.includes('/Socket/')) {
    return transcript(readText(full))
      .map((e, i) => ({e, i}))
      .filter(({e}) => e.dir !== '>') // requests we would send, not payloads we decode
      .map(({e, i}) => fromMessages(`${file}#${i}${e.dir}`, decodeBybitFrame(e.json, RECEIVED_AT, BYBIT_CTX)))
  }
  const raw = readJson(full)
  // ccxt's excerpt formats, also used by the constructed payloads under docs-shaped/ (*.ws.json, *.rest.json).
  if (base === 'bybit.public.messages.excerpt.json' || base.endsWith('.ws.json')) {
    const cases = (raw as {cases: {method: string; messages: unknown[]}[]}).cases
    return cases.flatMap((c, ci) => c.messages.map((m, mi) => fromMessages(`${file}#cases[${ci}].messages[${mi}]`, decodeBybitFrame(m, RECEIVED_AT, BYBIT_CTX))))
  }
  if (base === 'bybit.httpResponses.excerpt.json' || base.endsWith('.rest.json')) {
    return Object.entries(raw as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('_'))
      .map(([k, body]) => {
        const restPath = /(\/v5\/[a-z/-]+)/.exec(k)?.[1] ?? ''
        const dec = BYBIT_PATHS[restPath]
        return dec ? fromReply(`${file}#${k}`, decodeBybitResponse(body, `bybit:rest:${restPath}`, dec)) : {label: `${file}#${k}`, ok: false, reason: `no route for ${restPath}`}
      })
  }
  if (file.includes('integrationtest-ws/')) return [fromMessages(file, decodeBybitFrame(raw, RECEIVED_AT, BYBIT_CTX))]
  const restPath = HIROKISAN[base]
  if (restPath) return [fromDecoded(file, BYBIT_PATHS[restPath](raw, undefined, `bybit:rest:${restPath}`))]
  return [{label: file, ok: false, reason: 'no route for this file'}]
}

/** A venue's copied fixtures, decoded once: every payload case by label. */
export interface FixtureSet {
  readonly root: string
  readonly files: readonly string[]
  readonly all: ReadonlyMap<string, PayloadCase>
  /** The decoded value of a payload; throws when it did not decode. */
  value<T>(label: string): T
}

export function loadFixtureSet(root: string, casesOf: (root: string, file: string) => PayloadCase[]): FixtureSet {
  const files = payloadFiles(root)
  const all = new Map<string, PayloadCase>()
  for (const f of files) for (const c of casesOf(root, f)) all.set(c.label, c)
  return {
    root,
    files,
    all,
    value<T>(label: string): T {
      const c = all.get(label)
      if (!c?.ok) throw new Error(`${label} did not decode: ${c?.reason}`)
      return c.value as T
    },
  }
}

/**
 * One test per fixture file (adding a file adds a case): every payload decodes, except those listed with the reason
 * they must fail for; then the totals, so a payload that silently stops decoding is noticed.
 */
export function describeFixtureCoverage(
  venue: string,
  set: FixtureSet,
  casesOf: (root: string, file: string) => PayloadCase[],
  expectedFailures: Readonly<Record<string, RegExp>>,
  counts: {readonly files: number; readonly decoded: number},
): void {
  describe(`${venue} fixtures: every payload decodes or fails for its stated reason`, () => {
    it('finds the copied fixtures', () => {
      expect(set.files.length).toBe(counts.files)
    })

    for (const file of set.files) {
      it(file, () => {
        const cases = casesOf(set.root, file)
        expect(cases.length).toBeGreaterThan(0)
        for (const c of cases) {
          const expected = expectedFailures[c.label]
          if (expected) {
            expect(c.ok, `${c.label} should not decode`).toBe(false)
            expect(c.reason).toMatch(expected)
          } else {
            expect(c.ok, `${c.label}: ${c.reason}`).toBe(true)
          }
        }
      })
    }

    it(`counts: ${counts.decoded} payloads decode, ${Object.keys(expectedFailures).length} do not (as listed)`, () => {
      const decoded = [...set.all.values()].filter((c) => c.ok).length
      const failed = [...set.all.values()].filter((c) => !c.ok).map((c) => c.label)
      expect(failed.sort()).toEqual(Object.keys(expectedFailures).sort())
      expect(decoded).toBe(counts.decoded)
    })
  })
}
