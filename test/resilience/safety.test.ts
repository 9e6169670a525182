/**
 * ALP-18 for the resilience layer: its events and its own errors carry no credential (nor any request parameter,
 * body or inner message where one could hide). Closing the transport refuses what waits, cancels its timers and
 * closes the inner transport. The wall-time default honours a venue reset on the real clock.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, BYBIT_POLICY, CircuitOpenError, RateLimitWaitTooLongError, resilientTransport, TransportClosedError} from '../../src/broker/resilience/index.js'
import {NetworkError} from '../../src/broker/errors.js'
import type {RawResponse, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import {alpacaRules, bybitRules, FakeVenue} from './fake-venue.js'
import {req} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const KEY = 'PKPLANTEDKEY00000001'
const SECRET = 'PlantedSecretValue0123456789abcdefghijKLM'

function everythingSaid(x: unknown): string {
  if (x instanceof Error) return `${x.name} ${x.message} ${x.stack ?? ''} ${JSON.stringify(x)}`
  return JSON.stringify(x)
}

describe('resilience layer safety', () => {
  it('no planted key or secret appears in any event or in the errors the layer makes', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules({}), {min: 5, max: 5})
    const said: unknown[] = []
    const t = resilientTransport(venue, BYBIT_POLICY, {onWait: (e) => said.push(e), onRetry: (e) => said.push(e), onBreaker: (e) => said.push(e)}, {time})
    const withSecrets = (id: string): VenueRequest => req('GET /v5/order/realtime', id, {apiKey: KEY, secret: SECRET})
    // Failures quoting the credentials (a careless inner transport), until the circuit opens.
    venue.scriptFor('GET /v5/order/realtime', [], {reject: new NetworkError(`connect failed for key=${KEY} secret=${SECRET}`, 'bybit', 'ECONNRESET')})
    const errors: unknown[] = []
    for (let i = 0; i < 3; i++) errors.push(await time.run(t.request(withSecrets(`a${i}`)).catch((e: unknown) => e)))
    expect(errors.some((e) => e instanceof CircuitOpenError)).toBe(true)
    // A rate-limit refusal with the reset far away, then a request that cannot wait for it.
    venue.scriptFor('GET /v5/market/kline', [{status: 403, body: `banned ${KEY} ${SECRET}`}])
    await time.run(t.request(req('GET /v5/market/kline', 'k', {apiKey: KEY, secret: SECRET})))
    const tooLong = await time.run(t.request(req('GET /v5/market/tickers', 'x', {secret: SECRET})).catch((e: unknown) => e))
    expect(tooLong).toBeInstanceOf(RateLimitWaitTooLongError)
    errors.push(tooLong)
    await t.close()
    errors.push(await time.run(t.request(withSecrets('z')).catch((e: unknown) => e)))
    expect(errors.at(-1)).toBeInstanceOf(TransportClosedError)

    const layerErrors = errors.filter((e) => e instanceof CircuitOpenError || e instanceof RateLimitWaitTooLongError || e instanceof TransportClosedError)
    expect(layerErrors.length).toBeGreaterThanOrEqual(3)
    expect(said.length).toBeGreaterThan(0)
    for (const x of [...said, ...layerErrors]) {
      const text = everythingSaid(x)
      expect(text).not.toContain(KEY)
      expect(text).not.toContain(SECRET)
    }
  })

  it('close(): queued requests are refused unsent, retry timers are cancelled, the inner transport is closed', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
    venue.scriptFor('GET /v2/clock', [], {status: 503})
    const all = Array.from({length: 210}, (_, i) => t.request(req('GET /v2/account', `r${i}`)).catch((e: unknown) => e))
    const retrying = t.request(req('GET /v2/clock', 'c')).catch((e: unknown) => e)
    await time.advance(100)
    expect(t.stats().queued).toBe(11)
    await t.close()
    const out = await time.run(Promise.all([...all, retrying]))
    expect(out.slice(0, 200).every((r) => (r as RawResponse).status === 200)).toBe(true)
    expect(out.slice(200).every((e) => e instanceof TransportClosedError)).toBe(true)
    expect(venue.closed).toBe(true)
    expect(time.pending).toBe(0)
    expect(venue.sent.filter((s) => s.endpoint === 'GET /v2/account')).toHaveLength(200)
  })

  it('wall-time default: a 10006 with a reset 150 ms ahead is resent after the reset on the real clock', async () => {
    const sentAt: number[] = []
    let reset = 0
    const inner: VenueTransport = {
      venue: 'bybit',
      request: async (): Promise<RawResponse> => {
        sentAt.push(Date.now())
        if (sentAt.length === 1) {
          reset = Date.now() + 150
          return {status: 200, headers: {'x-bapi-limit-reset-timestamp': String(reset)}, body: {retCode: 10006, retMsg: 'Too many visits!'}}
        }
        return {status: 200, headers: {}, body: {retCode: 0}}
      },
      subscribe: async () => undefined,
      onFrame: () => () => undefined,
      onConnection: () => () => undefined,
      close: async () => undefined,
    }
    const t = resilientTransport(inner, BYBIT_POLICY)
    const res = await t.request(req('POST /v5/order/create', 'w'))
    expect((res.body as {retCode: number}).retCode).toBe(0)
    expect(sentAt).toHaveLength(2)
    expect(sentAt[1]).toBeGreaterThanOrEqual(reset)
    await t.close()
  })
})
