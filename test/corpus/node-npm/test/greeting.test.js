const test = require('node:test')
const assert = require('node:assert')
const { greeting } = require('../src/lib/greeting')

test('greets', () => assert.strictEqual(greeting('x'), 'hello, x'))
