/**
 * The shared broker contract against the Alpaca adapter: the real SDK client through createAlpacaSdkTransport,
 * over loopback to the exchange emulator (Alpaca protocol, manual pacing: venue time moves with the suite).
 */
import {describeBrokerContract} from '../../src/broker/contract/broker-contract.js'
import {startRig} from './alpaca-rig.js'

describeBrokerContract('Alpaca adapter over the emulator (SDK, loopback)', async () => {
  const rig = await startRig()
  return {
    broker: rig.adapter,
    symbol: rig.symbol,
    participation: 0.1,
    advance: (ms) => rig.advance(ms),
    setMarket: (price, volume) => rig.bar(price, volume),
    close: () => rig.close(),
  }
})
