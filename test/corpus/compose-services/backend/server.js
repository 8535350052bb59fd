const routes = require('./routes')

const port = process.env.PORT || 3000
console.log(`backend listening on ${port}: ${Object.keys(routes).join(', ')}`)
