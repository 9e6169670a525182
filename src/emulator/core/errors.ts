/** A misuse of the emulator (wrong pacing mode, unknown symbol, bad option): the message says what and how to fix it. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError'
}

/** A position-mode switch the venue refuses: the symbol still has a position or open orders, or is no perpetual. */
export class PositionModeSwitchError extends Error {
  override readonly name = 'PositionModeSwitchError'
  constructor(
    readonly reason: 'position' | 'orders' | 'not_perpetual',
    message: string,
  ) {
    super(message)
  }
}
