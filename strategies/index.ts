/** The strategy registry the CLI resolves `--strategy` against. */
import type {StrategyFactory} from '../src/engine/strategy.js'
import {buyAndHold} from './buy-and-hold/index.js'
import {smaCross} from './sma-cross/index.js'

export const STRATEGIES: readonly StrategyFactory<any>[] = [smaCross, buyAndHold]

export const DEFAULT_STRATEGY = 'sma-cross'

export function findStrategy(name: string): StrategyFactory<any> | undefined {
  return STRATEGIES.find((s) => s.name === name)
}
