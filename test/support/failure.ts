import {expect} from 'chai'

import {SentinelError} from '../../src/errors.js'

/** The SentinelError that `fn` throws; fails the test if it throws nothing or something else. */
export function failure(fn: () => unknown): SentinelError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(SentinelError)
    return error as SentinelError
  }

  throw new Error('expected an error')
}
