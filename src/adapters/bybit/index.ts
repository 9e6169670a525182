/** Bybit v5 payload decoding and error mapping (the network client is separate work). */
export {BYBIT_ORDER_STATUSES, BYBIT_POSITION_SIDES, BYBIT_STATUS_MAP, BYBIT_TIF_MAP, type BybitOrderStatus} from './order-status.js'
export {
  BYBIT_VENUE, bybitExecutionToFill, bybitInstrument, bybitOrderToSnapshot, bybitPositionToSnapshot, bybitWalletToAccount, decodeBybitEnvelope,
  decodeBybitExecutions, decodeBybitInstruments, decodeBybitKlines, decodeBybitOrderAck, decodeBybitOrders, decodeBybitPositions,
  decodeBybitRecentTrades, decodeBybitResponse, decodeBybitTickers, decodeBybitWallet, type BybitDecodeContext, type BybitFunding,
  type BybitInstrumentInfo, type BybitOrderAck, type BybitReply, type ExecutionPage,
} from './decode-rest.js'
export {decodeBybitFrame, type BybitControl, type BybitFastExecution, type BybitMarketMessage, type BybitRateLimitHeader, type BybitWsMessage} from './decode-ws.js'
export {BYBIT_RET_CODES, bybitRetCodeClass, mapBybitError, type BybitErrorContext} from './errors.js'
