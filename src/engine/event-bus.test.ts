import {describe, expect, it} from 'vitest'
import {EventBus} from './event-bus.js'

type Events = {bar: number; fill: string}

describe('EventBus', () => {
  it('calls listeners synchronously, in subscription order, per topic', () => {
    const bus = new EventBus<Events>()
    const seen: string[] = []
    bus.on('bar', (n) => seen.push(`a${n}`))
    bus.on('fill', (s) => seen.push(`f${s}`))
    bus.on('bar', (n) => seen.push(`b${n}`))
    bus.emit('bar', 1)
    bus.emit('fill', 'x')
    bus.emit('bar', 2)
    expect(seen).toEqual(['a1', 'b1', 'fx', 'a2', 'b2'])
    expect(bus.has('bar')).toBe(true)
  })

  it('stops calling a listener after unsubscribe, and only that one', () => {
    const bus = new EventBus<Events>()
    const seen: string[] = []
    bus.on('bar', () => seen.push('a'))
    const offB = bus.on('bar', () => seen.push('b'))
    bus.on('bar', () => seen.push('c'))
    offB()
    offB() // idempotent
    bus.emit('bar', 1)
    expect(seen).toEqual(['a', 'c'])
  })

  it('removes one registration per unsubscribe when the same function is added twice', () => {
    const bus = new EventBus<Events>()
    let n = 0
    const fn = (): void => void n++
    const off1 = bus.on('bar', fn)
    bus.on('bar', fn)
    off1()
    off1()
    bus.emit('bar', 1)
    expect(n).toBe(1)
  })

  it('keeps dispatching the listeners it started with when one unsubscribes or subscribes mid-dispatch', () => {
    const bus = new EventBus<Events>()
    const seen: string[] = []
    const offA = bus.on('bar', () => {
      seen.push('a')
      offA()
      bus.on('bar', () => seen.push('late'))
    })
    bus.on('bar', () => seen.push('b'))
    bus.on('bar', () => seen.push('c'))
    bus.emit('bar', 1)
    expect(seen).toEqual(['a', 'b', 'c'])
    bus.emit('bar', 2)
    expect(seen).toEqual(['a', 'b', 'c', 'b', 'c', 'late'])
  })

  it('emits to nobody without error, and reports no listeners', () => {
    const bus = new EventBus<Events>()
    expect(() => bus.emit('fill', 'x')).not.toThrow()
    expect(bus.has('fill')).toBe(false)
    const off = bus.on('fill', () => {})
    off()
    expect(bus.has('fill')).toBe(false)
  })
})
