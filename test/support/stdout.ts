// Captures what a test writes to standard output, where the action's workflow commands go.
import { afterEach, beforeEach, jest } from '@jest/globals'

/** Installs the capture around every test of the file; read what was written with the returned function. */
export function captureStdout(): () => string[] {
  let written: string[] = []
  beforeEach(() => {
    written = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })
  return () => written
}
