// skopeo's error lines, turned into the one line a user reads.
import { describe, expect, test } from '@jest/globals'
import { Input } from '../../../src/core/constants.js'
import { InputError, ServiceError } from '../../../src/core/errors.js'
import { copyLocally, skopeoMessage } from '../../../src/core/programs/registry.js'

test.each([
  [
    'time="2026-11-24T09:53:01Z" level=fatal msg="trying to reuse blob sha256:1f0e at destination: unauthorized: authentication required"',
    'trying to reuse blob sha256:1f0e at destination: unauthorized: authentication required'
  ],
  ['time="x" level=fatal msg="a \\"quoted\\" word\\n"', 'a "quoted" word\n'],
  ['plain failure', 'plain failure'],
  ['warning first\ntime="x" level=fatal msg="the last line counts"', 'the last line counts']
])('%s', (stderr, expected) => {
  expect(skopeoMessage(stderr)).toBe(expected)
})

describe('copyLocally: a copy between files of the run blames no registry', () => {
  test('a failure is the caller’s to name, by default no input’s', async () => {
    const missing = ['copy', '--quiet', 'oci-archive:/nonexistent/hashdock-test.tar', 'dir:/nonexistent/out']
    const plain = await copyLocally(missing, 'extracting the linux/arm64 image').catch((error: Error) => error)
    expect(plain).toBeInstanceOf(Error)
    expect(plain).not.toBeInstanceOf(ServiceError)
    expect((plain as Error).message).toMatch(/^extracting the linux\/arm64 image failed: .*nonexistent/)
    const named = await copyLocally(missing, 'assembling', message => new InputError(Input.AssembleFrom, message)).catch((error: Error) => error)
    expect(named).toBeInstanceOf(InputError)
    expect((named as Error).message).toMatch(/^assemble-from: /)
  })
})
