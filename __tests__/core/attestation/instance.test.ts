// The sigstore-instance input: services by address, refused in one line naming the input.
import { expect, test } from '@jest/globals'
import { parseSigstoreInstance } from '../../../src/core/attestation/instance.js'
import { InputError } from '../../../src/core/errors.js'

test.each([
  ['', undefined],
  ['\n# a comment\n', undefined],
  ['fulcio=https://fulcio.acme.example\nrekor=https://rekor.acme.example/', { fulcio: 'https://fulcio.acme.example', rekor: 'https://rekor.acme.example' }],
  ['fulcio = http://127.0.0.1:8080\ntsa=http://127.0.0.1:8081/api/v1/timestamp', { fulcio: 'http://127.0.0.1:8080', tsa: 'http://127.0.0.1:8081/api/v1/timestamp' }]
])('%j reads as %j', (text, want) => {
  expect(parseSigstoreInstance(text)).toEqual(want)
})

test.each([
  ['rekor=https://rekor.acme.example', /^sigstore-instance: has no fulcio=URL/],
  ['fulcio=https://fulcio.acme.example', /^sigstore-instance: names neither rekor=URL nor tsa=URL/],
  ['fulcio=https://a\nfulcio=https://b\nrekor=https://c', /^sigstore-instance: names fulcio twice/],
  ['ctlog=https://ct.example', /^sigstore-instance: 'ctlog=https:\/\/ct.example' is not fulcio=URL, rekor=URL or tsa=URL/],
  ['fulcio=ftp://fulcio.example\nrekor=https://r', /^sigstore-instance: fulcio: 'ftp:\/\/fulcio.example' is not an http\(s\) address/],
  ['fulcio=https://user:pw@fulcio.example\nrekor=https://r', /is not an http\(s\) address without credentials/],
  ['https://fulcio.example', /is not fulcio=URL/]
])('%j is refused: %s', (text, message) => {
  let error: unknown
  try {
    parseSigstoreInstance(text)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InputError)
  expect((error as Error).message).toMatch(message)
  expect((error as Error).message.split('\n')).toHaveLength(1)
})
