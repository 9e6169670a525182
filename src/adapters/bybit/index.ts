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
export {BybitAdapter, BybitPayloadError, PRIVATE_TOPICS, type AdapterDeps, type BybitAdapterOptions} from './bybit-adapter.js'
export {BybitFeedError, BybitPublicFeed, PUBLIC_STREAM, type BybitFeedDeps, type DecodeErrorReport} from './public-feed.js'
export {bybitInterval, bybitIntervalMs, BYBIT_INTERVALS} from '../../broker/bybit-intervals.js'
export {bybitCreateParams, orderLinkIdProblem, ORDER_LINK_ID} from './order-params.js'
export {decodeBybitServerTime} from './server-time.js'
export type {BybitSdkTransportOptions} from './sdk-transport.js'
