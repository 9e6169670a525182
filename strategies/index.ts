/** The strategy registry the CLI resolves `--strategy` against. */
import type {StrategyFactory} from '../src/engine/strategy.js'
import {buyAndHold} from './buy-and-hold/index.js'
import {smaCross} from './sma-cross/index.js'
import {openingRange} from './opening-range/index.js'
import {parabolicSar} from './parabolic-sar/index.js'
import {volumeProfile} from './volume-profile/index.js'
import {consensus} from './consensus/index.js'
import {momentum} from './momentum/index.js'
import {grid} from './grid/index.js'

export const STRATEGIES: readonly StrategyFactory<any>[] = [smaCross, buyAndHold, openingRange, parabolicSar, volumeProfile, consensus, momentum, grid]

export const DEFAULT_STRATEGY = 'sma-cross'

export function findStrategy(name: string): StrategyFactory<any> | undefined {
  return STRATEGIES.find((s) => s.name === name)
}
