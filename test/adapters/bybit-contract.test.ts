/**
 * The shared broker contract, hedge cases included, against BybitAdapter + the real bybit-api clients + the
 * emulator over loopback: with an instant venue, and with 20 ms of venue latency on every request and event.
 */
import {describeBrokerContract} from '../../src/broker/contract/broker-contract.js'
import {bybitContractHarness} from './bybit-e2e-harness.js'

describeBrokerContract('bybit adapter over the emulator (bybit-api, loopback, hedge mode)', () => bybitContractHarness())
describeBrokerContract('bybit adapter over the emulator, 20 ms venue latency', () => bybitContractHarness({latencyMs: 20}))
