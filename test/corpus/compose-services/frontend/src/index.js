const { render } = require('./App')

console.log(render({ todos: [] }))
