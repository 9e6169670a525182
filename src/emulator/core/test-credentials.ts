/**
 * The credentials an emulator accepts when none are given: emulator-only test values, public on purpose (they
 * are printed by `trader exchange serve --help`). They have the shape of each venue's real keys (Alpaca: 20-char
 * key id, 40-char secret; Bybit: 18-char key, 36-char secret) so adapters' format checks accept them, and they
 * open nothing anywhere else.
 */
import type {EmulatorCredentials} from '../venue-api.js'

export const EMULATOR_TEST_CREDENTIALS: Readonly<Record<'alpaca' | 'bybit', EmulatorCredentials>> = {
  alpaca: {key: 'PKEMULATORTESTKEY001', secret: 'emulatorOnlyTestSecretNotARealAlpacaKey1'},
  bybit: {key: 'EMULATORTESTKEY001', secret: 'emulatorOnlyTestSecretNotARealBybit1'},
}
