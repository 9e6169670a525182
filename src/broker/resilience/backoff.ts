/**
 * Retry delays: cockatiel's exponential backoff with a "half jitter" generator drawing from an injected source, so
 * delays grow (attempt n waits in [d/2, d) with d = initial · 2^n, capped) and stay spread out across clients while a
 * test with a seeded source sees the same delays every run. cockatiel's own generators call Math.random.
 */
import {ExponentialBackoff, type GeneratorFn, type IBackoff} from 'cockatiel'
import type {RetrySettings} from './policy.js'
import type {JitterSource} from './time.js'

export function halfJitter(source: JitterSource): GeneratorFn<number> {
  return (attempt = 0, opts) => {
    const nominal = Math.min(opts.maxDelay, opts.initialDelay * opts.exponent ** attempt)
    return [Math.floor(nominal / 2 + (source.next() * nominal) / 2), attempt + 1]
  }
}

/** A fresh backoff sequence for one request: `first().duration`, then `.next(undefined).duration`, … */
export function retryBackoff(settings: RetrySettings, source: JitterSource): {first(): IBackoff<unknown>} {
  const factory = new ExponentialBackoff({generator: halfJitter(source), initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs, exponent: 2})
  return {first: () => factory.next()}
}
