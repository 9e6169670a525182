/** A misuse of the emulator (wrong pacing mode, unknown symbol, bad option): the message says what and how to fix it. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError'
}
