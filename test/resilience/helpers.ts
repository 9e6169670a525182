/** Shared set-up for the resilience tests. */
import {Rng} from '../../src/core/rng.js'
import type {RawResponse, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {VirtualTime} from './virtual-time.js'

export const req = (endpoint: string, id: string, extra: Record<string, unknown> = {}): VenueRequest => ({endpoint, params: {id, ...extra}})

/** `mix` expanded to requests with ids "<n>", shuffled with a seeded generator (a deterministic interleaving). */
export function burst(mix: readonly (readonly [string, number])[], seed = 42): VenueRequest[] {
  const out: VenueRequest[] = []
  for (const [endpoint, count] of mix) for (let i = 0; i < count; i++) out.push(req(endpoint, ''))
  const rng = new Rng(seed)
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out.map((r, n) => req(r.endpoint, `r${n}`))
}

export type Settled = PromiseSettledResult<RawResponse>

/** Sends every request at once and drives virtual time until all have settled. */
export async function sendAll(transport: VenueTransport, time: VirtualTime, reqs: readonly VenueRequest[]): Promise<Settled[]> {
  return time.run(Promise.allSettled(reqs.map((r) => transport.request(r))))
}

/** The id a fake-venue answer carries (Alpaca {id}, Bybit {result: {id}}). */
export function answerId(res: RawResponse): string | undefined {
  const b = res.body as {id?: string; result?: {id?: string}} | null
  return b?.id ?? b?.result?.id
}

/** Ids in the order given, per endpoint. */
export function idsByEndpoint(items: readonly {endpoint: string; id: string}[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const it of items) {
    let l = m.get(it.endpoint)
    if (!l) m.set(it.endpoint, (l = []))
    l.push(it.id)
  }
  return m
}
